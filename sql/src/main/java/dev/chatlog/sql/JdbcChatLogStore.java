package dev.chatlog.sql;

import dev.chatlog.sql.rollup.RollupWriter;
import dev.chatlog.sql.rollup.Sums;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatlog.core.Batch;
import dev.chatlog.core.CallType;
import dev.chatlog.core.ChatLogSink;
import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.error.ErrorCategory;
import dev.chatlog.core.LlmCall;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * Writes batches into the three chatbot tables in one transaction each, exactly once.
 *
 * <p>How it stays exact with many writers and replays: (1) calls and messages are inserted with
 * {@code ON DUPLICATE KEY UPDATE} no-ops, tagged with this transaction's {@code write_batch_id};
 * (2) the rows that carry that id are the rows this transaction really inserted, and only they
 * feed the deltas, so a replayed record (its row already there with an older id) adds nothing;
 * (3) the summary deltas are upserted in sorted conversation order: this locks each conversation's
 * summary row until commit, serialising writers per conversation without lock-order deadlocks;
 * (4) only then are message totals read and written (READ COMMITTED): a message new in this
 * transaction takes the totals of every call committed under it so far, and calls new in this
 * transaction are added to message rows already committed. Whichever of two writers of one
 * conversation takes the lock second sees the other's rows, so message totals stay exact whether
 * the calls or the message arrive first; (5) the same new rows are added to the time-bucket
 * rollups ({@link RollupWriter}). Deadlocks (1213), lock wait timeouts (1205) and, on a Galera cluster,
 * certification conflicts (1213 at commit) retry the whole transaction ({@link SqlFailures#retryingLockConflicts}).
 */
public final class JdbcChatLogStore implements ChatLogSink {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Jdbi jdbi;

    public JdbcChatLogStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    @Override
    public void write(Batch batch) throws Exception {
        writeNew(batch);
    }

    /** Writes the batch; returns the calls and messages this transaction inserted (the {@code write_batch_id} rows). */
    @Override
    public Batch writeNew(Batch batch) throws Exception {
        return SqlFailures.retryingLockConflicts(() -> jdbi.inTransaction(TransactionIsolationLevel.READ_COMMITTED, h -> writeInTransaction(h, batch)));
    }

    @Override
    public boolean isRetryable(Exception failure) {
        return SqlFailures.retryable(failure);
    }

    private Batch writeInTransaction(Handle h, Batch input) throws JsonProcessingException {
        Batch batch = dev.chatlog.sql.erasure.Tombstones.filter(h, input); // nothing of a subject erased after it was made
        long batchId = newBatchId();
        Map<String, LlmCall> calls = new LinkedHashMap<>();
        for (LlmCall c : batch.calls()) {
            calls.putIfAbsent(key(conv(c.conversationId()), c.callId()), c);
        }
        Map<String, ConversationMessage> messages = new LinkedHashMap<>();
        for (ConversationMessage m : batch.messages()) {
            messages.putIfAbsent(key(m.conversationId(), m.messageId()), m);
        }
        insertCalls(h, calls.values(), batchId);
        insertMessages(h, messages.values(), batchId);

        List<LlmCall> newCalls = new ArrayList<>();
        for (String k : insertedKeys(h, "chatbot_llm_calls", "call_id", batchId, calls.isEmpty())) {
            newCalls.add(calls.get(k));
        }
        List<ConversationMessage> newMessages = new ArrayList<>();
        Set<String> newMessageKeys = new HashSet<>();
        for (String k : insertedKeys(h, "chatbot_conversation_messages", "message_id", batchId, messages.isEmpty())) {
            newMessages.add(messages.get(k));
            newMessageKeys.add(k);
        }
        ConversationSummaries.add(h, newCalls, newMessages); // locks the summary rows: keep it before the message totals
        List<RollupWriter.IntentDelta> intents = new ArrayList<>();
        MessageTotals.setOfNewMessages(h, newMessageKeys, messages, intents);
        MessageTotals.addCallsToOlderMessages(h, newCalls, newMessageKeys, intents);
        RollupWriter.apply(h, newCalls, newMessages, intents); // rollup rows last: every writer locks in the same order
        java.time.Instant now = java.time.Instant.now();
        for (dev.chatlog.core.score.Score s : batch.scores()) {
            // after the calls and messages of the batch (a turn's score finds its message); idempotent by identity, so a
            // replayed batch writes nothing twice. A score whose target is not in the log fails the batch, which the
            // writer narrows down to that score and rejects
            dev.chatlog.sql.score.ScoreRows.upsert(h, s, now);
        }
        return new Batch(newCalls, newMessages, batch.scores());
    }

    private static long newBatchId() {
        long id;
        do {
            id = ThreadLocalRandom.current().nextLong();
        } while (id == 0);
        return id;
    }

    static String key(String conversationId, String id) {
        return conversationId + '\u0000' + id;
    }

    static String conv(String conversationId) {
        return conversationId == null ? "" : conversationId;
    }

    private static final String INSERT_CALL = """
            INSERT INTO chatbot_llm_calls (call_id, conversation_id, message_id, parent_call_id, call_sequence,
                call_type, agent, function_name, chat_mode, user_id, arm, provider, model, response_model,
                input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens, total_tokens, token_source,
                cost_estimate, priced, price_version, duration_ms, time_to_first_token_ms, finish_reason,
                input_text, output_text, success, error_type, error_category, error_message, metadata, started_at, ended_at,
                write_batch_id)
            VALUES (:call_id, :conversation_id, :message_id, :parent_call_id, :call_sequence,
                :call_type, :agent, :function_name, :chat_mode, :user_id, :arm, :provider, :model, :response_model,
                :input_tokens, :output_tokens, :cached_input_tokens, :cache_write_tokens, :reasoning_tokens, :total_tokens, :token_source,
                :cost_estimate, :priced, :price_version, :duration_ms, :ttft, :finish_reason,
                :input_text, :output_text, :success, :error_type, :error_category, :error_message, :metadata, :started_at, :ended_at,
                :batch)
            ON DUPLICATE KEY UPDATE call_id = call_id""";

    private static void insertCalls(Handle h, Iterable<LlmCall> calls, long batchId) throws JsonProcessingException {
        PreparedBatch b = h.prepareBatch(INSERT_CALL);
        int n = 0;
        for (LlmCall c : calls) {
            b.bind("call_id", clip(c.callId(), 64))
                    .bind("conversation_id", clip(conv(c.conversationId()), 255))
                    .bind("message_id", clip(c.messageId() == null ? "" : c.messageId(), 255))
                    .bind("parent_call_id", clip(c.parentCallId(), 64))
                    .bind("call_sequence", c.callSequence())
                    .bind("call_type", c.callType().dbValue())
                    .bind("agent", clip(c.agent(), 255))
                    .bind("function_name", clip(c.functionName(), 255))
                    .bind("chat_mode", clip(c.chatMode(), 20))
                    .bind("user_id", clip(c.userId(), 255))
                    .bind("arm", clip(c.arm(), 130))
                    .bind("provider", clip(c.provider(), 50))
                    .bind("model", clip(c.model(), 150))
                    .bind("response_model", clip(c.responseModel(), 150))
                    .bind("input_tokens", nz(c.inputTokens()))
                    .bind("output_tokens", nz(c.outputTokens()))
                    .bind("cached_input_tokens", nz(c.cachedInputTokens()))
                    .bind("cache_write_tokens", nz(c.cacheWriteTokens()))
                    .bind("reasoning_tokens", nz(c.reasoningTokens()))
                    .bind("total_tokens", c.totalTokens())
                    .bind("token_source", c.tokenSource() == null ? "estimated" : c.tokenSource().dbValue())
                    .bind("cost_estimate", c.priced() ? c.costEstimate() : null)
                    .bind("priced", c.priced() && c.costEstimate() != null)
                    .bind("price_version", clip(c.priceVersion(), 100))
                    .bind("duration_ms", Sums.stored(c.durationMs()))
                    .bind("ttft", c.timeToFirstTokenMs() == null ? null : (int) Math.min(Integer.MAX_VALUE, c.timeToFirstTokenMs()))
                    .bind("finish_reason", clip(c.finishReason(), 50))
                    .bind("input_text", c.inputText())
                    .bind("output_text", c.outputText())
                    .bind("success", c.success())
                    .bind("error_type", clip(c.errorType(), 255))
                    .bind("error_category", c.success() ? null : ErrorCategory.of(c).dbValue())
                    .bind("error_message", clip(c.errorMessage(), 65_000))
                    .bind("metadata", c.metadata().isEmpty() ? null : JSON.writeValueAsString(c.metadata()))
                    .bind("started_at", Utc.time(c.startedAt()))
                    .bind("ended_at", Utc.time(c.endedAt()))
                    .bind("batch", batchId)
                    .add();
            n++;
        }
        if (n > 0) {
            b.execute();
        }
    }

    private static final String INSERT_MESSAGE = """
            INSERT INTO chatbot_conversation_messages (message_id, conversation_id, user_id, chat_mode, arm, user_input,
                final_output, conversation_message, intent, classification, database_used, sql_queries,
                sql_query_count, sql_results_count, response_time_ms, success, error_message, debug_info,
                `timestamp`, write_batch_id)
            VALUES (:message_id, :conversation_id, :user_id, :chat_mode, :arm, :user_input,
                :final_output, :conversation_message, :intent, :classification, :database_used, :sql_queries,
                :sql_query_count, :sql_results_count, :response_time_ms, :success, :error_message, :debug_info,
                :ts, :batch)
            ON DUPLICATE KEY UPDATE message_id = message_id""";

    private static void insertMessages(Handle h, Iterable<ConversationMessage> messages, long batchId)
            throws JsonProcessingException {
        PreparedBatch b = h.prepareBatch(INSERT_MESSAGE);
        int n = 0;
        for (ConversationMessage m : messages) {
            b.bind("message_id", clip(m.messageId(), 255))
                    .bind("conversation_id", clip(m.conversationId(), 255))
                    .bind("user_id", clip(m.userId(), 255))
                    .bind("chat_mode", clip(m.chatMode(), 20))
                    .bind("arm", clip(m.arm(), 130))
                    .bind("user_input", m.userInput())
                    .bind("final_output", m.finalOutput())
                    .bind("conversation_message", clip(m.conversationMessage(), 65_000))
                    .bind("intent", clip(m.intent(), 100))
                    .bind("classification", clip(m.classification(), 100))
                    .bind("database_used", clip(m.databaseUsed(), 100))
                    .bind("sql_queries", m.sqlQueries().isEmpty() ? null : JSON.writeValueAsString(m.sqlQueries()))
                    .bind("sql_query_count", m.sqlQueries().size())
                    .bind("sql_results_count", m.sqlResultsCount())
                    .bind("response_time_ms", BigDecimal.valueOf(Math.round(m.responseTimeMs() * 100), 2))
                    .bind("success", m.success())
                    .bind("error_message", clip(m.errorMessage(), 65_000))
                    .bind("debug_info", m.debugInfo().isEmpty() ? null : JSON.writeValueAsString(m.debugInfo()))
                    .bind("ts", Utc.time(m.timestamp()))
                    .bind("batch", batchId)
                    .add();
            n++;
        }
        if (n > 0) {
            b.execute();
        }
    }

    private static List<String> insertedKeys(Handle h, String table, String idColumn, long batchId, boolean none) {
        if (none) {
            return List.of();
        }
        return h.createQuery("SELECT conversation_id, " + idColumn + " FROM " + table + " WHERE write_batch_id = :b")
                .bind("b", batchId)
                .map((rs, ctx) -> key(rs.getString(1), rs.getString(2)))
                .list();
    }


    static int nz(Integer v) {
        return v == null ? 0 : v;
    }

    static String clip(String s, int max) {
        if (s == null || s.length() <= max) {
            return s;
        }
        return s.substring(0, max);
    }
}
