package dev.chatlog.insights;

import dev.chatlog.insights.Finding.Confidence;
import dev.chatlog.insights.Finding.Evidence;
import dev.chatlog.insights.Finding.Kind;
import dev.chatlog.insights.Finding.Subject;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Identical requests sent again: the same {@code request_hash} (model, messages and parameters, recorded by the listener)
 * as an earlier successful call no longer ago than the response cache's lifetime. Each repeat is classed by where its
 * previous one was: the same turn, the same conversation, or another conversation (across users); per function, model
 * and class, the repeats' cost and time are what a response cache keyed on the request would have saved.
 */
final class RedundantCalls {
    private RedundantCalls() {}

    static List<Finding> find(Scan s) {
        List<Map<String, Object>> rows = s.jdbi().withHandle(h -> h.createQuery("""
                WITH r AS (
                    SELECT JSON_UNQUOTE(JSON_EXTRACT(metadata, '$.request_hash')) AS rh, call_id, conversation_id, message_id,
                           """ + Scan.FUNCTION + """
                            AS fn, model, cost_estimate, priced, duration_ms, started_at
                    FROM chatbot_llm_calls
                    WHERE started_at >= :from AND started_at < :to AND """ + Scan.CHAT + """
                     AND success = 1),
                d AS (
                    SELECT r.*, LAG(message_id) OVER w AS prev_message, LAG(conversation_id) OVER w AS prev_conversation,
                           LAG(started_at) OVER w AS prev_at
                    FROM r WHERE rh IS NOT NULL
                    WINDOW w AS (PARTITION BY rh ORDER BY started_at, call_id))
                SELECT fn, model,
                       CASE WHEN prev_conversation = conversation_id AND prev_message = message_id AND conversation_id <> '' THEN 'turn'
                            WHEN prev_conversation = conversation_id AND conversation_id <> '' THEN 'conversation'
                            ELSE 'across' END AS repeated_in,
                       COUNT(*) AS repeats, COUNT(DISTINCT rh) AS requests, SUM(COALESCE(cost_estimate, 0)) AS cost,
                       SUM(CASE WHEN priced = 0 THEN 1 ELSE 0 END) AS unpriced, SUM(duration_ms) AS ms,
                       CONCAT_WS(',', MIN(call_id), MAX(call_id)) AS sample_calls,
                       CONCAT_WS(',', MIN(NULLIF(conversation_id, '')), MAX(NULLIF(conversation_id, ''))) AS sample_conversations
                FROM d
                WHERE prev_at IS NOT NULL AND TIMESTAMPDIFF(SECOND, prev_at, started_at) <= :ttl
                GROUP BY fn, model, repeated_in
                ORDER BY cost DESC""")
                .bind("from", s.fromTime()).bind("to", s.toTime()).bind("ttl", s.settings().responseCacheTtl().toSeconds())
                .mapToMap().list());
        List<Finding> out = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            String fn = (String) r.get("fn");
            String model = (String) r.get("model");
            String where = (String) r.get("repeated_in");
            long repeats = ((Number) r.get("repeats")).longValue();
            long unpriced = ((Number) r.get("unpriced")).longValue();
            BigDecimal cost = Scan.usd((BigDecimal) r.get("cost"));
            double ms = ((Number) r.get("ms")).doubleValue();
            BigDecimal perDay = unpriced == repeats ? null : s.perDay(cost);
            List<String> conversations = Scan.ids((String) r.get("sample_conversations"), 5);
            String place = switch (where) {
                case "turn" -> "within the same turn";
                case "conversation" -> "within the same conversation";
                default -> "across conversations";
            };
            Confidence confidence = unpriced > 0 ? Confidence.MEDIUM : Confidence.HIGH;
            String reason = "identical requests (model, messages and parameters hash alike); each repeat came at most "
                    + s.settings().responseCacheTtl().toSeconds() + " s after the previous one"
                    + (unpriced > 0 ? "; " + unpriced + " of the repeats are unpriced and not in the saving" : "");
            String action = where.equals("turn")
                    ? "The same request is sent twice in one turn: reuse the first answer in the code of '" + fn + "'."
                    : "Cache responses of '" + fn + "' keyed on the request (model, messages, parameters) for "
                    + s.settings().responseCacheTtl().toSeconds() + " s, or reuse the answer " + place + ".";
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("model", model);
            detail.put("repeated_in", where);
            detail.put("repeats", repeats);
            detail.put("distinct_requests", ((Number) r.get("requests")).longValue());
            detail.put("repeats_cost_usd", cost);
            detail.put("unpriced_repeats", unpriced);
            detail.put("repeats_ms", Math.round(ms));
            detail.put("cache_ttl_seconds", s.settings().responseCacheTtl().toSeconds());
            out.add(new Finding(Kind.REDUNDANT_CALLS, new Subject("function", fn),
                    repeats + " identical request" + (repeats == 1 ? "" : "s") + " of '" + fn + "' on " + model + " repeated " + place,
                    perDay, perDay == null ? null : Scan.perMonth(perDay), ms / s.days(), confidence, reason, action,
                    new Evidence(repeats, cost, Scan.ids((String) r.get("sample_calls"), 5), conversations,
                            s.links(conversations, "function", fn.equals("(none)") ? null : fn, "model", model)),
                    detail));
        }
        return out;
    }
}
