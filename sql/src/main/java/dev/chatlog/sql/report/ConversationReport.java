package dev.chatlog.sql.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatlog.core.CallType;
import dev.chatlog.sql.query.Rows;
import dev.chatlog.sql.query.Window;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;

/** {@code conversations} and {@code conversation/{id}/detailed}: recent conversations, and one with every message and its call tree. */
final class ConversationReport {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Jdbi jdbi;
    private final dev.chatlog.sql.score.Warnings.Limits warningLimits = dev.chatlog.sql.score.Warnings.Limits.SEED;

    ConversationReport(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** Recently active conversations, newest first, from the per-conversation summaries. */
    Map<String, Object> conversations(Window w, String userId, int limit) {
        return jdbi.withHandle(h -> {
            Map<String, Object> out = Shapes.hoursHeader(w);
            out.put("user", userId);
            Query q = h.createQuery("""
                    SELECT conversation_id, user_id, first_message_at, last_message_at, total_messages, successful_messages,
                           total_llm_calls, failed_llm_calls, total_tokens_used, total_cost, unpriced_calls, total_duration_ms,
                           success_rate, last_user_input
                    FROM chatbot_conversation_summary
                    WHERE last_message_at >= :from AND last_message_at < :to"""
                    + (userId == null ? "" : " AND user_id = :user") + " ORDER BY last_message_at DESC, conversation_id LIMIT :limit")
                    .bind("from", w.fromUtc()).bind("to", w.toUtc()).bind("limit", limit);
            if (userId != null) q.bind("user", userId);
            out.put("conversations", q.map((rs, ctx) -> Rows.row(rs)).list());
            return out;
        });
    }

    /** The summary, then every message in order with its calls (as a tree) and SQL queries; empty if unknown. */
    Optional<Map<String, Object>> conversation(String conversationId) {
        return jdbi.withHandle(h -> {
            Optional<Map<String, Object>> summary = h.createQuery("""
                    SELECT conversation_id, user_id, first_message_at, last_message_at, total_messages, successful_messages,
                           total_llm_calls, failed_llm_calls, total_input_tokens, total_output_tokens, total_tokens_used,
                           total_cost, unpriced_calls, total_duration_ms, success_rate, last_user_input, last_agent_output
                    FROM chatbot_conversation_summary WHERE conversation_id = :c""")
                    .bind("c", conversationId).map((rs, ctx) -> Rows.row(rs)).findOne();
            if (summary.isEmpty()) {
                return Optional.empty();
            }
            List<Map<String, Object>> calls = h.createQuery("""
                    SELECT message_id, call_id, parent_call_id, call_sequence, call_type, agent, function_name, chat_mode,
                           provider, model, response_model, input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens,
                           total_tokens, token_source, cost_estimate, priced, price_version, duration_ms, time_to_first_token_ms,
                           finish_reason, success, error_type, error_category, error_message, started_at, input_text, output_text, metadata
                    FROM chatbot_llm_calls WHERE conversation_id = :c ORDER BY call_sequence, started_at""")
                    .bind("c", conversationId).map((rs, ctx) -> Rows.row(rs)).list();
            Map<Object, List<Map<String, Object>>> callsByMessage = new LinkedHashMap<>();
            Map<Object, List<Map<String, Object>>> evaluationsByMessage = new LinkedHashMap<>();
            for (Map<String, Object> c : calls) {
                c.put("metadata", parseJson(c.get("metadata"), false)); // e.g. a retrieval's sources and scores, a guardrail's result
                // a judge's call rates the turn, maybe long after: listed beside the turn's tree, never in it (its totals, its waterfall, a diff)
                boolean evaluation = "evaluation".equals(c.get("call_type"));
                (evaluation ? evaluationsByMessage : callsByMessage).computeIfAbsent(c.remove("message_id"), k -> new ArrayList<>()).add(c);
            }
            List<Map<String, Object>> messages = h.createQuery("""
                    SELECT message_id, user_id, chat_mode, `timestamp`, user_input, final_output, conversation_message,
                           intent, classification, database_used, sql_queries, sql_results_count, total_llm_calls,
                           total_input_tokens, total_output_tokens, total_tokens_used, total_cost, unpriced_calls,
                           total_duration_ms, response_time_ms, success, error_message, debug_info
                    FROM chatbot_conversation_messages WHERE conversation_id = :c ORDER BY `timestamp`, id""")
                    .bind("c", conversationId).map((rs, ctx) -> Rows.row(rs)).list();
            List<Map<String, Object>> scores = scores(h, conversationId);
            Map<String, dev.chatlog.core.score.ScoreDefinition> defs = scores.isEmpty() ? Map.of() : dev.chatlog.sql.score.Warnings.definitions(h);
            for (Map<String, Object> m : messages) {
                m.put("warnings", dev.chatlog.sql.score.Warnings.of(m, scores.stream().filter(x -> m.get("message_id").equals(x.get("message_id"))).toList(),
                        defs, warningLimits));
                m.put("sql_queries", parseJson(m.get("sql_queries"), true));
                m.put("debug_info", parseJson(m.get("debug_info"), false));
                List<Map<String, Object>> roots = tree(callsByMessage.getOrDefault(m.get("message_id"), new ArrayList<>()));
                m.put("llm_calls", roots);
                m.put("evaluations", evaluationsByMessage.getOrDefault(m.get("message_id"), List.of()));
                m.put("waterfall", Waterfall.of(m.get("timestamp"), m.get("response_time_ms"), roots));
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("conversation_id", conversationId);
            out.put("summary", summary.get());
            out.put("messages", messages);
            List<Map<String, Object>> outside = callsByMessage.get("");
            if (outside != null) {
                out.put("calls_outside_messages", tree(outside));
            }
            List<Map<String, Object>> ratedOutside = evaluationsByMessage.get(""); // a judge's ratings of calls made outside any turn
            if (ratedOutside != null) out.put("evaluations_outside_messages", ratedOutside);
            out.put("scores", scores);
            out.put("score_summary", ScoreReport.ofConversation(h, conversationId));
            return Optional.of(out);
        });
    }

    /**
     * A message's calls as a tree: roots in call order, each node with {@code children} (in order)
     * and {@code rollup}, the totals of the model calls in its subtree (itself included).
     */
    static List<Map<String, Object>> tree(List<Map<String, Object>> calls) {
        Map<Object, Map<String, Object>> byId = new LinkedHashMap<>();
        for (Map<String, Object> c : calls) {
            c.put("children", new ArrayList<Map<String, Object>>());
            byId.put(c.get("call_id"), c);
        }
        List<Map<String, Object>> roots = new ArrayList<>();
        for (Map<String, Object> c : calls) {
            Map<String, Object> parent = c.get("parent_call_id") == null ? null : byId.get(c.get("parent_call_id"));
            if (parent == null || parent == c) {
                roots.add(c);
            } else {
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> children = (List<Map<String, Object>>) parent.get("children");
                children.add(c);
            }
        }
        Comparator<Map<String, Object>> order = Comparator.comparingInt(c -> ((Number) c.get("call_sequence")).intValue());
        roots.sort(order);
        for (Map<String, Object> c : calls) {
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> children = (List<Map<String, Object>>) c.get("children");
            children.sort(order);
        }
        for (Map<String, Object> r : roots) rollup(r, order);
        return roots;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> rollup(Map<String, Object> node, Comparator<Map<String, Object>> order) {
        long calls = 0, in = 0, out = 0, total = 0, unpriced = 0;
        BigDecimal cost = BigDecimal.ZERO;
        BigDecimal duration = BigDecimal.ZERO;
        String type = (String) node.get("call_type");
        if (type != null && CallType.fromDb(type).isModelCall()) {
            calls = 1;
            in = ((Number) node.get("input_tokens")).longValue();
            out = ((Number) node.get("output_tokens")).longValue();
            total = ((Number) node.get("total_tokens")).longValue();
            if (node.get("cost_estimate") != null) cost = new BigDecimal(node.get("cost_estimate").toString());
            else unpriced = 1;
            duration = new BigDecimal(node.get("duration_ms").toString());
        }
        for (Map<String, Object> child : (List<Map<String, Object>>) node.get("children")) {
            Map<String, Object> r = rollup(child, order);
            calls += ((Number) r.get("llm_calls")).longValue();
            in += ((Number) r.get("input_tokens")).longValue();
            out += ((Number) r.get("output_tokens")).longValue();
            total += ((Number) r.get("total_tokens")).longValue();
            unpriced += ((Number) r.get("unpriced_calls")).longValue();
            cost = cost.add((BigDecimal) r.get("cost"));
            duration = duration.add((BigDecimal) r.get("llm_duration_ms"));
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("llm_calls", calls);
        r.put("input_tokens", in);
        r.put("output_tokens", out);
        r.put("total_tokens", total);
        r.put("cost", cost.signum() == 0 ? BigDecimal.ZERO : cost.stripTrailingZeros());
        r.put("unpriced_calls", unpriced);
        r.put("llm_duration_ms", duration.signum() == 0 ? BigDecimal.ZERO : duration.stripTrailingZeros());
        node.put("rollup", r);
        return r;
    }

    private static JsonNode parse(String json) {
        try {
            return json == null ? JSON.createArrayNode() : JSON.readTree(json);
        } catch (Exception e) {
            return JSON.createArrayNode();
        }
    }

    private static Object parseJson(Object json, boolean array) {
        if (json == null) {
            return array ? List.of() : Map.of();
        }
        return parse(json.toString());
    }

    /** Every score of the conversation (its own, its messages' and its calls'), oldest first (V22). */
    static List<Map<String, Object>> scores(org.jdbi.v3.core.Handle h, String conversationId) {
        return scores(h, "conversation_id", conversationId);
    }

    /**
     * The scores whose {@code column} ({@code conversation_id}, {@code message_id}: a turn's and its calls', or
     * {@code call_id}) is {@code id}, oldest first, at most 10,000.
     */
    static List<Map<String, Object>> scores(org.jdbi.v3.core.Handle h, String column, String id) {
        if (!List.of("conversation_id", "message_id", "call_id").contains(column)) throw new IllegalArgumentException(column);
        return h.createQuery("SELECT target_type, target_id, message_id, call_id, name, value, label, source, evaluator, evaluator_version,"
                        + " score_key, comment, scored_at FROM chatbot_scores WHERE " + column + " = :c ORDER BY scored_at, id LIMIT 10000")
                .bind("c", id).map((rs, ctx) -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("target", rs.getString("target_type"));
                    m.put("target_id", rs.getString("target_id"));
                    m.put("message_id", rs.getString("message_id"));
                    m.put("call_id", rs.getString("call_id"));
                    m.put("name", rs.getString("name"));
                    java.math.BigDecimal v = rs.getBigDecimal("value");
                    m.put("value", v == null ? rs.getString("label") : Rows.plain(v.stripTrailingZeros()));
                    m.put("source", rs.getString("source"));
                    m.put("evaluator", rs.getString("evaluator"));
                    m.put("evaluator_version", rs.getString("evaluator_version"));
                    m.put("key", rs.getString("score_key"));
                    m.put("comment", rs.getString("comment"));
                    m.put("scored_at", dev.chatlog.sql.Utc.instant(rs.getObject("scored_at", java.time.LocalDateTime.class)).toString());
                    return m;
                }).list();
    }
}
