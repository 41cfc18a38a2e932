package dev.chatlog.sql;

import dev.chatlog.core.CallType;
import dev.chatlog.core.LlmCall;
import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;

/**
 * One streamed read of a window's calls that match call filters (the rollups keep no row for, say,
 * one model's calls per agent): every breakdown's rollup sums, summed by the writer's own code, and
 * the top calls by cost or duration, from the same rows. Memory holds the groups and the top
 * entries, never the calls (Connector/J streams with fetch size {@code Integer.MIN_VALUE}).
 */
final class CallPass {
    /** How each breakdown keys a call. */
    private static final Map<String, Function<LlmCall, String>> KEYS = Map.of(
            "all", c -> "",
            "agent", LlmCall::agent,
            "function", LlmCall::functionName,
            "model", c -> c.callType().isModelCall() ? c.model() : null,
            "chat_mode", LlmCall::chatMode,
            "user", LlmCall::userId,
            "model_function", c -> c.callType().isModelCall()
                    ? (c.model() == null ? "" : c.model()) + "|" + (c.functionName() == null ? "" : c.functionName()) : null);

    /** The call attributes each breakdown keys on. */
    private static final Map<String, List<String>> COLUMNS = Map.of("agent", List.of("agent"), "function", List.of("function_name"),
            "model", List.of("model"), "chat_mode", List.of("chat_mode"), "user", List.of("user_id"),
            "model_function", List.of("model", "function_name"));

    /**
     * The {@code limit} model calls ranked highest by {@code by} (cost: priced ones only), above
     * {@code overMs} of duration when set, ordered as {@link TopCalls} orders them: value, then
     * start time, both descending (then row id, so that ties have one answer). Counts every call
     * that qualified, not only the kept ones.
     */
    static final class Top {
        private record Entry(long id, BigDecimal value, LocalDateTime startedAt) {}

        private static final Comparator<Entry> RANK = Comparator.comparing(Entry::value)
                .thenComparing(Entry::startedAt).thenComparingLong(Entry::id);

        private final TopCalls.By by;
        private final Integer overMs;
        private final int limit;
        private final PriorityQueue<Entry> lowestFirst = new PriorityQueue<>(RANK);
        private long qualified;

        Top(TopCalls.By by, Integer overMs, int limit) {
            this.by = by;
            this.overMs = overMs;
            this.limit = limit;
        }

        private void offer(long id, LlmCall c) {
            if (!c.callType().isModelCall()) return;
            if (overMs != null && !(c.durationMs() > overMs)) return;
            BigDecimal value = by == TopCalls.By.COST ? c.costEstimate() : Rollups.money2(c.durationMs());
            if (value == null) return;
            qualified++;
            Entry e = new Entry(id, value, c.startedAt() == null ? LocalDateTime.MIN : LocalDateTime.ofInstant(c.startedAt(), java.time.ZoneOffset.UTC));
            if (lowestFirst.size() < limit) {
                lowestFirst.add(e);
            } else if (RANK.compare(e, lowestFirst.peek()) > 0) {
                lowestFirst.poll();
                lowestFirst.add(e);
            }
        }

        /** How many calls qualified (in the window, matching the filters, over the threshold). */
        long qualified() {
            return qualified;
        }

        /** The kept calls' {@code columns}, highest first. */
        List<Map<String, Object>> rows(Handle h, String columns) {
            List<Entry> ranked = new ArrayList<>(lowestFirst);
            ranked.sort(RANK.reversed());
            if (ranked.isEmpty()) return List.of();
            StringBuilder ids = new StringBuilder();
            for (Entry e : ranked) ids.append(ids.length() == 0 ? "" : ", ").append(e.id());
            return h.createQuery("SELECT " + columns + " FROM chatbot_llm_calls WHERE id IN (" + ids + ") ORDER BY FIELD(id, " + ids + ")")
                    .map((rs, ctx) -> AnalysisQueries.row(rs)).list();
        }
    }

    private CallPass() {}

    /**
     * Reads the window's calls matching {@code f} once: the rollup sums of each of {@code dimensions}
     * (dimension -> value -> column -> sum, as {@link Rollups#sums} gives them), and every call
     * offered to each of {@code tops}; with {@code countMessages}, each group's {@code messages} is the
     * number of distinct messages its calls belong to (otherwise 0).
     */
    static Map<String, Map<String, Map<String, Object>>> read(Handle h, StatsQueries.Window w, StatsQueries.Filters f,
                                                              List<String> dimensions, List<Top> tops, boolean countMessages) {
        Map<String, Function<LlmCall, String>> keys = new LinkedHashMap<>();
        for (String d : dimensions) keys.put(d, KEYS.get(d));
        // only the columns this read needs: sending rows is most of its cost (a few thousand a day per filter)
        java.util.Set<String> attributes = new java.util.HashSet<>();
        for (String d : dimensions) attributes.addAll(COLUMNS.getOrDefault(d, List.of()));
        StringBuilder sql = new StringBuilder("SELECT id, call_type, success, priced, input_tokens, output_tokens, cached_input_tokens,"
                + " reasoning_tokens, cost_estimate, duration_ms, time_to_first_token_ms, started_at");
        if (countMessages) sql.append(", conversation_id, message_id");
        for (String c : List.of("model", "agent", "function_name", "chat_mode", "user_id")) {
            if (attributes.contains(c)) sql.append(", ").append(c);
        }
        sql.append(" FROM chatbot_llm_calls WHERE started_at >= :from AND started_at < :to")
                .append(w.session() ? " AND conversation_id = :conv" : "").append(f.rawWhere());
        org.jdbi.v3.core.statement.Query q = f.bind(h.createQuery(sql.toString())).bind("from", w.fromUtc()).bind("to", w.toUtc());
        if (w.session()) q.bind("conv", w.conversationId());
        Iterable<LlmCall> calls = q.setFetchSize(Integer.MIN_VALUE).map((rs, ctx) -> {
                    Object t = rs.getObject(11);
                    LlmCall.Builder b = LlmCall.builder().callId("")
                            .callType(CallType.valueOf(rs.getString(2).toUpperCase(Locale.ROOT)))
                            .success(rs.getBoolean(3)).priced(rs.getBoolean(4)).inputTokens(rs.getInt(5)).outputTokens(rs.getInt(6))
                            .cachedInputTokens(rs.getInt(7)).reasoningTokens(rs.getInt(8)).costEstimate(rs.getBigDecimal(9))
                            .durationMs(rs.getDouble(10)).timeToFirstTokenMs(t == null ? null : ((Number) t).longValue())
                            .startedAt(rs.getObject(12, LocalDateTime.class).toInstant(java.time.ZoneOffset.UTC));
                    if (countMessages) b.conversationId(rs.getString("conversation_id")).messageId(rs.getString("message_id"));
                    if (attributes.contains("model")) b.model(rs.getString("model"));
                    if (attributes.contains("agent")) b.agent(rs.getString("agent"));
                    if (attributes.contains("function_name")) b.functionName(rs.getString("function_name"));
                    if (attributes.contains("chat_mode")) b.chatMode(rs.getString("chat_mode"));
                    if (attributes.contains("user_id")) b.userId(rs.getString("user_id"));
                    LlmCall c = b.build();
                    long rowId = rs.getLong(1);
                    for (Top top : tops) top.offer(rowId, c);
                    return c;
                });
        return Rollups.sums(calls, keys);
    }
}
