package dev.chatlog.sql;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatlog.core.Batch;
import dev.chatlog.core.CallType;
import dev.chatlog.core.ChatLogSink;
import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.LlmCall;
import java.math.BigDecimal;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
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
 * rollups ({@link Rollups}). Deadlocks (1213) and lock wait timeouts (1205) retry the whole
 * transaction.
 */
public final class JdbcChatLogStore implements ChatLogSink {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_LOCK_RETRIES = 10;

    private final Jdbi jdbi;

    public JdbcChatLogStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    @Override
    public void write(Batch batch) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                jdbi.useTransaction(h -> writeInTransaction(h, batch));
                return;
            } catch (RuntimeException e) {
                if (attempt >= MAX_LOCK_RETRIES || !isLockConflict(e)) {
                    throw e;
                }
                Thread.sleep(ThreadLocalRandom.current().nextLong(5, 20L * attempt));
            }
        }
    }

    @Override
    public boolean isRetryable(Exception failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof JsonProcessingException) {
                return false;
            }
            if (t instanceof SQLTransientException || t instanceof SQLRecoverableException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                // 22: data exception (too long, bad value); 23: integrity constraint. Retrying cannot help.
                if (state.startsWith("22") || state.startsWith("23")) {
                    return false;
                }
            }
        }
        return true;
    }

    static boolean isLockConflict(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && (sql.getErrorCode() == 1213 || sql.getErrorCode() == 1205)) {
                return true;
            }
        }
        return false;
    }

    private void writeInTransaction(Handle h, Batch batch) throws JsonProcessingException {
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
        addToSummaries(h, newCalls, newMessages); // locks the summary rows: keep it before the message totals
        List<Rollups.IntentDelta> intents = new ArrayList<>();
        setTotalsOfNewMessages(h, newMessageKeys, messages, intents);
        addCallsToOlderMessages(h, newCalls, newMessageKeys, intents);
        Rollups.apply(h, newCalls, newMessages, intents); // rollup rows last: every writer locks in the same order
    }

    private static long newBatchId() {
        long id;
        do {
            id = ThreadLocalRandom.current().nextLong();
        } while (id == 0);
        return id;
    }

    private static String key(String conversationId, String id) {
        return conversationId + '\u0000' + id;
    }

    private static String conv(String conversationId) {
        return conversationId == null ? "" : conversationId;
    }

    private static final String INSERT_CALL = """
            INSERT INTO chatbot_llm_calls (call_id, conversation_id, message_id, parent_call_id, call_sequence,
                call_type, agent, function_name, chat_mode, user_id, provider, model, response_model,
                input_tokens, output_tokens, cached_input_tokens, reasoning_tokens, total_tokens, token_source,
                cost_estimate, priced, price_version, duration_ms, time_to_first_token_ms, finish_reason,
                input_text, output_text, success, error_type, error_message, metadata, started_at, ended_at,
                write_batch_id)
            VALUES (:call_id, :conversation_id, :message_id, :parent_call_id, :call_sequence,
                :call_type, :agent, :function_name, :chat_mode, :user_id, :provider, :model, :response_model,
                :input_tokens, :output_tokens, :cached_input_tokens, :reasoning_tokens, :total_tokens, :token_source,
                :cost_estimate, :priced, :price_version, :duration_ms, :ttft, :finish_reason,
                :input_text, :output_text, :success, :error_type, :error_message, :metadata, :started_at, :ended_at,
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
                    .bind("provider", clip(c.provider(), 50))
                    .bind("model", clip(c.model(), 150))
                    .bind("response_model", clip(c.responseModel(), 150))
                    .bind("input_tokens", nz(c.inputTokens()))
                    .bind("output_tokens", nz(c.outputTokens()))
                    .bind("cached_input_tokens", nz(c.cachedInputTokens()))
                    .bind("reasoning_tokens", nz(c.reasoningTokens()))
                    .bind("total_tokens", c.totalTokens())
                    .bind("token_source", c.tokenSource() == null ? "estimated" : c.tokenSource().dbValue())
                    .bind("cost_estimate", c.priced() ? c.costEstimate() : null)
                    .bind("priced", c.priced() && c.costEstimate() != null)
                    .bind("price_version", clip(c.priceVersion(), 100))
                    .bind("duration_ms", Rollups.money2(c.durationMs()))
                    .bind("ttft", c.timeToFirstTokenMs() == null ? null : (int) Math.min(Integer.MAX_VALUE, c.timeToFirstTokenMs()))
                    .bind("finish_reason", clip(c.finishReason(), 50))
                    .bind("input_text", c.inputText())
                    .bind("output_text", c.outputText())
                    .bind("success", c.success())
                    .bind("error_type", clip(c.errorType(), 255))
                    .bind("error_message", clip(c.errorMessage(), 65_000))
                    .bind("metadata", c.metadata().isEmpty() ? null : JSON.writeValueAsString(c.metadata()))
                    .bind("started_at", utc(c.startedAt()))
                    .bind("ended_at", utc(c.endedAt()))
                    .bind("batch", batchId)
                    .add();
            n++;
        }
        if (n > 0) {
            b.execute();
        }
    }

    private static final String INSERT_MESSAGE = """
            INSERT INTO chatbot_conversation_messages (message_id, conversation_id, user_id, chat_mode, user_input,
                final_output, conversation_message, intent, classification, database_used, sql_queries,
                sql_query_count, sql_results_count, response_time_ms, success, error_message, debug_info,
                `timestamp`, write_batch_id)
            VALUES (:message_id, :conversation_id, :user_id, :chat_mode, :user_input,
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
                    .bind("ts", utc(m.timestamp()))
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

    /** Totals of a message that is new in this transaction: everything stored under it so far. */
    private static void setTotalsOfNewMessages(Handle h, Set<String> newMessageKeys, Map<String, ConversationMessage> messages,
                                               List<Rollups.IntentDelta> intents) {
        if (newMessageKeys.isEmpty()) {
            return;
        }
        TreeMap<String, Totals> totals = new TreeMap<>();
        for (String k : newMessageKeys) {
            totals.put(k, new Totals());
        }
        Set<String> convs = new TreeSet<>();
        Set<String> ids = new TreeSet<>();
        for (String k : totals.keySet()) {
            String[] cm = k.split("\u0000", 2);
            convs.add(cm[0]);
            ids.add(cm[1]);
        }
        var q = h.createQuery("""
                SELECT conversation_id, message_id, COUNT(*) AS n, SUM(input_tokens) AS tin, SUM(output_tokens) AS tout,
                       SUM(total_tokens) AS tt, COALESCE(SUM(cost_estimate), 0) AS cost, SUM(NOT priced) AS unpriced,
                       SUM(duration_ms) AS dur
                FROM chatbot_llm_calls
                WHERE call_type IN ('chat', 'streaming_chat', 'embedding')
                  AND conversation_id IN (<convs>) AND message_id IN (<ids>)
                GROUP BY conversation_id, message_id""").bindList("convs", List.copyOf(convs)).bindList("ids", List.copyOf(ids));
        q.map((rs, ctx) -> {
            Totals t = totals.get(key(rs.getString("conversation_id"), rs.getString("message_id")));
            if (t == null) {
                return 0; // another message that matched the two IN lists
            }
            t.calls = rs.getLong("n");
            t.inputTokens = rs.getLong("tin");
            t.outputTokens = rs.getLong("tout");
            t.tokens = rs.getLong("tt");
            t.cost = rs.getBigDecimal("cost");
            t.unpriced = rs.getLong("unpriced");
            t.durationMs = rs.getBigDecimal("dur");
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
            intents.add(new Rollups.IntentDelta(clip(m.intent(), 100), m.timestamp(), 1, m.success() ? 0 : 1, Rollups.money2(m.responseTimeMs()),
                    t.calls, t.inputTokens, t.outputTokens, t.tokens, t.cost, t.unpriced, t.durationMs));
        });
    }

    /** Calls new in this transaction whose message row was stored earlier: add them to its totals. */
    private static void addCallsToOlderMessages(Handle h, List<LlmCall> newCalls, Set<String> newMessageKeys,
                                                List<Rollups.IntentDelta> intents) {
        TreeMap<String, Totals> deltas = new TreeMap<>();
        for (LlmCall c : newCalls) {
            if (c.messageId() == null || c.messageId().isEmpty() || !c.callType().isModelCall()) {
                continue;
            }
            String k = key(conv(c.conversationId()), c.messageId());
            if (!newMessageKeys.contains(k)) {
                deltas.computeIfAbsent(k, x -> new Totals()).add(c);
            }
        }
        if (deltas.isEmpty()) {
            return;
        }
        // Usually the message row comes later (the turn ends after its calls): update only rows that exist.
        Set<String> convs = new TreeSet<>();
        Set<String> ids = new TreeSet<>();
        for (String k : deltas.keySet()) {
            String[] cm = k.split("\u0000", 2);
            convs.add(cm[0]);
            ids.add(cm[1]);
        }
        Map<String, Rollups.IntentDelta> existing = new HashMap<>(); // key -> the message's intent and time
        h.createQuery("""
                SELECT conversation_id, message_id, intent, `timestamp` FROM chatbot_conversation_messages
                WHERE conversation_id IN (<convs>) AND message_id IN (<ids>)""")
                .bindList("convs", List.copyOf(convs)).bindList("ids", List.copyOf(ids))
                .map((rs, ctx) -> existing.put(key(rs.getString(1), rs.getString(2)), new Rollups.IntentDelta(rs.getString(3),
                        rs.getObject(4, java.time.LocalDateTime.class).toInstant(java.time.ZoneOffset.UTC),
                        0, 0, BigDecimal.ZERO, 0, 0, 0, 0, BigDecimal.ZERO, 0, BigDecimal.ZERO))).list();
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
            Rollups.IntentDelta m = existing.get(k);
            intents.add(new Rollups.IntentDelta(m.intent(), m.at(), 0, 0, BigDecimal.ZERO, t.calls, t.inputTokens,
                    t.outputTokens, t.tokens, t.cost, t.unpriced, t.durationMs));
        });
    }

    private static PreparedBatch bindTotals(PreparedBatch b, String k, Totals t) {
        String[] cm = k.split("\u0000", 2);
        return b.bind("n", t.calls).bind("tin", t.inputTokens).bind("tout", t.outputTokens).bind("tt", t.tokens)
                .bind("cost", t.cost).bind("unpriced", t.unpriced).bind("dur", t.durationMs)
                .bind("c", cm[0]).bind("m", cm[1]);
    }

    private static final String UPSERT_SUMMARY = """
            INSERT INTO chatbot_conversation_summary (conversation_id, user_id, first_message_at, last_message_at,
                total_messages, successful_messages, total_llm_calls, failed_llm_calls, total_input_tokens,
                total_output_tokens, total_tokens_used, total_cost, unpriced_calls, total_duration_ms, success_rate,
                last_user_input, last_agent_output)
            VALUES (:c, :user_id, :first_at, :last_at, :messages, :ok_messages, :n, :failed, :tin, :tout, :tt, :cost,
                :unpriced, :dur, :rate, :last_input, :last_output)
            ON DUPLICATE KEY UPDATE
                user_id = COALESCE(VALUES(user_id), user_id),
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

    private static void addToSummaries(Handle h, List<LlmCall> newCalls, List<ConversationMessage> newMessages) {
        TreeMap<String, SummaryDelta> deltas = new TreeMap<>();
        for (LlmCall c : newCalls) {
            String conv = conv(c.conversationId());
            if (!conv.isEmpty() && c.callType().isModelCall()) {
                deltas.computeIfAbsent(conv, x -> new SummaryDelta()).calls.add(c);
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
                .bind("first_at", d.first == null ? null : utc(d.first))
                .bind("last_at", d.last == null ? null : utc(d.last))
                .bind("messages", d.messages).bind("ok_messages", d.okMessages)
                .bind("rate", d.messages == 0 ? BigDecimal.valueOf(100)
                        : BigDecimal.valueOf(100 * d.okMessages).divide(BigDecimal.valueOf(d.messages), 2, java.math.RoundingMode.HALF_UP))
                .bind("n", d.calls.calls).bind("failed", d.calls.failed).bind("tin", d.calls.inputTokens)
                .bind("tout", d.calls.outputTokens).bind("tt", d.calls.tokens).bind("cost", d.calls.cost)
                .bind("unpriced", d.calls.unpriced).bind("dur", d.calls.durationMs)
                .bind("last_input", clip(d.lastInput, 65_000)).bind("last_output", clip(d.lastOutput, 65_000))
                .add());
        b.execute();
    }

    private static final class Totals {
        long calls, failed, inputTokens, outputTokens, tokens, unpriced;
        BigDecimal cost = BigDecimal.ZERO;
        BigDecimal durationMs = BigDecimal.ZERO;

        void add(LlmCall c) {
            calls++;
            failed += c.success() ? 0 : 1;
            inputTokens += nz(c.inputTokens());
            outputTokens += nz(c.outputTokens());
            tokens += c.totalTokens();
            if (c.priced() && c.costEstimate() != null) {
                cost = cost.add(c.costEstimate());
            } else {
                unpriced++;
            }
            durationMs = durationMs.add(BigDecimal.valueOf(Math.round(c.durationMs() * 100), 2));
        }
    }

    private static final class SummaryDelta {
        final Totals calls = new Totals();
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

    static LocalDateTime utc(Instant i) {
        return LocalDateTime.ofInstant(i, ZoneOffset.UTC);
    }

    private static int nz(Integer v) {
        return v == null ? 0 : v;
    }

    private static String clip(String s, int max) {
        if (s == null || s.length() <= max) {
            return s;
        }
        return s.substring(0, max);
    }
}
