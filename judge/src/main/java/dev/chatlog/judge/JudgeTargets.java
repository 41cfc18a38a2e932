package dev.chatlog.judge;

import dev.chatlog.core.score.Score;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;

/**
 * The messages or calls of a window a judge has not yet rated with its version (rubric and model), oldest first:
 * successful turns (or chat calls) whose answer is still there (retention may have cleared it), filtered by model,
 * agent and intent. A message matches a model or an agent when one of its
 * calls does.
 */
final class JudgeTargets {
    /** Which targets to rate: every set empty matches all. */
    record Filter(Set<String> models, Set<String> agents, Set<String> intents) {
        static final Filter ALL = new Filter(Set.of(), Set.of(), Set.of());

        Filter {
            models = models == null ? Set.of() : Set.copyOf(models);
            agents = agents == null ? Set.of() : Set.copyOf(agents);
            intents = intents == null ? Set.of() : Set.copyOf(intents);
        }
    }

    private JudgeTargets() {}

    static long count(Handle h, LlmJudge judge, Score.Target target, Instant from, Instant to, Filter f) {
        return query(h, "COUNT(*)", "", judge, target, from, to, f).mapTo(Long.class).one();
    }

    static List<JudgeTarget> oldest(Handle h, LlmJudge judge, Score.Target target, Instant from, Instant to, Filter f, int limit) {
        String columns = target == Score.Target.MESSAGE ? "t.conversation_id, t.message_id, NULL AS call_id, t.user_id, t.user_input AS input, t.final_output AS answer"
                : "t.conversation_id, t.message_id, t.call_id, t.user_id, t.input_text AS input, t.output_text AS answer";
        String order = target == Score.Target.MESSAGE ? " ORDER BY t.`timestamp`, t.id LIMIT :n" : " ORDER BY t.started_at, t.id LIMIT :n";
        return query(h, columns, order, judge, target, from, to, f).bind("n", limit).map((rs, ctx) -> new JudgeTarget(target,
                rs.getString("conversation_id"), rs.getString("message_id"), rs.getString("call_id"), rs.getString("user_id"), rs.getString("input"),
                rs.getString("answer"))).list();
    }

    private static Query query(Handle h, String columns, String tail, LlmJudge judge, Score.Target target, Instant from, Instant to, Filter f) {
        boolean message = target == Score.Target.MESSAGE;
        StringBuilder sql = new StringBuilder("SELECT ").append(columns).append(message
                ? " FROM chatbot_conversation_messages t WHERE t.`timestamp` >= :from AND t.`timestamp` < :to AND t.success AND t.final_output <> ''"
                : " FROM chatbot_llm_calls t WHERE t.started_at >= :from AND t.started_at < :to AND t.success AND t.output_text <> ''"
                  + " AND t.call_type IN ('chat', 'streaming_chat')");
        String calls = message ? "EXISTS (SELECT 1 FROM chatbot_llm_calls c WHERE c.conversation_id = t.conversation_id"
                + " AND c.message_id = t.message_id AND c.call_type IN ('chat', 'streaming_chat') AND c.%s IN (<%s>))" : "t.%s IN (<%s>)";
        if (!f.models().isEmpty()) sql.append(" AND ").append(calls.formatted("model", "models"));
        if (!f.agents().isEmpty()) sql.append(" AND ").append(calls.formatted("agent", "agents"));
        if (!f.intents().isEmpty()) {
            sql.append(message ? " AND t.intent IN (<intents>)" : " AND EXISTS (SELECT 1 FROM chatbot_conversation_messages m"
                    + " WHERE m.conversation_id = t.conversation_id AND m.message_id = t.message_id AND m.intent IN (<intents>))");
        }
        sql.append(" AND NOT EXISTS (SELECT 1 FROM chatbot_scores s WHERE s.conversation_id = t.conversation_id")
                .append(message ? " AND s.message_id = t.message_id AND s.target_type = :type AND s.target_id = t.message_id"
                        : " AND s.target_type = :type AND s.target_id = t.call_id")
                .append(" AND s.name = :name AND s.evaluator = :evaluator AND s.score_key = :key)").append(tail);
        Query q = h.createQuery(sql.toString()).bind("from", dev.chatlog.sql.Utc.time(from)).bind("to", dev.chatlog.sql.Utc.time(to))
                .bind("type", target.dbValue()).bind("name", judge.rubric().name()).bind("evaluator", judge.name())
                .bind("key", judge.version());
        if (!f.models().isEmpty()) q.bindList("models", List.copyOf(f.models()));
        if (!f.agents().isEmpty()) q.bindList("agents", List.copyOf(f.agents()));
        if (!f.intents().isEmpty()) q.bindList("intents", List.copyOf(f.intents()));
        return q;
    }
}
