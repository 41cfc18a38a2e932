package dev.chatlog.sql;

import dev.chatlog.core.CallType;
import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.LlmCall;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * The {@code chatbot_usage_rollup} table: what one transaction adds to it, and the histogram the
 * readers turn into percentiles. Rows are locked in primary-key order, after the conversation
 * summaries, so writers always take locks in the same order.
 */
public final class Rollups {
    /** Upper bounds (ms) of the latency and TTFT histogram buckets; one more bucket holds the rest. */
    public static final int[] EDGES = {50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 7500, 10000,
            15000, 20000, 30000, 60000};
    public static final int BUCKETS = EDGES.length + 1;
    /**
     * The call dimensions a filter and a breakdown can combine: each pair of them has its own rollup
     * dimension ({@link #pair}), so one model's calls by agent, or one agent's calls by chat mode,
     * read rollup rows over any window instead of the calls.
     */
    static final List<String> PAIRED = List.of("model", "agent", "function", "chat_mode");
    /** Every pair of {@link #PAIRED}, named {@code a_b} in that order; values {@code a|b}. */
    static final List<String> PAIRS = pairs();
    /** Every dimension of the table (besides per-user sums, in their own table), each with hourly and daily rows. */
    static final List<String> HOURLY = dimensions();
    static final List<String> DAILY = HOURLY;
    private static final java.util.Set<String> HOURLY_SET = java.util.Set.copyOf(HOURLY);
    /** The separator of a pair's two values in {@code dim_value}. */
    static final char PAIR_SEPARATOR = '|';
    /**
     * Columns of the {@code intent} dimension: the messages of each intent (by message time) with the
     * model calls counted in their totals, whenever those calls arrive.
     */
    static final List<String> INTENT_COLUMNS = List.of("messages", "failed_messages", "message_duration_ms", "llm_calls",
            "input_tokens", "output_tokens", "total_tokens", "cost", "unpriced_calls", "llm_duration_ms");
    /** Columns of {@code chatbot_user_daily}, the per-user (daily, no histograms) rollup. */
    static final List<String> USER_COLUMNS = List.of("messages", "failed_messages", "message_duration_ms", "llm_calls",
            "failed_llm_calls", "tool_calls", "failed_tool_calls", "input_tokens", "output_tokens", "total_tokens", "cost",
            "unpriced_calls", "llm_duration_ms");

    private Rollups() {}

    public static int bucket(double ms) {
        for (int i = 0; i < EDGES.length; i++) {
            if (ms <= EDGES[i]) return i;
        }
        return EDGES.length;
    }

