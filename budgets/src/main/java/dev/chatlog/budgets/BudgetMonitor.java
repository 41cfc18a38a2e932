package dev.chatlog.budgets;

import dev.chatlog.sql.Utc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatlog.budgets.Budget;
import dev.chatlog.budgets.BudgetPeriod;
import dev.chatlog.budgets.BudgetStatus;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Records budget events, each once per budget, window, kind and threshold however many instances
 * evaluate (the events table's key turns a second insert into nothing):
 * <ul>
 *   <li>{@code warning}: spent reached a warning threshold (one event per threshold);</li>
 *   <li>{@code exceeded}: spent reached the limit;</li>
 *   <li>{@code projected}: the projection ({@link BudgetPeriod.Window#project}) passes the limit, once a
 *   24th of the window has gone;</li>
 *   <li>{@code spike}: the current hour's spend is at least {@link #SPIKE_FACTOR} times the average hour
 *   of the 24 before it, with at least {@code minSpikeCalls} calls in the hour and in those 24 hours
 *   (fewer mean nothing: two calls after a quiet night are not a spike). Its window is the UTC hour.</li>
 * </ul>
 * Each event names what caused it: the costliest calls and conversations of its window (or hour).
 */
public final class BudgetMonitor {
    /** How many times the trailing hourly average an hour's spend must reach to be a spike. */
    public static final BigDecimal SPIKE_FACTOR = BigDecimal.valueOf(3);
    private static final int TOP = 5;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Jdbi jdbi;
    private final int minSpikeCalls;

    public BudgetMonitor(Jdbi jdbi, int minSpikeCalls) {
        if (minSpikeCalls < 1) throw new IllegalArgumentException("minSpikeCalls must be at least 1");
        this.jdbi = jdbi;
        this.minSpikeCalls = minSpikeCalls;
    }

    /** An event this evaluation recorded (one already recorded, by this or another instance, is not returned again). */
    public record Recorded(String budget, String kind, BigDecimal threshold, BigDecimal spent) {}

    /** Evaluates every budget at {@code now}; returns the events it recorded. */
    public List<Recorded> evaluate(List<Budget> budgets, Instant now) {
        List<Recorded> out = new ArrayList<>();
        for (Budget b : budgets) {
            jdbi.useHandle(h -> out.addAll(evaluate(h, b, now)));
        }
        return out;
    }

    private List<Recorded> evaluate(Handle h, Budget b, Instant now) {
        List<Recorded> out = new ArrayList<>();
        BudgetStatus s = BudgetReport.status(h, b, now);
        long w = s.window().index();
        for (BigDecimal t : b.warnAt()) {
            if (s.spent().compareTo(b.limitUsd().multiply(t)) >= 0) {
                record(h, b, w, "warning", t, s, reason("spent reached " + percent(t) + " of the limit"), now, out);
            }
        }
        if (s.state() == BudgetStatus.State.EXCEEDED) {
            record(h, b, w, "exceeded", BigDecimal.ONE, s, reason("spent reached the limit"
                    + (b.enforced() ? ": calls are refused until " + s.window().end() : " (alert only: calls go on)")), now, out);
        }
        if (s.projectedToExceed()) {
            record(h, b, w, "projected", BigDecimal.ZERO, s, reason("at the rate so far the window ends at $"
                    + s.projected().setScale(4, RoundingMode.HALF_UP).toPlainString() + ", over the limit"), now, out);
        }
        spike(h, b, s, now, out);
        return out;
    }

    private void spike(Handle h, Budget b, BudgetStatus s, Instant now, List<Recorded> out) {
        long hour = Math.floorDiv(now.getEpochSecond(), 3600);
        LocalDateTime from = LocalDateTime.ofEpochSecond((hour - 24) * 3600, 0, ZoneOffset.UTC);
        List<long[]> counts = new ArrayList<>();
        List<BigDecimal> sums = new ArrayList<>();
        h.createQuery("SELECT TIMESTAMPDIFF(HOUR, '1970-01-01 00:00:00', created_at) h, SUM(cost), COUNT(*) "
                        + "FROM chatbot_budget_reservations WHERE budget_name = :b AND state = 'settled' AND created_at >= :from "
                        + "GROUP BY TIMESTAMPDIFF(HOUR, '1970-01-01 00:00:00', created_at)")
                .bind("b", b.name()).bind("from", from)
                .map((rs, ctx) -> {
                    counts.add(new long[] {rs.getLong(1), rs.getLong(3)});
                    sums.add(rs.getBigDecimal(2));
                    return null;
                }).list();
        BigDecimal current = BigDecimal.ZERO;
        BigDecimal trailing = BigDecimal.ZERO;
        long currentCalls = 0;
        long trailingCalls = 0;
        for (int i = 0; i < counts.size(); i++) {
            if (counts.get(i)[0] == hour) {
                current = sums.get(i);
                currentCalls = counts.get(i)[1];
            } else if (counts.get(i)[0] < hour) {
                trailing = trailing.add(sums.get(i));
                trailingCalls += counts.get(i)[1];
            }
        }
        if (currentCalls < minSpikeCalls || trailingCalls < minSpikeCalls || trailing.signum() <= 0) return;
        BigDecimal average = trailing.divide(BigDecimal.valueOf(24), 10, RoundingMode.HALF_UP);
        if (current.compareTo(average.multiply(SPIKE_FACTOR)) < 0) return;
        Map<String, Object> why = reason("this hour's spend $" + current.setScale(4, RoundingMode.HALF_UP).toPlainString() + " over "
                + currentCalls + " calls is " + current.divide(average, 1, RoundingMode.HALF_UP).toPlainString()
                + "x the average hour of the last 24 ($" + average.setScale(4, RoundingMode.HALF_UP).toPlainString() + ")");
        why.put("hour_spent", current);
        why.put("hour_calls", currentCalls);
        why.put("trailing_hourly_average", average);
        LocalDateTime start = LocalDateTime.ofEpochSecond(hour * 3600, 0, ZoneOffset.UTC);
        why.put("top_calls", h.createQuery("SELECT reservation_id, conversation_id, user_id, model, cost, created_at "
                        + "FROM chatbot_budget_reservations WHERE budget_name = :b AND state = 'settled' AND created_at >= :s "
                        + "ORDER BY cost DESC LIMIT :n").bind("b", b.name()).bind("s", start).bind("n", TOP)
                .map((rs, ctx) -> new BudgetReport.TopCall(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getBigDecimal(5), Utc.instant(rs.getObject(6, LocalDateTime.class)))).list().stream().map(BudgetMonitor::cause).toList());
        insert(h, b, hour, "spike", BigDecimal.ZERO, s, current, why, now, out);
    }

    /** A call as an event names it (the keys the routes use). */
    static Map<String, Object> cause(BudgetReport.TopCall c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("reservation_id", c.reservationId());
        m.put("conversation_id", c.conversationId());
        m.put("user_id", c.userId());
        m.put("model", c.model());
        m.put("cost", c.cost());
        m.put("at", c.at() == null ? null : c.at().toString());
        return m;
    }

    private static Map<String, Object> reason(String text) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("reason", text);
        return m;
    }

    private static String percent(BigDecimal fraction) {
        return fraction.movePointRight(2).stripTrailingZeros().toPlainString() + "%";
    }

    private void record(Handle h, Budget b, long window, String kind, BigDecimal threshold, BudgetStatus s, Map<String, Object> details,
                        Instant now, List<Recorded> out) {
        if (exists(h, b.name(), window, kind, threshold)) return; // the usual case: said already, no need to gather the causes again
        details.put("window", Map.of("start", s.window().start().toString(), "end", s.window().end().toString()));
        details.put("top_calls", BudgetReport.topCalls(h, b.name(), window, TOP).stream().map(BudgetMonitor::cause).toList());
        details.put("top_conversations", BudgetReport.topConversations(h, b.name(), window, TOP).stream().map(c -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("conversation_id", c.conversationId());
            m.put("cost", c.cost());
            m.put("calls", c.calls());
            return m;
        }).toList());
        insert(h, b, window, kind, threshold, s, s.spent(), details, now, out);
    }

    private static boolean exists(Handle h, String budget, long window, String kind, BigDecimal threshold) {
        return h.createQuery("SELECT 1 FROM chatbot_budget_events WHERE budget_name = :b AND window_index = :w AND kind = :k "
                        + "AND threshold = :t").bind("b", budget).bind("w", window).bind("k", kind).bind("t", threshold)
                .mapTo(Integer.class).findOne().isPresent();
    }

    private static void insert(Handle h, Budget b, long window, String kind, BigDecimal threshold, BudgetStatus s, BigDecimal spent,
                               Map<String, Object> details, Instant now, List<Recorded> out) {
        String json;
        try {
            json = JSON.writeValueAsString(details);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        int n = h.createUpdate("INSERT IGNORE INTO chatbot_budget_events (budget_name, window_index, kind, threshold, limit_usd, spent, "
                        + "projected, details, created_at) VALUES (:b, :w, :k, :t, :l, :s, :p, :d, :at)")
                .bind("b", b.name()).bind("w", window).bind("k", kind).bind("t", threshold).bind("l", b.limitUsd()).bind("s", spent)
                .bind("p", s.projected()).bind("d", json).bind("at", Utc.time(now)).execute();
        if (n > 0) out.add(new Recorded(b.name(), kind, threshold, spent));
    }
}
