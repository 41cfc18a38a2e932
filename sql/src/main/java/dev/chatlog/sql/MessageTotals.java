package dev.chatlog.sql;

import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.LlmCall;
import dev.chatlog.sql.rollup.Measure;
import dev.chatlog.sql.rollup.RawSql;
import dev.chatlog.sql.rollup.RollupWriter;
import dev.chatlog.sql.rollup.Sums;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * The model-call totals of {@code chatbot_conversation_messages} rows, kept exact whichever comes
 * first: a new message takes everything stored under it so far; calls arriving after their message
 * are added to it. Each change is reported as an {@link RollupWriter.IntentDelta} for the intent rollups.
 */
final class MessageTotals {
    private MessageTotals() {}

    /** The conversations and message ids of some message keys, for the two IN lists that find their rows. */
    private record Keys(List<String> conversations, List<String> messageIds) {
        static Keys of(Set<String> keys) {
            Set<String> convs = new TreeSet<>();
            Set<String> ids = new TreeSet<>();
            for (String k : keys) {
                String[] cm = k.split("\u0000", 2);
                convs.add(cm[0]);
                ids.add(cm[1]);
            }
            return new Keys(List.copyOf(convs), List.copyOf(ids));
        }
    }

    /** Totals of a message that is new in this transaction: everything stored under it so far. */
    static void setOfNewMessages(Handle h, Set<String> newMessageKeys, Map<String, ConversationMessage> messages,
                                               List<RollupWriter.IntentDelta> intents) {
        if (newMessageKeys.isEmpty()) {
            return;
        }
        TreeMap<String, Sums> totals = new TreeMap<>();
        for (String k : newMessageKeys) {
            totals.put(k, new Sums());
        }
        Keys keys = Keys.of(totals.keySet());
        var q = h.createQuery("""
                SELECT conversation_id, message_id, COUNT(*) AS n, SUM(input_tokens) AS tin, SUM(output_tokens) AS tout,
                       SUM(total_tokens) AS tt, COALESCE(SUM(cost_estimate), 0) AS cost, SUM(NOT priced) AS unpriced,
                       SUM(duration_ms) AS dur
                FROM chatbot_llm_calls
                WHERE <model_call>
                  AND conversation_id IN (<convs>) AND message_id IN (<ids>)
                GROUP BY conversation_id, message_id""").define("model_call", RawSql.TURN_CALL).bindList("convs", keys.conversations()).bindList("ids", keys.messageIds());
        q.map((rs, ctx) -> {
            Sums t = totals.get(JdbcChatLogStore.key(rs.getString("conversation_id"), rs.getString("message_id")));
            if (t == null) {
                return 0; // another message that matched the two IN lists
            }
            t.add(Measure.LLM_CALLS, rs.getLong("n")).add(Measure.INPUT_TOKENS, rs.getLong("tin"))
                    .add(Measure.OUTPUT_TOKENS, rs.getLong("tout")).add(Measure.TOTAL_TOKENS, rs.getLong("tt"))
                    .add(Measure.COST, rs.getBigDecimal("cost")).add(Measure.UNPRICED_CALLS, rs.getLong("unpriced"))
                    .add(Measure.LLM_DURATION_MS, rs.getBigDecimal("dur"));
            return 1;
        }).list();
        PreparedBatch b = h.prepareBatch("""
                UPDATE chatbot_conversation_messages SET total_llm_calls = :n, total_input_tokens = :tin,
                    total_output_tokens = :tout, total_tokens_used = :tt, total_cost = :cost,
                    unpriced_calls = :unpriced, total_duration_ms = :dur
                WHERE conversation_id = :c AND message_id = :m""");
        totals.forEach((k, t) -> bindTotals(b, k, t).add());
        b.execute();
        totals.forEach((k, t) -> {
            ConversationMessage m = messages.get(k);
            intents.add(new RollupWriter.IntentDelta(JdbcChatLogStore.clip(m.intent(), 100), m.timestamp(), 1, m.success() ? 0 : 1,
                    Sums.stored(m.responseTimeMs()), t));
        });
    }

    /** Calls new in this transaction whose message row was stored earlier: add them to its totals. */
    static void addCallsToOlderMessages(Handle h, List<LlmCall> newCalls, Set<String> newMessageKeys,
                                                List<RollupWriter.IntentDelta> intents) {
        TreeMap<String, Sums> deltas = new TreeMap<>();
        for (LlmCall c : newCalls) {
            if (c.messageId() == null || c.messageId().isEmpty() || !c.callType().countsInTurn()) {
                continue;
            }
            String k = JdbcChatLogStore.key(JdbcChatLogStore.conv(c.conversationId()), c.messageId());
            if (!newMessageKeys.contains(k)) {
                deltas.computeIfAbsent(k, x -> new Sums()).addCall(c);
            }
        }
        if (deltas.isEmpty()) {
            return;
        }
        // Usually the message row comes later (the turn ends after its calls): update only rows that exist.
        Keys keys = Keys.of(deltas.keySet());
        Map<String, RollupWriter.IntentDelta> existing = new HashMap<>(); // key -> the message's intent and time
        h.createQuery("""
                SELECT conversation_id, message_id, intent, `timestamp` FROM chatbot_conversation_messages
                WHERE conversation_id IN (<convs>) AND message_id IN (<ids>)""")
                .bindList("convs", keys.conversations()).bindList("ids", keys.messageIds())
                .map((rs, ctx) -> existing.put(JdbcChatLogStore.key(rs.getString(1), rs.getString(2)), new RollupWriter.IntentDelta(rs.getString(3),
                        rs.getObject(4, java.time.LocalDateTime.class).toInstant(java.time.ZoneOffset.UTC),
                        0, 0, BigDecimal.ZERO, new Sums()))).list();
        deltas.keySet().retainAll(existing.keySet());
        if (deltas.isEmpty()) {
            return;
        }
        PreparedBatch b = h.prepareBatch("""
                UPDATE chatbot_conversation_messages SET total_llm_calls = total_llm_calls + :n,
                    total_input_tokens = total_input_tokens + :tin, total_output_tokens = total_output_tokens + :tout,
                    total_tokens_used = total_tokens_used + :tt, total_cost = total_cost + :cost,
                    unpriced_calls = unpriced_calls + :unpriced, total_duration_ms = total_duration_ms + :dur
                WHERE conversation_id = :c AND message_id = :m""");
        deltas.forEach((k, t) -> bindTotals(b, k, t).add());
        b.execute();
        deltas.forEach((k, t) -> {
            RollupWriter.IntentDelta m = existing.get(k);
            intents.add(new RollupWriter.IntentDelta(m.intent(), m.at(), 0, 0, BigDecimal.ZERO, t));
        });
    }

    private static PreparedBatch bindTotals(PreparedBatch b, String k, Sums t) {
        String[] cm = k.split("\u0000", 2);
        return b.bind("n", t.count(Measure.LLM_CALLS)).bind("tin", t.count(Measure.INPUT_TOKENS))
                .bind("tout", t.count(Measure.OUTPUT_TOKENS)).bind("tt", t.count(Measure.TOTAL_TOKENS))
                .bind("cost", t.amount(Measure.COST)).bind("unpriced", t.count(Measure.UNPRICED_CALLS))
                .bind("dur", t.amount(Measure.LLM_DURATION_MS))
                .bind("c", cm[0]).bind("m", cm[1]);
    }

}
