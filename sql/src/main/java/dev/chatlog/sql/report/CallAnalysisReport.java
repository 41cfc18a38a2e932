package dev.chatlog.sql.report;

import dev.chatlog.core.error.ErrorCategory;
import dev.chatlog.sql.query.Breakdowns;
import dev.chatlog.sql.query.Filter;
import dev.chatlog.sql.query.Planner;
import dev.chatlog.sql.query.Ranking;
import dev.chatlog.sql.query.Rows;
import dev.chatlog.sql.query.Window;
import dev.chatlog.sql.rollup.Dimension;
import dev.chatlog.sql.rollup.Sums;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** {@code llm-calls/analysis}: model-call totals, breakdowns, the slowest and most expensive calls and recent errors. */
final class CallAnalysisReport {
    private static final List<Dimension> GROUPS = List.of(Dimension.MODEL_FUNCTION, Dimension.AGENT, Dimension.CHAT_MODE);
    private static final String TOP_COLUMNS = "call_id, conversation_id, message_id, model, function_name, call_type, duration_ms,"
            + " total_tokens, cost_estimate, priced, success, error_type, started_at";
    private static final String RECENT_ERRORS = """
            SELECT call_id, conversation_id, message_id, call_type, model, function_name, agent, duration_ms,
                   error_type, error_category, LEFT(error_message, 300) AS error_message, started_at
            FROM chatbot_llm_calls WHERE success = 0 AND <window> <filter> ORDER BY started_at DESC LIMIT 10""";
    /** The window's failures by category (rows stored before V19 and never classified count as {@code other}). */
    private static final String BY_CATEGORY = """
            SELECT COALESCE(error_category, 'other') AS category, COUNT(*) AS failures, MAX(started_at) AS last_at
            FROM chatbot_llm_calls WHERE success = 0 AND <window> <filter> GROUP BY category ORDER BY failures DESC, category""";

    private final Jdbi jdbi;
    private final Planner planner;

    CallAnalysisReport(Jdbi jdbi, Planner planner) {
        this.jdbi = jdbi;
        this.planner = planner;
    }

    Map<String, Object> llmCalls(Window w, Filter f) {
        return jdbi.withHandle(h -> {
            Map<String, Object> out = Shapes.hoursHeader(w);
            out.put("filters", Shapes.callFilters(f));
            out.put("totals", Figures.of(planner.total(h, w, f, Sums.Columns.ALL)).callTotals());
            Ranking slowest = Ranking.slowest(10);
            Ranking costliest = Ranking.costliest(10);
            Breakdowns b = Breakdowns.read(planner, h, w, f, GROUPS, List.of(slowest, costliest));
            out.put("by_model_and_function", CallGroups.calls(b, Dimension.MODEL_FUNCTION, null));
            out.put("by_agent", CallGroups.calls(b, Dimension.AGENT, "agent"));
            out.put("by_chat_mode", CallGroups.calls(b, Dimension.CHAT_MODE, "chat_mode"));
            out.put("by_tool", CallGroups.tools(planner, h, w, f));
            out.put("by_step", CallGroups.steps(planner, h, w, f));
            out.put("slowest_calls", b.top(slowest, TOP_COLUMNS));
            out.put("most_expensive_calls", b.top(costliest, TOP_COLUMNS));
            List<Map<String, Object>> recent = f.bind(w.bind(h.createQuery(RECENT_ERRORS).define("window", w.where("started_at"))
                    .define("filter", f.where()))).map((rs, ctx) -> Rows.row(rs)).list();
            for (Map<String, Object> e : recent) e.put("suggestion", ErrorCategory.fromDb((String) e.get("error_category")).suggestion());
            out.put("recent_errors", recent);
            out.put("errors_by_category", errorsByCategory(h, w, f));
            return out;
        });
    }

    /** Failures by category, most frequent first, each with what to do about it. */
    static List<Map<String, Object>> errorsByCategory(Handle h, Window w, Filter f) {
        return f.bind(w.bind(h.createQuery(BY_CATEGORY).define("window", w.where("started_at")).define("filter", f.where())))
                .map((rs, ctx) -> {
                    Map<String, Object> m = new java.util.LinkedHashMap<>();
                    ErrorCategory c = ErrorCategory.fromDb(rs.getString("category"));
                    m.put("category", c.dbValue());
                    m.put("failures", rs.getLong("failures"));
                    m.put("last_at", Rows.iso(rs.getObject("last_at", java.time.LocalDateTime.class)));
                    m.put("suggestion", c.suggestion());
                    return m;
                }).list();
    }
}