    private static List<String> pairs() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < PAIRED.size(); i++) {
            for (int j = i + 1; j < PAIRED.size(); j++) out.add(PAIRED.get(i) + "_" + PAIRED.get(j));
        }
        return List.copyOf(out);
    }

    private static List<String> dimensions() {
        List<String> out = new ArrayList<>(List.of("all", "model", "agent", "function", "chat_mode", "tool", "intent"));
        out.addAll(PAIRS);
        out.addAll(List.of("tool_agent", "tool_chat_mode")); // tool executions per tool and agent / chat mode
        return List.copyOf(out);
    }

    /** The rollup dimension holding calls by {@code a} and {@code b} together, or null when they are not a pair. */
    static String pair(String a, String b) {
        int i = PAIRED.indexOf(a), j = PAIRED.indexOf(b);
        if (i < 0 || j < 0 || i == j) return null;
        return i < j ? a + "_" + b : b + "_" + a;
    }

    private static final String[] LAT = names("lat");
    private static final String[] TTFT = names("ttft");

    private static String[] names(String prefix) {
        String[] n = new String[BUCKETS];
        for (int i = 0; i < BUCKETS; i++) n[i] = String.format("%s_%02d", prefix, i);
        return n;
    }

    /** The histogram column names of a prefix ({@code lat} or {@code ttft}), in bucket order. */
    static String[] histogramColumns(String prefix) {
        return prefix.equals("lat") ? LAT : TTFT;
    }

    static String lat(int i) {
        return LAT[i];
    }

    static String ttft(int i) {
        return TTFT[i];
    }

    /** Columns kept as maxima ({@code GREATEST}) rather than sums: the hour's slowest and most expensive call. */
    static final List<String> MAX_COLUMNS = List.of("max_duration_ms", "max_cost");

    /** Every summed column of the table, in order. */
    static List<String> columns() {
        List<String> c = new ArrayList<>(List.of("messages", "failed_messages", "message_duration_ms", "llm_calls",
                "failed_llm_calls", "tool_calls", "failed_tool_calls", "agent_calls", "input_tokens", "output_tokens",
                "cached_input_tokens", "reasoning_tokens", "total_tokens", "cost", "unpriced_calls", "llm_duration_ms",
                "tool_duration_ms", "ttft_ms_sum", "ttft_count"));
        for (int i = 0; i < BUCKETS; i++) c.add(lat(i));
        for (int i = 0; i < BUCKETS; i++) c.add(ttft(i));
        return c;
    }

    private record Key(String granularity, String dimension, LocalDateTime bucket, String value) implements Comparable<Key> {
        @Override
        public int compareTo(Key o) {
            int c = granularity.compareTo(o.granularity);
            if (c == 0) c = dimension.compareTo(o.dimension);
            if (c == 0) c = bucket.compareTo(o.bucket);
            if (c == 0) c = value.compareTo(o.value);
            return c;
        }
    }

    /**
     * What one group adds to a rollup row: counters in a {@code long[]}, decimal sums and maxima in a
     * {@code BigDecimal[]}, both indexed by {@link #ALL_COLUMNS} (a call adds to several groups, and a
     * one-pass read of a day's calls adds to six of them per call, so no map or boxing per column).
     */
    static final class Delta {
        private static final List<String> ALL_COLUMNS;
        private static final Map<String, Integer> INDEX = new java.util.HashMap<>();
        private static final boolean[] DECIMAL;

        static {
            List<String> all = new ArrayList<>(columns());
            all.addAll(MAX_COLUMNS);
            ALL_COLUMNS = List.copyOf(all);
            DECIMAL = new boolean[all.size()];
            for (int i = 0; i < all.size(); i++) {
                String c = all.get(i);
                INDEX.put(c, i);
                DECIMAL[i] = c.equals("cost") || c.endsWith("duration_ms") || MAX_COLUMNS.contains(c);
            }
        }

        private static final int LLM_CALLS = INDEX.get("llm_calls"), FAILED_LLM_CALLS = INDEX.get("failed_llm_calls"),
                TOOL_CALLS = INDEX.get("tool_calls"), FAILED_TOOL_CALLS = INDEX.get("failed_tool_calls"),
                TOOL_DURATION = INDEX.get("tool_duration_ms"), AGENT_CALLS = INDEX.get("agent_calls"),
                INPUT = INDEX.get("input_tokens"), OUTPUT = INDEX.get("output_tokens"), CACHED = INDEX.get("cached_input_tokens"),
                REASONING = INDEX.get("reasoning_tokens"), TOTAL = INDEX.get("total_tokens"), COST = INDEX.get("cost"),
                UNPRICED = INDEX.get("unpriced_calls"), LLM_DURATION = INDEX.get("llm_duration_ms"),
                MAX_DURATION = INDEX.get("max_duration_ms"), MAX_COST = INDEX.get("max_cost"),
                TTFT_SUM = INDEX.get("ttft_ms_sum"), TTFT_COUNT = INDEX.get("ttft_count"),
                LAT_0 = INDEX.get(lat(0)), TTFT_0 = INDEX.get(ttft(0));

        private final long[] n = new long[ALL_COLUMNS.size()];
        private final BigDecimal[] dec = new BigDecimal[ALL_COLUMNS.size()];

        void add(String col, long x) {
            n[INDEX.get(col)] += x;
        }

        void add(String col, BigDecimal x) {
            add(INDEX.get(col), x);
        }

        private void add(int i, BigDecimal x) {
            dec[i] = dec[i] == null ? x : dec[i].add(x);
        }

        void max(String col, BigDecimal x) {
            max(INDEX.get(col), x);
        }

        private void max(int i, BigDecimal x) {
            dec[i] = dec[i] == null ? x : dec[i].max(x);
        }

        /** The column's value: a Long, a BigDecimal, or null for a decimal column nothing was added to. */
        Object get(String col) {
            int i = INDEX.get(col);
            return DECIMAL[i] ? dec[i] : (Object) n[i];
        }

        /** Every counter, and every decimal column something was added to. */
        Map<String, Object> toMap() {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            for (int i = 0; i < ALL_COLUMNS.size(); i++) {
                if (!DECIMAL[i]) m.put(ALL_COLUMNS.get(i), n[i]);
                else if (dec[i] != null) m.put(ALL_COLUMNS.get(i), dec[i]);
            }
            return m;
        }
    }

    /**
     * What one transaction adds to a message's figures in the {@code intent} dimension: the message
     * itself when it is new ({@code messages} 1) and the model calls added to its totals.
     */
    record IntentDelta(String intent, Instant at, long messages, long failedMessages, BigDecimal responseTimeMs,
                       long llmCalls, long inputTokens, long outputTokens, long totalTokens, BigDecimal cost,
                       long unpricedCalls, BigDecimal llmDurationMs) {}

    /** Adds the newly stored calls and messages to the rollups. */
    static void apply(Handle h, List<LlmCall> calls, List<ConversationMessage> messages) {
        apply(h, calls, messages, List.of());
    }

    /** Adds the newly stored calls and messages, and the changes of message totals by intent, to the rollups. */
    static void apply(Handle h, List<LlmCall> calls, List<ConversationMessage> messages, List<IntentDelta> intents) {
        Map<Key, Delta> deltas = new java.util.HashMap<>(); // sorted once below, not on every lookup
        for (LlmCall c : calls) {
            Map<String, String> dims = new java.util.LinkedHashMap<>();
            dims.put("all", "");
            if (c.callType().isModelCall()) {
                dims.put("model", nz(c.model()));
            }
            dims.put("agent", nz(c.agent()));
            dims.put("function", nz(c.functionName()));
            dims.put("chat_mode", nz(c.chatMode()));
            dims.put("user", nz(c.userId()));
            for (int i = 0; i < PAIRED.size(); i++) { // model pairs for model calls only, as the model dimension
                String a = dims.get(PAIRED.get(i));
                if (a == null) continue;
                for (int j = i + 1; j < PAIRED.size(); j++) {
                    String b = dims.get(PAIRED.get(j));
                    if (b != null) dims.put(PAIRED.get(i) + "_" + PAIRED.get(j), a + PAIR_SEPARATOR + b);
                }
            }
            for (Delta d : targets(deltas, c.startedAt(), dims)) addCall(d, c);
            if (c.callType() == CallType.TOOL) { // per tool (and per tool and agent / chat mode), durations in lat_NN
                String tool = nz(c.functionName());
                for (Delta d : targets(deltas, c.startedAt(), Map.of("tool", tool, "tool_agent", tool + PAIR_SEPARATOR + nz(c.agent()),
                        "tool_chat_mode", tool + PAIR_SEPARATOR + nz(c.chatMode())))) {
                    addCall(d, c);
                    BigDecimal ms = money2(c.durationMs());
                    d.add(lat(bucket(ms.doubleValue())), 1); // the stored (rounded) value, as the readers see it
                    d.max("max_duration_ms", ms);
                }
            }
        }
        for (IntentDelta i : intents) {
            for (Delta d : targets(deltas, i.at(), Map.of("intent", nz(i.intent())))) {
                d.add("messages", i.messages());
                d.add("failed_messages", i.failedMessages());
                d.add("message_duration_ms", i.responseTimeMs());
                d.add("llm_calls", i.llmCalls());
                d.add("input_tokens", i.inputTokens());
                d.add("output_tokens", i.outputTokens());
                d.add("total_tokens", i.totalTokens());
                d.add("cost", i.cost());
                d.add("unpriced_calls", i.unpricedCalls());
                d.add("llm_duration_ms", i.llmDurationMs());
            }
        }
        for (ConversationMessage m : messages) {
            Map<String, String> dims = new java.util.LinkedHashMap<>();
            dims.put("all", "");
            dims.put("chat_mode", nz(m.chatMode()));
            dims.put("user", nz(m.userId()));
            for (Delta d : targets(deltas, m.timestamp(), dims)) {
                d.add("messages", 1);
                d.add("failed_messages", m.success() ? 0 : 1);
                d.add("message_duration_ms", money2(m.responseTimeMs()));
            }
        }
        if (deltas.isEmpty()) {
            return;
        }
        TreeMap<Key, Delta> rows = new TreeMap<>();
        TreeMap<Key, Delta> users = new TreeMap<>();
        deltas.forEach((k, d) -> (k.granularity().equals("u") ? users : rows).put(k, d));
        upsert(h, rows);
        upsertUsers(h, users);
    }

    private static void upsertUsers(Handle h, TreeMap<Key, Delta> users) {
        if (users.isEmpty()) {
            return;
        }
        StringBuilder sql = new StringBuilder("INSERT INTO chatbot_user_daily (day, user_id");
        for (String c : USER_COLUMNS) sql.append(", ").append(c);
        sql.append(") VALUES (:day, :user");
        for (String c : USER_COLUMNS) sql.append(", :").append(c);
        sql.append(") ON DUPLICATE KEY UPDATE ");
        for (int i = 0; i < USER_COLUMNS.size(); i++) {
            String c = USER_COLUMNS.get(i);
            sql.append(i == 0 ? "" : ", ").append(c).append(" = ").append(c).append(" + VALUES(").append(c).append(')');
        }
        PreparedBatch b = h.prepareBatch(sql.toString());
        users.forEach((k, d) -> {
            b.bind("day", k.bucket().toLocalDate()).bind("user", k.value());
            bindColumns(b, d, USER_COLUMNS);
            b.add();
        });
        b.execute();
    }

    private static void bindColumns(PreparedBatch b, Delta d, List<String> cols) {
        for (String c : cols) {
            Object v = d.get(c);
            if (v == null) {
                b.bind(c, c.equals("cost") || c.endsWith("duration_ms") || MAX_COLUMNS.contains(c) ? BigDecimal.ZERO : (Object) 0L);
            } else {
                b.bind(c, v);
            }
        }
    }

    private static void upsert(Handle h, TreeMap<Key, Delta> deltas) {
        if (deltas.isEmpty()) {
            return;
        }
        List<String> cols = new ArrayList<>(columns());
        cols.addAll(MAX_COLUMNS);
        StringBuilder sql = new StringBuilder("INSERT INTO chatbot_usage_rollup (granularity, dimension, bucket_start, dim_value");
        for (String c : cols) sql.append(", ").append(c);
        sql.append(") VALUES (:g, :d, :b, :v");
        for (String c : cols) sql.append(", :").append(c);
        sql.append(") ON DUPLICATE KEY UPDATE ");
        for (int i = 0; i < cols.size(); i++) {
            String c = cols.get(i);
            sql.append(i == 0 ? "" : ", ").append(c).append(" = ");
            if (MAX_COLUMNS.contains(c)) sql.append("GREATEST(").append(c).append(", VALUES(").append(c).append("))");
            else sql.append(c).append(" + VALUES(").append(c).append(')');
        }
        PreparedBatch b = h.prepareBatch(sql.toString());
        deltas.forEach((k, d) -> {
            b.bind("g", k.granularity()).bind("d", k.dimension()).bind("b", k.bucket()).bind("v", k.value());
            bindColumns(b, d, cols);
            b.add();
        });
        b.execute();
    }

    /**
     * The rollup sums of {@code calls}, grouped by each of {@code keys} (dimension name -> the call's
     * value), exactly as the writer adds them; {@code messages} counts the distinct messages the calls
     * belong to. Used where filters leave the rollups no row to read: one pass over the raw calls
     * serves every breakdown.
     */
    static Map<String, Map<String, Map<String, Object>>> sums(Iterable<LlmCall> calls,
                                                             Map<String, java.util.function.Function<LlmCall, String>> keys) {
        Map<String, Map<String, Delta>> deltas = new java.util.LinkedHashMap<>();
        Map<String, Map<String, java.util.Set<String>>> seen = new java.util.HashMap<>();
        keys.keySet().forEach(k -> deltas.put(k, new java.util.LinkedHashMap<>()));
        for (LlmCall c : calls) {
            String message = c.messageId() == null || c.messageId().isEmpty() ? null : c.conversationId() + "/" + c.messageId();
            keys.forEach((dim, key) -> {
                String v = nz(key.apply(c));
                addCall(deltas.get(dim).computeIfAbsent(v, x -> new Delta()), c);
                if (message != null) seen.computeIfAbsent(dim, x -> new java.util.HashMap<>())
                        .computeIfAbsent(v, x -> new java.util.HashSet<>()).add(message);
            });
        }
        Map<String, Map<String, Map<String, Object>>> out = new java.util.LinkedHashMap<>();
        deltas.forEach((dim, byValue) -> {
            Map<String, Map<String, Object>> m = new java.util.LinkedHashMap<>();
            byValue.forEach((v, d) -> {
                Map<String, Object> row = d.toMap();
                row.put("messages", (long) seen.getOrDefault(dim, Map.of()).getOrDefault(v, java.util.Set.of()).size());
                m.put(v, row);
            });
            out.put(dim, m);
        });
        return out;
    }

    private static List<Delta> targets(Map<Key, Delta> deltas, Instant at, Map<String, String> dims) {
        LocalDateTime t = LocalDateTime.ofInstant(at, ZoneOffset.UTC);
        LocalDateTime hour = t.truncatedTo(ChronoUnit.HOURS);
        LocalDateTime day = t.truncatedTo(ChronoUnit.DAYS);
        List<Delta> out = new ArrayList<>();
        dims.forEach((dim, value) -> {
            String v = value.length() > 255 ? value.substring(0, 255) : value;
            if (dim.equals("user")) { // its own narrow table, see upsert()
                out.add(deltas.computeIfAbsent(new Key("u", dim, day, v), k -> new Delta()));
                return;
            }
            if (HOURLY_SET.contains(dim)) out.add(deltas.computeIfAbsent(new Key("h", dim, hour, v), k -> new Delta()));
            out.add(deltas.computeIfAbsent(new Key("d", dim, day, v), k -> new Delta()));
        });
        return out;
    }

    private static void addCall(Delta d, LlmCall c) {
        if (c.callType() == CallType.TOOL) {
            d.n[Delta.TOOL_CALLS]++;
            if (!c.success()) d.n[Delta.FAILED_TOOL_CALLS]++;
            d.add(Delta.TOOL_DURATION, money2(c.durationMs()));
            return;
        }
        if (c.callType() == CallType.AGENT) {
            d.n[Delta.AGENT_CALLS]++;
            return;
        }
        d.n[Delta.LLM_CALLS]++;
        if (!c.success()) d.n[Delta.FAILED_LLM_CALLS]++;
        d.n[Delta.INPUT] += nz(c.inputTokens());
        d.n[Delta.OUTPUT] += nz(c.outputTokens());
        d.n[Delta.CACHED] += nz(c.cachedInputTokens());
        d.n[Delta.REASONING] += nz(c.reasoningTokens());
        d.n[Delta.TOTAL] += c.totalTokens();
        if (c.priced() && c.costEstimate() != null) {
            d.add(Delta.COST, c.costEstimate());
            d.max(Delta.MAX_COST, c.costEstimate());
        } else {
            d.n[Delta.UNPRICED]++;
        }
        BigDecimal ms = money2(c.durationMs());
        d.add(Delta.LLM_DURATION, ms);
        d.max(Delta.MAX_DURATION, ms);
        d.n[Delta.LAT_0 + bucket(ms.doubleValue())]++; // the stored (rounded) value: 100.004 ms is 100.00, not above 100
        if (c.timeToFirstTokenMs() != null) {
            d.n[Delta.TTFT_SUM] += c.timeToFirstTokenMs();
            d.n[Delta.TTFT_COUNT]++;
            d.n[Delta.TTFT_0 + bucket(c.timeToFirstTokenMs())]++;
        }
    }

    /** Rounded as stored in DECIMAL(…,2) columns, so sums equal the raw rows' sums. */
    static BigDecimal money2(double ms) {
        return BigDecimal.valueOf(Math.round(ms * 100), 2);
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    private static long nz(Integer v) {
        return v == null ? 0 : v;
    }

    /**
     * The p-th percentile (0–100) of a histogram, linear within the bucket that holds it: exact to
     * the bucket's width. Null when the histogram is empty.
     */
    public static Double percentile(long[] counts, double p) {
        return percentile(counts, p, null);
    }

    /**
     * As {@link #percentile(long[], double)}, knowing the largest value counted ({@code maxMs}, null
     * or 0 when unknown): the bucket that holds it ends there, so fast calls are not reported at
     * their bucket's edge (3 ms calls read as 3 ms, not 25).
     */
    public static Double percentile(long[] counts, double p, Double maxMs) {
        long n = 0;
        for (long c : counts) n += c;
        if (n == 0) return null;
        double rank = p / 100.0 * n;
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] == 0) continue;
            if (seen + counts[i] >= rank) {
                double lo = i == 0 ? 0 : EDGES[i - 1];
                double hi = i < EDGES.length ? EDGES[i] : EDGES[EDGES.length - 1] * 2.0;
                if (maxMs != null && maxMs > 0 && bucket(maxMs) == i) hi = Math.max(lo, maxMs);
                double within = (rank - seen) / counts[i];
                return Math.round((lo + (hi - lo) * Math.max(0, Math.min(1, within))) * 100) / 100.0;
            }
            seen += counts[i];
        }
        return (double) EDGES[EDGES.length - 1];
    }
}
