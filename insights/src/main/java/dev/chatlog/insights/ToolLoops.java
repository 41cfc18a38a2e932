package dev.chatlog.insights;

import static dev.chatlog.insights.CostDrivers.num;

import dev.chatlog.insights.Finding.Confidence;
import dev.chatlog.insights.Finding.Evidence;
import dev.chatlog.insights.Finding.Kind;
import dev.chatlog.insights.Finding.Subject;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Tool loops: a tool called again with the same arguments within one turn. */
final class ToolLoops {
    private ToolLoops() {}

    /** A tool loop: one tool called this many times with the same arguments in one turn. */
    static final int LOOP_CALLS = 3;

    /**
     * A tool called {@link #LOOP_CALLS}+ times with the same arguments in one turn: every execution after the first is a
     * loop, and each cost a model round trip (the call that asked for it), priced at the turn's mean model-call cost.
     */
    static List<Finding> find(Scan s) {
        List<Map<String, Object>> loops = s.jdbi().withHandle(h -> h.createQuery("""
                SELECT l.tool, l.conversation_id, l.message_id, l.executions, l.sample_call,
                       (SELECT SUM(c.cost_estimate) FROM chatbot_llm_calls c WHERE c.conversation_id = l.conversation_id
                            AND c.message_id = l.message_id AND c.call_type IN ('chat', 'streaming_chat') AND c.priced = 1) AS turn_cost,
                       (SELECT COUNT(*) FROM chatbot_llm_calls c WHERE c.conversation_id = l.conversation_id
                            AND c.message_id = l.message_id AND c.call_type IN ('chat', 'streaming_chat') AND c.priced = 1) AS turn_calls
                FROM (SELECT COALESCE(function_name, '(unnamed)') AS tool, conversation_id, message_id, COUNT(*) AS executions,
                             MIN(call_id) AS sample_call
                      FROM chatbot_llm_calls
                      WHERE started_at >= :from AND started_at < :to AND call_type = 'tool' AND message_id <> ''
                        AND input_text IS NOT NULL -- arguments not stored (capture off, erased by retention) cannot be compared
                      GROUP BY tool, conversation_id, message_id, MD5(input_text)
                      HAVING COUNT(*) >= :loop
                      ORDER BY executions DESC LIMIT 1000) l""")
                .bind("from", s.fromTime()).bind("to", s.toTime()).bind("loop", LOOP_CALLS).mapToMap().list());
        Map<String, List<Map<String, Object>>> byTool = new LinkedHashMap<>();
        for (Map<String, Object> r : loops) byTool.computeIfAbsent((String) r.get("tool"), k -> new ArrayList<>()).add(r);
        List<Finding> out = new ArrayList<>();
        for (var e : byTool.entrySet()) {
            long extra = 0, executions = 0;
            BigDecimal wasted = BigDecimal.ZERO;
            List<String> callIds = new ArrayList<>(), conversations = new ArrayList<>();
            for (Map<String, Object> r : e.getValue()) {
                long n = (long) num(r, "executions");
                executions += n;
                extra += n - 1;
                long turnCalls = (long) num(r, "turn_calls");
                if (turnCalls > 0) {
                    wasted = wasted.add(Scan.usd((BigDecimal) r.get("turn_cost")).multiply(BigDecimal.valueOf(n - 1))
                            .divide(BigDecimal.valueOf(turnCalls), 10, RoundingMode.HALF_UP));
                }
                if (callIds.size() < 5) callIds.add((String) r.get("sample_call"));
                if (conversations.size() < 5 && !conversations.contains((String) r.get("conversation_id"))) conversations.add((String) r.get("conversation_id"));
            }
            wasted = Scan.usd(wasted);
            BigDecimal perDay = wasted.signum() == 0 ? null : s.perDay(wasted); // no priced model call in the loops' turns: no saving in USD
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("looping_turns", e.getValue().size());
            detail.put("executions", executions);
            detail.put("repeated_executions", extra);
            detail.put("round_trips_cost_usd", wasted);
            out.add(new Finding(Kind.TOOL_LOOP, new Subject("tool", e.getKey()),
                    "The tool '" + e.getKey() + "' was called again with the same arguments " + extra + " times in " + e.getValue().size() + " turn"
                            + (e.getValue().size() == 1 ? "" : "s"),
                    perDay, perDay == null ? null : Scan.perMonth(perDay), null, Confidence.MEDIUM,
                    "same tool, same arguments, same turn, " + LOOP_CALLS + "+ times; each repeat priced at one model call of its turn (the one that asked for it)",
                    "Return a clearer tool result (the model asks again when the answer does not settle the question), "
                            + "remember results within the turn, or cap the tool calls per turn.",
                    new Evidence(executions, wasted, callIds, conversations, s.links(conversations)), detail));
        }
        return out;
    }
}
