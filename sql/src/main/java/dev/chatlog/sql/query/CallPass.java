package dev.chatlog.sql.query;

import dev.chatlog.sql.Utc;

import dev.chatlog.core.CallType;
import dev.chatlog.core.LlmCall;
import dev.chatlog.sql.rollup.Dimension;
import dev.chatlog.sql.rollup.Measure;
import dev.chatlog.sql.rollup.Sums;
import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;

/**
 * One streamed read of a window's calls that match call filters (the rollups keep no row for, say,
 * one model's calls per agent): every breakdown's sums, added up by the writer's own code
 * ({@link Sums#addCall}), and the top calls of each {@link Ranking}, from the same rows. Memory holds
 * the groups and the top entries, never the calls (Connector/J streams with fetch size {@code Integer.MIN_VALUE}).
 */
final class CallPass {
    private static final String CALLS = """
            SELECT id, call_type, success, priced, input_tokens, output_tokens, cached_input_tokens, reasoning_tokens,
                   cost_estimate, duration_ms, time_to_first_token_ms, started_at <messages> <attributes>
            FROM chatbot_llm_calls
            WHERE <window> <filter>""";
    private static final List<String> ATTRIBUTES = List.of("model", "agent", "function_name", "chat_mode", "user_id", "arm");

    /** The top calls of one ranking, as they are offered; counts every call that qualified, not only those kept. */
    static final class Top {
        private record Entry(long id, BigDecimal value, LocalDateTime startedAt) {}

        /** Value, then start time, both descending, then row id, so that ties have one answer (as {@link TopCalls} orders them). */
        private static final Comparator<Entry> RANK = Comparator.comparing(Entry::value)
                .thenComparing(Entry::startedAt).thenComparingLong(Entry::id);

        private final Ranking ranking;
        private final PriorityQueue<Entry> lowestFirst = new PriorityQueue<>(RANK);
        private long qualified;

        Top(Ranking ranking) {
            this.ranking = ranking;
        }

        private void offer(long id, LlmCall c) {
            if (!c.callType().isModelCall()) return;
            if (ranking.overMs() != null && !(c.durationMs() > ranking.overMs())) return;
            BigDecimal value = ranking.by() == Ranking.By.COST ? c.costEstimate() : Sums.stored(c.durationMs());
            if (value == null) return;
            qualified++;
            Entry e = new Entry(id, value, Utc.time(c.startedAt()));
            if (lowestFirst.size() < ranking.limit()) {
                lowestFirst.add(e);
            } else if (RANK.compare(e, lowestFirst.peek()) > 0) {
                lowestFirst.poll();
                lowestFirst.add(e);
            }
        }

        long qualified() {
            return qualified;
        }

        /** The kept calls' {@code columns}, highest first. */
        List<Map<String, Object>> rows(Handle h, String columns) {
            List<Entry> ranked = new ArrayList<>(lowestFirst);
            ranked.sort(RANK.reversed());
            if (ranked.isEmpty()) return List.of();
            List<Long> ids = ranked.stream().map(Entry::id).toList();
            return h.createQuery("SELECT <columns> FROM chatbot_llm_calls WHERE id IN (<ids>) ORDER BY FIELD(id, <ids>)")
                    .define("columns", columns).bindList("ids", ids).map((rs, ctx) -> Rows.row(rs)).list();
        }
    }

    /** What one pass found: each group's sums by key, and each ranking's top calls. */
    record Result(Map<Dimension, Map<String, Sums>> sums, Map<Ranking, Top> tops) {}

    private CallPass() {}

    /**
     * Reads the window's calls matching {@code f} once: the sums of each of {@code groups} by key
     * ('' for calls without one there), and the top calls of each of {@code rankings}; with
     * {@code countMessages}, each group's messages are the distinct messages of its calls (otherwise 0).
     */
    static Result read(Handle h, Window w, Filter f, List<Dimension> groups, List<Ranking> rankings, boolean countMessages) {
        Set<String> attributes = new HashSet<>(); // only the columns this read needs: sending rows is most of its cost
        for (Dimension d : groups) {
            for (Dimension side : d.isPair() ? List.of(d.first(), d.second()) : List.of(d)) {
                if (side.column() != null) attributes.add(side.column());
            }
        }
        List<String> selected = ATTRIBUTES.stream().filter(attributes::contains).toList();
        Query q = f.bind(w.bind(h.createQuery(CALLS).define("messages", countMessages ? ", conversation_id, message_id" : "")
                .define("attributes", selected.isEmpty() ? "" : ", " + String.join(", ", selected))
                .define("window", w.where("started_at")).define("filter", f.where())));
        Map<Ranking, Top> tops = new LinkedHashMap<>();
        for (Ranking r : rankings) tops.put(r, new Top(r));
        Map<Dimension, Map<String, Sums>> sums = new EnumMap<>(Dimension.class);
        Map<Dimension, Map<String, Set<String>>> messages = new EnumMap<>(Dimension.class);
        for (Dimension d : groups) {
            sums.put(d, new LinkedHashMap<>());
            messages.put(d, new HashMap<>());
        }
        q.setFetchSize(Integer.MIN_VALUE).map((rs, ctx) -> {
            Object ttft = rs.getObject(11);
            LlmCall.Builder b = LlmCall.builder().callId("").callType(CallType.fromDb(rs.getString(2)))
                    .success(rs.getBoolean(3)).priced(rs.getBoolean(4)).inputTokens(rs.getInt(5)).outputTokens(rs.getInt(6))
                    .cachedInputTokens(rs.getInt(7)).reasoningTokens(rs.getInt(8)).costEstimate(rs.getBigDecimal(9))
                    .durationMs(rs.getDouble(10)).timeToFirstTokenMs(ttft == null ? null : ((Number) ttft).longValue())
                    .startedAt(rs.getObject(12, LocalDateTime.class).toInstant(ZoneOffset.UTC));
            if (countMessages) b.conversationId(rs.getString("conversation_id")).messageId(rs.getString("message_id"));
            if (attributes.contains("model")) b.model(rs.getString("model"));
            if (attributes.contains("agent")) b.agent(rs.getString("agent"));
            if (attributes.contains("function_name")) b.functionName(rs.getString("function_name"));
            if (attributes.contains("chat_mode")) b.chatMode(rs.getString("chat_mode"));
            if (attributes.contains("user_id")) b.userId(rs.getString("user_id"));
            if (attributes.contains("arm")) b.arm(rs.getString("arm"));
            LlmCall c = b.build();
            long rowId = rs.getLong(1);
            for (Top top : tops.values()) top.offer(rowId, c);
            String message = c.messageId() == null || c.messageId().isEmpty() ? null : c.conversationId() + "/" + c.messageId();
            for (Dimension d : groups) {
                String key = d.key(c);
                String k = key == null ? "" : key; // (a model breakdown puts tool rows under '', with no model figures)
                sums.get(d).computeIfAbsent(k, x -> new Sums()).addCall(c);
                if (message != null) messages.get(d).computeIfAbsent(k, x -> new LinkedHashSet<>()).add(message);
            }
            return 0;
        }).forEach(x -> { });
        sums.forEach((d, byKey) -> byKey.forEach((k, s) ->
                s.add(Measure.MESSAGES, messages.get(d).getOrDefault(k, Set.of()).size())));
        return new Result(sums, tops);
    }
}
