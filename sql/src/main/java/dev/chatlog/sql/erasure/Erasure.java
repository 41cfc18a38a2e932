package dev.chatlog.sql.erasure;

import dev.chatlog.core.CallType;
import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.LlmCall;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.chatlog.sql.rollup.Measure;
import dev.chatlog.sql.rollup.RawSql;
import dev.chatlog.sql.rollup.RollupRemoval;
import dev.chatlog.sql.rollup.RollupWriter;
import dev.chatlog.sql.rollup.Sums;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;

/**
 * Erasure on request: everything logged of one conversation, or of one user (their messages and calls in every
 * conversation, their calls outside any), is deleted; what was derived from it is corrected in the same transaction
 * — message totals, conversation summaries (recomputed, or deleted when nothing is left), the hourly, daily and minute
 * rollups (moved back, their maxima recomputed) and the user's daily rows (deleted) — so the consistency check holds
 * after it. Budget figures stay: the money was spent; the budget reservations lose their conversation and user ids.
 * One audit row per erasure ({@code chatbot_erasures}: who asked, when, how much went; the subject only as a hash)
 * is written first: from then on the store writes nothing of the subject made before it (see {@link Tombstones}).
 * A dry run counts what would go and writes nothing.
 */
public final class Erasure {

    public enum Scope { CONVERSATION, USER }

    /** An erasure asked for: what, by whom (an operator's name or a ticket; required), why (optional). */
    public record Request(Scope scope, String subject, String requestedBy, String reason, boolean dryRun) {
        public Request {
            Objects.requireNonNull(scope, "scope");
            if (subject == null || subject.isBlank()) throw new IllegalArgumentException("the subject to erase is empty");
            if (requestedBy == null || requestedBy.isBlank()) throw new IllegalArgumentException("requested_by is required");
        }
    }

