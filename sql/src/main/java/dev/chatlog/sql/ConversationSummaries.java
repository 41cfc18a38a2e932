package dev.chatlog.sql;

import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.LlmCall;
import dev.chatlog.sql.rollup.Measure;
import dev.chatlog.sql.rollup.Sums;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.TreeMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * What one store transaction adds to {@code chatbot_conversation_summary}: one upsert per
 * conversation, in key order (the first locks every writer takes), adding counts and keeping the
 * first and last message. Its {@code user_id} is the first one stored: a conversation never changes hands.
 */
final class ConversationSummaries {
    private ConversationSummaries() {}

    private static final String UPSERT_SUMMARY = """
            INSERT INTO chatbot_conversation_summary (conversation_id, user_id, first_message_at, last_message_at,
                total_messages, successful_messages, total_llm_calls, failed_llm_calls, total_input_tokens,
                total_output_tokens, total_tokens_used, total_cost, unpriced_calls, total_duration_ms, success_rate,
                last_user_input, last_agent_output)
            VALUES (:c, :user_id, :first_at, :last_at, :messages, :ok_messages, :n, :failed, :tin, :tout, :tt, :cost,
                :unpriced, :dur, :rate, :last_input, :last_output)
            ON DUPLICATE KEY UPDATE
                user_id = COALESCE(user_id, VALUES(user_id)),
                last_user_input = IF(VALUES(last_message_at) IS NOT NULL
                    AND (last_message_at IS NULL OR VALUES(last_message_at) >= last_message_at),
                    VALUES(last_user_input), last_user_input),
                last_agent_output = IF(VALUES(last_message_at) IS NOT NULL
                    AND (last_message_at IS NULL OR VALUES(last_message_at) >= last_message_at),
                    VALUES(last_agent_output), last_agent_output),
                first_message_at = IF(first_message_at IS NULL OR VALUES(first_message_at) < first_message_at,
                    COALESCE(VALUES(first_message_at), first_message_at), first_message_at),
                last_message_at = IF(last_message_at IS NULL OR VALUES(last_message_at) > last_message_at,
                    COALESCE(VALUES(last_message_at), last_message_at), last_message_at),
                total_messages = total_messages + VALUES(total_messages),
                successful_messages = successful_messages + VALUES(successful_messages),
                total_llm_calls = total_llm_calls + VALUES(total_llm_calls),
                failed_llm_calls = failed_llm_calls + VALUES(failed_llm_calls),
                total_input_tokens = total_input_tokens + VALUES(total_input_tokens),
                total_output_tokens = total_output_tokens + VALUES(total_output_tokens),
                total_tokens_used = total_tokens_used + VALUES(total_tokens_used),
                total_cost = total_cost + VALUES(total_cost),
                unpriced_calls = unpriced_calls + VALUES(unpriced_calls),
                total_duration_ms = total_duration_ms + VALUES(total_duration_ms),
                success_rate = IF(total_messages = 0, 100.00, ROUND(100 * successful_messages / total_messages, 2))""";

    static void add(Handle h, List<LlmCall> newCalls, List<ConversationMessage> newMessages) {
        TreeMap<String, SummaryDelta> deltas = new TreeMap<>();
        for (LlmCall c : newCalls) {
            String conv = JdbcChatLogStore.conv(c.conversationId());
            if (!conv.isEmpty() && c.callType().countsInTurn()) {
                deltas.computeIfAbsent(conv, x -> new SummaryDelta()).calls.addCall(c);
            }
        }
        for (ConversationMessage m : newMessages) {
            deltas.computeIfAbsent(m.conversationId(), x -> new SummaryDelta()).add(m);
        }
        if (deltas.isEmpty()) {
            return;
        }
        PreparedBatch b = h.prepareBatch(UPSERT_SUMMARY);
        deltas.forEach((conv, d) -> b.bind("c", conv).bind("user_id", d.userId)
                .bind("first_at", d.first == null ? null : Utc.time(d.first))
                .bind("last_at", d.last == null ? null : Utc.time(d.last))
                .bind("messages", d.messages).bind("ok_messages", d.okMessages)
                .bind("rate", d.messages == 0 ? BigDecimal.valueOf(100)
                        : BigDecimal.valueOf(100 * d.okMessages).divide(BigDecimal.valueOf(d.messages), 2, java.math.RoundingMode.HALF_UP))
                .bind("n", d.calls.count(Measure.LLM_CALLS)).bind("failed", d.calls.count(Measure.FAILED_LLM_CALLS))
                .bind("tin", d.calls.count(Measure.INPUT_TOKENS)).bind("tout", d.calls.count(Measure.OUTPUT_TOKENS))
                .bind("tt", d.calls.count(Measure.TOTAL_TOKENS)).bind("cost", d.calls.amount(Measure.COST))
                .bind("unpriced", d.calls.count(Measure.UNPRICED_CALLS)).bind("dur", d.calls.amount(Measure.LLM_DURATION_MS))
                .bind("last_input", JdbcChatLogStore.clip(d.lastInput, 65_000)).bind("last_output", JdbcChatLogStore.clip(d.lastOutput, 65_000))
                .add());
        b.execute();
    }

    private static final class SummaryDelta {
        final Sums calls = new Sums();
        long messages, okMessages;
        Instant first, last;
        String lastInput, lastOutput, userId;

        void add(ConversationMessage m) {
            messages++;
            okMessages += m.success() ? 1 : 0;
            if (first == null || m.timestamp().isBefore(first)) {
                first = m.timestamp();
            }
            if (last == null || !m.timestamp().isBefore(last)) {
                last = m.timestamp();
                lastInput = m.userInput();
                lastOutput = m.conversationMessage() != null ? m.conversationMessage() : m.finalOutput();
            }
            if (m.userId() != null) {
                userId = m.userId();
            }
        }
    }

}
