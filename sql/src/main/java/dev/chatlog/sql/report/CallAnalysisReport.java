package dev.chatlog.sql.report;

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
import org.jdbi.v3.core.Jdbi;

/** {@code llm-calls/analysis}: model-call totals, breakdowns, the slowest and most expensive calls and recent errors. */
final class CallAnalysisReport {
    private static final List<Dimension> GROUPS = List.of(Dimension.MODEL_FUNCTION, Dimension.AGENT, Dimension.CHAT_MODE);
    private static final String TOP_COLUMNS = "call_id, conversation_id, message_id, model, function_name, call_type, duration_ms,"
            + " total_tokens, cost_estimate, priced, success, error_type, started_at";
    private static final String RECENT_ERRORS = """
            SELECT call_id, conversation_id, message_id, call_type, model, function_name, agent, duration_ms,
                   error_type, LEFT(error_message, 300) AS error_message, started_at
            FROM chatbot_llm_calls WHERE success = 0 AND <window> <filter> ORDER BY started_at DESC LIMIT 10""";

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
            out.put("recent_errors", f.bind(w.bind(h.createQuery(RECENT_ERRORS).define("window", w.where("started_at"))
                    .define("filter", f.where()))).map((rs, ctx) -> Rows.row(rs)).list());
            return out;
        });
    }
}