    /** What an erasure deleted (or, dry, would delete). {@code id}: its audit row (0 for a dry run). */
    public record Result(long id, Scope scope, boolean dryRun, long conversations, long messages, long calls, BigDecimal cost) {
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            if (!dryRun) m.put("erasure_id", id);
            m.put("scope", scope.name().toLowerCase(java.util.Locale.ROOT));
            m.put("dry_run", dryRun);
            m.put("conversations", conversations);
            m.put("messages", messages);
            m.put("llm_calls", calls);
            m.put("cost", cost);
            return m;
        }
    }

    private final Jdbi jdbi;

    public Erasure(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public Result erase(Request r) {
        boolean user = r.scope() == Scope.USER;
        if (r.dryRun()) {
            return jdbi.withHandle(h -> {
                String where = user ? "user_id = :s" : "conversation_id = :s";
                long messages = h.createQuery("SELECT COUNT(*) FROM chatbot_conversation_messages WHERE " + where).bind("s", r.subject())
                        .mapTo(Long.class).one();
                Map<String, Object> calls = h.createQuery("SELECT COUNT(*) n, COALESCE(SUM(IF(" + RawSql.MODEL_CALL + ", cost_estimate, 0)), 0) cost "
                        + "FROM chatbot_llm_calls WHERE " + where).bind("s", r.subject()).mapToMap().one();
                return new Result(0, r.scope(), true, conversations(h, r).size(), messages, ((Number) calls.get("n")).longValue(),
                        (BigDecimal) calls.get("cost"));
            });
        }
        long id = jdbi.withHandle(h -> h.createUpdate("INSERT INTO chatbot_erasures (scope, subject_hash, requested_by, reason, requested_at) "
                        + "VALUES (:scope, :hash, :by, :reason, :at)")
                .bind("scope", r.scope().name().toLowerCase(java.util.Locale.ROOT)).bind("hash", Tombstones.hash(r.scope(), r.subject()))
                .bind("by", clip(r.requestedBy(), 200)).bind("reason", r.reason() == null ? null : clip(r.reason(), 500))
                .bind("at", LocalDateTime.now(ZoneOffset.UTC)).executeAndReturnGeneratedKeys("id").mapTo(Long.class).one());
        long[] totals = new long[3];
        BigDecimal[] cost = {BigDecimal.ZERO};
        // two passes: the second takes what a write already in flight when the audit row was committed added meanwhile
        for (int pass = 0; pass < 2; pass++) {
            List<String> convs = jdbi.withHandle(h -> conversations(h, r));
            for (String conv : convs) {
                Deleted d = inTransaction(h -> erase(h, conv, r));
                if (pass == 0 || d.messages + d.calls > 0) totals[0] += pass == 0 ? 1 : 0;
                totals[1] += d.messages;
                totals[2] += d.calls;
                cost[0] = cost[0].add(d.cost);
            }
            if (user) {
                jdbi.withHandle(h -> h.createUpdate("UPDATE chatbot_budget_reservations SET conversation_id = NULL, user_id = NULL "
                        + "WHERE user_id = :s").bind("s", r.subject()).execute());
            } else {
                jdbi.withHandle(h -> h.createUpdate("UPDATE chatbot_budget_reservations SET conversation_id = NULL, user_id = NULL "
                        + "WHERE conversation_id = :s").bind("s", r.subject()).execute());
            }
        }
        jdbi.withHandle(h -> h.createUpdate("UPDATE chatbot_erasures SET finished_at = :at, conversations = :c, messages = :m, calls = :n "
                + "WHERE id = :id").bind("at", LocalDateTime.now(ZoneOffset.UTC)).bind("c", totals[0]).bind("m", totals[1])
                .bind("n", totals[2]).bind("id", id).execute());
        return new Result(id, r.scope(), false, totals[0], totals[1], totals[2], cost[0]);
    }

    /** The erasures done, newest first: the audit trail (no subject, only its hash). */
    public List<Map<String, Object>> audit(int limit) {
        return jdbi.withHandle(h -> h.createQuery("SELECT id, scope, subject_hash, requested_by, reason, requested_at, finished_at, "
                + "conversations, messages, calls FROM chatbot_erasures ORDER BY id DESC LIMIT :n").bind("n", limit).mapToMap().list())
                .stream().map(row -> {
                    Map<String, Object> out = new LinkedHashMap<>(row);
                    out.replaceAll((k, v) -> v instanceof LocalDateTime t ? t.toInstant(ZoneOffset.UTC).toString() : v); // UTC instants
                    return out;
                }).toList();
    }

    private static List<String> conversations(Handle h, Request r) {
        if (r.scope() == Scope.CONVERSATION) {
            boolean any = h.createQuery("SELECT EXISTS(SELECT 1 FROM chatbot_conversation_messages WHERE conversation_id = :s) "
                    + "OR EXISTS(SELECT 1 FROM chatbot_llm_calls WHERE conversation_id = :s) "
                    + "OR EXISTS(SELECT 1 FROM chatbot_conversation_summary WHERE conversation_id = :s)").bind("s", r.subject())
                    .mapTo(Boolean.class).one();
            return any ? List.of(r.subject()) : List.of();
        }
        return h.createQuery("SELECT conversation_id FROM chatbot_conversation_messages WHERE user_id = :s "
                + "UNION SELECT conversation_id FROM chatbot_llm_calls WHERE user_id = :s ORDER BY 1").bind("s", r.subject())
                .mapTo(String.class).list();
    }

    private record Deleted(long messages, long calls, BigDecimal cost) {}

    private record Message(long id, ConversationMessage message, String intent, Sums totals) {}

    private Deleted erase(Handle h, String conv, Request r) {
        boolean user = r.scope() == Scope.USER;
        String mine = user ? " AND user_id = :u" : "";
        if (!conv.isEmpty()) { // the summary first: every writer locks it first, so a write in flight finishes before this reads
            h.createQuery("SELECT conversation_id FROM chatbot_conversation_summary WHERE conversation_id = :c FOR UPDATE")
                    .bind("c", conv).mapTo(String.class).list();
        }
        List<Long> callIds = new ArrayList<>();
        List<LlmCall> calls = h.createQuery("""
                SELECT id, call_id, conversation_id, message_id, call_type, agent, function_name, chat_mode, user_id, arm, provider, model,
                       input_tokens, output_tokens, cached_input_tokens, reasoning_tokens, cost_estimate, priced, duration_ms,
                       time_to_first_token_ms, success, started_at, finish_reason, IF(call_type = 'cache', metadata, NULL) AS metadata
                FROM chatbot_llm_calls WHERE conversation_id = :c""" + (user ? " AND (user_id = :u OR (call_type = 'evaluation' AND message_id IN "
                        + "(SELECT message_id FROM chatbot_conversation_messages WHERE conversation_id = :c AND user_id = :u)))" : "")
                + " ORDER BY id FOR UPDATE")
                .bind("c", conv).bind("u", r.subject()).map((rs, ctx) -> {
                    callIds.add(rs.getLong("id"));
                    Long ttft = rs.getObject("time_to_first_token_ms", Long.class);
                    return LlmCall.builder().callId(rs.getString("call_id")).conversationId(rs.getString("conversation_id"))
                            .messageId(rs.getString("message_id")).callType(CallType.fromDb(rs.getString("call_type")))
                            .agent(rs.getString("agent")).functionName(rs.getString("function_name")).chatMode(rs.getString("chat_mode"))
                            .arm(rs.getString("arm"))
                            .userId(rs.getString("user_id")).provider(rs.getString("provider")).model(rs.getString("model"))
                            .inputTokens(rs.getInt("input_tokens")).outputTokens(rs.getInt("output_tokens"))
                            .cachedInputTokens(rs.getInt("cached_input_tokens")).reasoningTokens(rs.getInt("reasoning_tokens"))
                            .costEstimate(rs.getBigDecimal("cost_estimate")).priced(rs.getBoolean("priced"))
                            .durationMs(rs.getDouble("duration_ms")).timeToFirstTokenMs(ttft).success(rs.getBoolean("success"))
                            .finishReason(rs.getString("finish_reason")).metadata(lookupMetadata(rs.getString("metadata"))) // a cache hit's savings
                            .startedAt(rs.getObject("started_at", LocalDateTime.class).toInstant(ZoneOffset.UTC)).build();
                }).list();
        List<Message> messages = h.createQuery("""
                SELECT id, conversation_id, message_id, user_id, chat_mode, arm, intent, `timestamp`, success, response_time_ms,
                       total_llm_calls, total_input_tokens, total_output_tokens, total_tokens_used, total_cost, unpriced_calls,
                       total_duration_ms
                FROM chatbot_conversation_messages WHERE conversation_id = :c""" + mine + " ORDER BY id FOR UPDATE")
                .bind("c", conv).bind("u", r.subject()).map((rs, ctx) -> {
                    Sums t = new Sums().add(Measure.LLM_CALLS, rs.getLong("total_llm_calls"))
                            .add(Measure.INPUT_TOKENS, rs.getLong("total_input_tokens")).add(Measure.OUTPUT_TOKENS, rs.getLong("total_output_tokens"))
                            .add(Measure.TOTAL_TOKENS, rs.getLong("total_tokens_used")).add(Measure.COST, rs.getBigDecimal("total_cost"))
                            .add(Measure.UNPRICED_CALLS, rs.getLong("unpriced_calls")).add(Measure.LLM_DURATION_MS, rs.getBigDecimal("total_duration_ms"));
                    ConversationMessage m = ConversationMessage.builder().conversationId(rs.getString("conversation_id"))
                            .messageId(rs.getString("message_id")).userId(rs.getString("user_id")).chatMode(rs.getString("chat_mode"))
                            .arm(rs.getString("arm")).userInput("").finalOutput("").success(rs.getBoolean("success"))
                            .responseTimeMs(rs.getBigDecimal("response_time_ms").doubleValue())
                            .timestamp(rs.getObject("timestamp", LocalDateTime.class).toInstant(ZoneOffset.UTC)).build();
                    return new Message(rs.getLong("id"), m, rs.getString("intent"), t);
                }).list();
        if (calls.isEmpty() && messages.isEmpty()) {
            if (!conv.isEmpty() && !user) summary(h, conv);
            return new Deleted(0, 0, BigDecimal.ZERO);
        }
        List<RollupWriter.IntentDelta> intents = new ArrayList<>();
        Set<String> gone = new HashSet<>();
        for (Message m : messages) {
            gone.add(m.message().messageId());
            intents.add(new RollupWriter.IntentDelta(m.intent(), m.message().timestamp(), -1, m.message().success() ? 0 : -1,
                    Sums.stored(m.message().responseTimeMs()).negate(), m.totals().negated()));
        }
        // model calls of a message that stays (another user's message in a conversation erased for one user): its totals move
        Map<String, Sums> ofKept = new HashMap<>();
        BigDecimal cost = BigDecimal.ZERO;
        for (LlmCall c : calls) {
            if (!c.callType().isModelCall()) continue;
            if (c.priced() && c.costEstimate() != null) cost = cost.add(c.costEstimate());
            if (c.callType().countsInTurn() && c.messageId() != null && !c.messageId().isEmpty() && !gone.contains(c.messageId())) {
                ofKept.computeIfAbsent(c.messageId(), k -> new Sums()).addCall(c);
            }
        }
        ofKept.forEach((messageId, s) -> {
            h.createUpdate("""
                    UPDATE chatbot_conversation_messages SET total_llm_calls = total_llm_calls - :n,
                        total_input_tokens = total_input_tokens - :tin, total_output_tokens = total_output_tokens - :tout,
                        total_tokens_used = total_tokens_used - :tt, total_cost = total_cost - :cost, unpriced_calls = unpriced_calls - :u,
                        total_duration_ms = total_duration_ms - :dur WHERE conversation_id = :c AND message_id = :m""")
                    .bind("n", s.count(Measure.LLM_CALLS)).bind("tin", s.count(Measure.INPUT_TOKENS)).bind("tout", s.count(Measure.OUTPUT_TOKENS))
                    .bind("tt", s.count(Measure.TOTAL_TOKENS)).bind("cost", s.amount(Measure.COST)).bind("u", s.count(Measure.UNPRICED_CALLS))
                    .bind("dur", s.amount(Measure.LLM_DURATION_MS)).bind("c", conv).bind("m", messageId).execute();
            h.createQuery("SELECT intent, `timestamp` FROM chatbot_conversation_messages WHERE conversation_id = :c AND message_id = :m")
                    .bind("c", conv).bind("m", messageId).map((rs, ctx) -> intents.add(new RollupWriter.IntentDelta(rs.getString(1),
                            rs.getObject(2, LocalDateTime.class).toInstant(ZoneOffset.UTC), 0, 0, BigDecimal.ZERO, s.negated()))).list();
        });
        if (!callIds.isEmpty()) h.createUpdate("DELETE FROM chatbot_llm_calls WHERE id IN (<ids>)").bindList("ids", callIds).execute();
        if (!messages.isEmpty()) {
            h.createUpdate("DELETE FROM chatbot_conversation_messages WHERE id IN (<ids>)")
                    .bindList("ids", messages.stream().map(Message::id).toList()).execute();
        }
        if (!conv.isEmpty()) summary(h, conv);
        dev.chatlog.sql.score.ScoreRows.erase(h, conv, calls.stream().map(LlmCall::callId).toList(),
                messages.stream().map(m -> m.message().messageId()).toList(), r.scope() == Scope.USER ? r.subject() : null);
        RollupRemoval.remove(h, calls, messages.stream().map(Message::message).toList(), intents,
                r.scope() == Scope.USER ? Set.of(r.subject()) : Set.of());
        return new Deleted(messages.size(), calls.size(), cost);
    }

    /** The conversation's summary recomputed from the rows left, or deleted when none is. */
    private static void summary(Handle h, String conv) {
        int left = h.createUpdate("""
                UPDATE chatbot_conversation_summary s,
                  (SELECT COUNT(*) n, COALESCE(SUM(success), 0) ok, MIN(`timestamp`) first_at, MAX(`timestamp`) last_at
                   FROM chatbot_conversation_messages WHERE conversation_id = :c) m,
                  (SELECT COUNT(*) n, COALESCE(SUM(NOT success), 0) failed, COALESCE(SUM(input_tokens), 0) tin,
                          COALESCE(SUM(output_tokens), 0) tout, COALESCE(SUM(total_tokens), 0) tt, COALESCE(SUM(cost_estimate), 0) cost,
                          COALESCE(SUM(NOT priced), 0) unpriced, COALESCE(SUM(duration_ms), 0) dur
                   FROM chatbot_llm_calls WHERE conversation_id = :c AND {model_call}) k
                SET s.total_messages = m.n, s.successful_messages = m.ok, s.first_message_at = m.first_at, s.last_message_at = m.last_at,
                    s.success_rate = IF(m.n = 0, 100.00, ROUND(100 * m.ok / m.n, 2)), s.total_llm_calls = k.n, s.failed_llm_calls = k.failed,
                    s.total_input_tokens = k.tin, s.total_output_tokens = k.tout, s.total_tokens_used = k.tt, s.total_cost = k.cost,
                    s.unpriced_calls = k.unpriced, s.total_duration_ms = k.dur,
                    s.last_user_input = (SELECT user_input FROM chatbot_conversation_messages WHERE conversation_id = :c
                                         ORDER BY `timestamp` DESC, id DESC LIMIT 1),
                    s.last_agent_output = (SELECT COALESCE(conversation_message, final_output) FROM chatbot_conversation_messages
                                           WHERE conversation_id = :c ORDER BY `timestamp` DESC, id DESC LIMIT 1),
                    s.user_id = (SELECT user_id FROM chatbot_conversation_messages WHERE conversation_id = :c AND user_id IS NOT NULL
                                 ORDER BY `timestamp`, id LIMIT 1)
                WHERE s.conversation_id = :c""".replace("{model_call}", RawSql.TURN_CALL)).bind("c", conv).execute();
        if (left > 0) {
            h.createUpdate("DELETE FROM chatbot_conversation_summary WHERE conversation_id = :c AND total_messages = 0 "
                    + "AND NOT EXISTS (SELECT 1 FROM chatbot_llm_calls WHERE conversation_id = :c)").bind("c", conv).execute();
        }
    }

    private <T> T inTransaction(org.jdbi.v3.core.HandleCallback<T, RuntimeException> work) {
        return dev.chatlog.sql.SqlFailures.retryingLockConflicts(() -> jdbi.inTransaction(TransactionIsolationLevel.READ_COMMITTED, work));
    }

    private static String clip(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n);
    }

    /** A cache row's stored metadata (what the rollups summed of it); empty for every other row or unreadable JSON. */
    private static Map<String, Object> lookupMetadata(String json) {
        if (json == null) return Map.of();
        try {
            return LOOKUP_JSON.readValue(json, new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() { });
        } catch (java.io.IOException e) {
            return Map.of();
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper LOOKUP_JSON = new com.fasterxml.jackson.databind.ObjectMapper();
}
