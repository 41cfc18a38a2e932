package dev.chatlog.budgets;

import dev.chatlog.sql.Utc;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatlog.budgets.Budget;
import dev.chatlog.budgets.BudgetPeriod;
import dev.chatlog.budgets.BudgetStatus;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** What the budget routes show: each budget's current window, its past windows, its events and what caused them. */
public final class BudgetReport {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Jdbi jdbi;

    public BudgetReport(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** One recorded budget event. */
    public record Event(long id, String budget, long windowIndex, String kind, BigDecimal threshold, BigDecimal limit, BigDecimal spent,
                        BigDecimal projected, Map<String, Object> details, Instant at) {}

    /** A call behind a window's spend (a settled reservation). */
    public record TopCall(String reservationId, String conversationId, String userId, String model, BigDecimal cost, Instant at) {}

    /** A conversation behind a window's spend. */
    public record TopConversation(String conversationId, BigDecimal cost, int calls) {}

    /** The budgets' current windows at {@code now}. */
    public List<BudgetStatus> current(List<Budget> budgets, Instant now) {
        return jdbi.withHandle(h -> budgets.stream().map(b -> status(h, b, now)).toList());
    }

    static BudgetStatus status(Handle h, Budget b, Instant now) {
        BudgetPeriod.Window w = b.period().window(now, b.zone());
        BigDecimal[] c = h.createQuery("SELECT spent, reserved FROM chatbot_budget_windows WHERE budget_name = :b AND window_index = :w")
                .bind("b", b.name()).bind("w", w.index()).map((rs, ctx) -> new BigDecimal[] {rs.getBigDecimal(1), rs.getBigDecimal(2)})
                .findOne().orElse(new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO});
        return BudgetStatus.of(b, w, c[0], c[1], now);
    }

    /** The budget's last {@code limit} windows with any reservation, newest first. */
    public List<BudgetLedger.WindowState> history(Budget b, int limit) {
        return jdbi.withHandle(h -> h.createQuery("SELECT window_index, starts_at, ends_at, spent, reserved FROM chatbot_budget_windows "
                        + "WHERE budget_name = :b ORDER BY window_index DESC LIMIT :n").bind("b", b.name()).bind("n", limit)
                .map((rs, ctx) -> new BudgetLedger.WindowState(rs.getLong(1), Utc.instant(rs.getObject(2, LocalDateTime.class)),
                        Utc.instant(rs.getObject(3, LocalDateTime.class)), rs.getBigDecimal(4), rs.getBigDecimal(5))).list());
    }

    /** The newest events, of one budget or (null) all, after {@code afterId} (0: from the first). */
    public List<Event> events(String budget, long afterId, int limit) {
        return jdbi.withHandle(h -> h.createQuery("SELECT id, budget_name, window_index, kind, threshold, limit_usd, spent, projected, "
                        + "details, created_at FROM chatbot_budget_events WHERE id > :after"
                        + (budget == null ? "" : " AND budget_name = :b") + " ORDER BY id DESC LIMIT :n")
                .bind("after", afterId).bind("b", budget).bind("n", limit)
                .map((rs, ctx) -> new Event(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getBigDecimal(5),
                        rs.getBigDecimal(6), rs.getBigDecimal(7), rs.getBigDecimal(8), details(rs.getString(9)),
                        Utc.instant(rs.getObject(10, LocalDateTime.class)))).list());
    }

    /** The costliest settled calls of a budget's window. */
    static List<TopCall> topCalls(Handle h, String budget, long window, int n) {
        return h.createQuery("SELECT reservation_id, conversation_id, user_id, model, cost, created_at FROM chatbot_budget_reservations "
                        + "WHERE budget_name = :b AND window_index = :w AND state = 'settled' ORDER BY cost DESC LIMIT :n")
                .bind("b", budget).bind("w", window).bind("n", n)
                .map((rs, ctx) -> new TopCall(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getBigDecimal(5),
                        Utc.instant(rs.getObject(6, LocalDateTime.class)))).list();
    }

    /** The conversations that spent most of a budget's window. */
    public static List<TopConversation> topConversations(Handle h, String budget, long window, int n) {
        return h.createQuery("SELECT COALESCE(conversation_id, ''), SUM(cost) c, COUNT(*) FROM chatbot_budget_reservations "
                        + "WHERE budget_name = :b AND window_index = :w AND state = 'settled' GROUP BY COALESCE(conversation_id, '') "
                        + "ORDER BY c DESC LIMIT :n")
                .bind("b", budget).bind("w", window).bind("n", n)
                .map((rs, ctx) -> new TopConversation(rs.getString(1), rs.getBigDecimal(2), rs.getInt(3))).list();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> details(String json) {
        try {
            return JSON.readValue(json, Map.class);
        } catch (Exception e) {
            return Map.of("unreadable", json);
        }
    }
}
