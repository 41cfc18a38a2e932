package dev.chatlog.sql.report;

import dev.chatlog.sql.query.Breakdowns;
import dev.chatlog.sql.query.DayCache;
import dev.chatlog.sql.query.Filter;
import dev.chatlog.sql.query.Planner;
import dev.chatlog.sql.query.Ranking;
import dev.chatlog.sql.query.Window;
import dev.chatlog.sql.rollup.Dimension;
import dev.chatlog.sql.rollup.Histogram;
import dev.chatlog.sql.rollup.Measure;
import dev.chatlog.sql.rollup.Sums;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * {@code stats/daily}: one UTC date's totals, breakdowns, top and slow calls and error rates. Under
 * a model, agent, function or outcome filter the breakdowns have no rollup rows, so one pass over
 * the day's matching calls gives all of them and the top lists; that answer is kept while the day's
 * rollup counters are unchanged ({@link DayCache}), so asking again for a day that received no row costs one indexed read.
 */
final class DailyReport {
    private static final List<Dimension> GROUPS = List.of(Dimension.ALL, Dimension.AGENT, Dimension.FUNCTION, Dimension.MODEL,
            Dimension.CHAT_MODE, Dimension.USER);
    private static final String TOP_COLUMNS = "call_id, conversation_id, message_id, call_type, model, agent, function_name, user_id,"
            + " total_tokens, cost_estimate, duration_ms, success, started_at";

    private final Jdbi jdbi;
    private final Planner planner;
    private final DayCache<Map<String, Object>> filteredDays = new DayCache<>(32);

    DailyReport(Jdbi jdbi, Planner planner) {
        this.jdbi = jdbi;
        this.planner = planner;
    }

    Map<String, Object> daily(LocalDate date, Filter f, int slowMs) {
        return jdbi.withHandle(h -> f.onCalls()
                ? filteredDays.get(h, date + "|" + f + "|" + slowMs, date, date.plusDays(1), () -> compute(h, date, f, slowMs))
                : compute(h, date, f, slowMs));
    }

    private Map<String, Object> compute(Handle h, LocalDate date, Filter f, int slowMs) {
        Instant from = date.atStartOfDay().toInstant(ZoneOffset.UTC);
        Window w = Window.between(from, from.plusSeconds(86_400));
        Ranking costliest = Ranking.costliest(10);
        Ranking slowest = Ranking.slowerThan(slowMs, 10);
        List<Ranking> rankings = List.of(costliest, slowest);
        Breakdowns b = f.onCalls() ? Breakdowns.readCalls(planner, h, w, f, GROUPS, rankings)
                : Breakdowns.read(planner, h, w, f, GROUPS, rankings);
        Sums all = Sums.total(b.sums(Dimension.ALL).values());
        Map<String, Object> totals = Figures.of(all).toMap();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("date", date.toString());
        out.put("filters", Shapes.filters(f));
        out.put("totals", totals);
        List<Map<String, Object>> byAgent = ranked(b.sums(Dimension.AGENT), "agent", 100);
        List<Map<String, Object>> byFunction = ranked(b.sums(Dimension.FUNCTION), "function", 100);
        List<Map<String, Object>> byModel = ranked(b.sums(Dimension.MODEL), "model", 100);
        out.put("by_agent", byAgent);
        out.put("by_function", byFunction);
        out.put("by_model", byModel);
        out.put("by_chat_mode", ranked(b.sums(Dimension.CHAT_MODE), "chat_mode", 100));
        out.put("by_user", ranked(b.sums(Dimension.USER), "user", 50));
        out.put("top_expensive_calls", b.top(costliest, TOP_COLUMNS));
        Map<String, Object> slow = new LinkedHashMap<>();
        slow.put("threshold_ms", slowMs);
        slow.put("count", b.qualified(slowest).orElseGet(() -> slowCount(h, w, f, slowest, all)));
        slow.put("calls", b.top(slowest, TOP_COLUMNS));
        out.put("slow_calls", slow);
        Map<String, Object> errors = new LinkedHashMap<>();
        errors.put("overall", totals.get("error_rate"));
        errors.put("by_agent", errorRates(byAgent, "agent"));
        errors.put("by_function", errorRates(byFunction, "function"));
        errors.put("by_model", errorRates(byModel, "model"));
        out.put("error_rates", errors);
        return out;
    }

    /** Model calls slower than the threshold: from the histogram when it is a bucket edge, otherwise counted in the rows. */
    private static long slowCount(Handle h, Window w, Filter f, Ranking slowest, Sums all) {
        int edge = Histogram.edgeIndex(slowest.overMs());
        if (edge >= 0) {
            long n = 0;
            for (int i = edge + 1; i < Histogram.BUCKETS; i++) n += all.latency(i);
            return n;
        }
        String sql = "SELECT COUNT(*) FROM chatbot_llm_calls WHERE " + w.where("started_at") + slowest.where() + f.where();
        return slowest.bind(f.bind(w.bind(h.createQuery(sql)))).mapTo(Long.class).one();
    }

    /** The {@code limit} most expensive groups (then the busiest), with their figures: ranked on the sums, figures of the shown only. */
    static List<Map<String, Object>> ranked(Map<String, Sums> sums, String label, int limit) {
        List<Map.Entry<String, Sums>> ranked = new ArrayList<>(sums.entrySet());
        ranked.sort(Comparator.comparing((Map.Entry<String, Sums> e) -> e.getValue().amount(Measure.COST))
                .reversed().thenComparing(e -> -e.getValue().count(Measure.LLM_CALLS)
                        - e.getValue().count(Measure.TOOL_CALLS)));
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map.Entry<String, Sums> e : ranked.subList(0, Math.min(limit, ranked.size()))) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put(label, e.getKey().isEmpty() ? null : e.getKey());
            m.putAll(Figures.of(e.getValue()).toMap());
            out.add(m);
        }
        return out;
    }

    private static List<Map<String, Object>> errorRates(List<Map<String, Object>> groups, String label) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> g : groups) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (String k : List.of(label, "llm_calls", "failed_llm_calls", "error_rate", "tool_calls", "failed_tool_calls")) m.put(k, g.get(k));
            out.add(m);
        }
        return out;
    }
}
