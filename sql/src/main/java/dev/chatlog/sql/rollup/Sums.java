package dev.chatlog.sql.rollup;

import dev.chatlog.core.CallType;
import dev.chatlog.core.LlmCall;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jdbi.v3.core.statement.Query;

/**
 * The rollup figures of one group: every {@link Measure} and the latency and time-to-first-token
 * histograms, summed (maxima kept). What the writer adds per call ({@link #addCall}) is what a read
 * of the rows sums, so the two agree to the cent and the millisecond.
 */
public final class Sums {
    private static final Measure[] MEASURES = Measure.values();

    private final long[] counts = new long[MEASURES.length];
    private final BigDecimal[] amounts = new BigDecimal[MEASURES.length];
    private final long[] latency = new long[Histogram.BUCKETS];
    private final long[] ttft = new long[Histogram.BUCKETS];

    /** The columns a read sums: some measures, and both histograms (with the largest duration) or none. */
    public record Columns(Set<Measure> measures, boolean histograms) {
        public static final Columns ALL = new Columns(summed(EnumSet.allOf(Measure.class)), true);
        public static final Columns MESSAGES = of(false, Measure.MESSAGES, Measure.FAILED_MESSAGES);
        public static final Columns COST = of(false, Measure.MESSAGES, Measure.LLM_CALLS, Measure.FAILED_LLM_CALLS,
                Measure.INPUT_TOKENS, Measure.OUTPUT_TOKENS, Measure.TOTAL_TOKENS, Measure.COST, Measure.UNPRICED_CALLS);
        /** The {@code intent} dimension's: messages of each intent, with the model calls counted in their totals. */
        public static final Columns INTENT = of(false, Measure.MESSAGES, Measure.FAILED_MESSAGES, Measure.MESSAGE_DURATION_MS,
                Measure.LLM_CALLS, Measure.INPUT_TOKENS, Measure.OUTPUT_TOKENS, Measure.TOTAL_TOKENS, Measure.COST,
                Measure.UNPRICED_CALLS, Measure.LLM_DURATION_MS);
        /** Those of {@code chatbot_user_daily}, the narrow per-user daily table (no histograms, no maxima). */
        public static final Columns USER = of(false, Measure.MESSAGES, Measure.FAILED_MESSAGES, Measure.MESSAGE_DURATION_MS,
                Measure.LLM_CALLS, Measure.FAILED_LLM_CALLS, Measure.TOOL_CALLS, Measure.FAILED_TOOL_CALLS, Measure.INPUT_TOKENS,
                Measure.OUTPUT_TOKENS, Measure.TOTAL_TOKENS, Measure.COST, Measure.UNPRICED_CALLS, Measure.LLM_DURATION_MS);

        public Columns {
            measures = Set.copyOf(measures);
        }

        public static Columns of(boolean histograms, Measure... measures) {
            return new Columns(Set.of(measures), histograms);
        }

        private static Set<Measure> summed(Set<Measure> all) {
            all.removeIf(m -> m.kind() == Measure.Kind.MAX);
            return all;
        }

        /** The summed column names, in table order: measures, then {@code lat_NN}, then {@code ttft_NN}. */
        public List<String> names() {
            List<String> out = new ArrayList<>();
            for (Measure m : MEASURES) if (measures.contains(m)) out.add(m.column());
            if (histograms) {
                out.addAll(List.of(LATENCY_COLUMNS));
                out.addAll(List.of(TTFT_COLUMNS));
            }
            return out;
        }

        /** These columns as {@code SUM(c) AS c} (and the largest duration with the histograms), keeping only {@code within}. */
        public String sumSql(Columns within) {
            StringBuilder sql = new StringBuilder();
            Set<String> allowed = new HashSet<>(within.names());
            for (String c : names()) if (allowed.contains(c)) sql.append(", SUM(").append(c).append(") AS ").append(c);
            if (histograms && within.histograms()) sql.append(", MAX(max_duration_ms) AS max_duration_ms"); // percentiles end there
            return sql.toString();
        }
    }

    /** {@code lat_00} ... : the latency histogram's columns, in bucket order. */
    public static final String[] LATENCY_COLUMNS = names("lat");
    /** {@code ttft_00} ... : the time-to-first-token histogram's columns, in bucket order. */
    public static final String[] TTFT_COLUMNS = names("ttft");

    private static String[] names(String prefix) {
        String[] n = new String[Histogram.BUCKETS];
        for (int i = 0; i < n.length; i++) n[i] = String.format("%s_%02d", prefix, i);
        return n;
    }

    public long count(Measure m) {
        return counts[m.ordinal()];
    }

    /** An amount or maximum; zero when nothing was added. */
    public BigDecimal amount(Measure m) {
        BigDecimal v = amounts[m.ordinal()];
        return v == null ? BigDecimal.ZERO : v;
    }

    public long[] latency() {
        return latency.clone();
    }

    public long[] ttft() {
        return ttft.clone();
    }

    public long latency(int bucket) {
        return latency[bucket];
    }

    public long ttft(int bucket) {
        return ttft[bucket];
    }

    public Sums add(Measure m, long n) {
        counts[m.ordinal()] += n;
        return this;
    }

    public Sums add(Measure m, BigDecimal x) {
        int i = m.ordinal();
        if (x == null) return this;
        amounts[i] = amounts[i] == null ? x : m.kind() == Measure.Kind.MAX ? amounts[i].max(x) : amounts[i].add(x);
        return this;
    }

    /** Takes the message figures (messages, failures, their duration) of {@code messages} in place of these. */
    public Sums withMessagesOf(Sums messages) {
        for (Measure m : new Measure[] {Measure.MESSAGES, Measure.FAILED_MESSAGES}) counts[m.ordinal()] = messages.count(m);
        amounts[Measure.MESSAGE_DURATION_MS.ordinal()] = messages.amounts[Measure.MESSAGE_DURATION_MS.ordinal()];
        return this;
    }

    /** Adds another group's figures to these (maxima: the larger). */
    public Sums plus(Sums o) {
        for (int i = 0; i < counts.length; i++) counts[i] += o.counts[i];
        for (Measure m : MEASURES) add(m, o.amounts[m.ordinal()]);
        for (int i = 0; i < latency.length; i++) {
            latency[i] += o.latency[i];
            ttft[i] += o.ttft[i];
        }
        return this;
    }

    /** These figures with the opposite sign (an erasure takes them out); maxima are left out: they are recomputed. */
    public Sums negated() {
        Sums out = new Sums();
        for (int i = 0; i < counts.length; i++) out.counts[i] = -counts[i];
        for (Measure m : MEASURES) {
            BigDecimal v = amounts[m.ordinal()];
            if (v != null && m.kind() != Measure.Kind.MAX) out.amounts[m.ordinal()] = v.negate();
        }
        for (int i = 0; i < latency.length; i++) {
            out.latency[i] = -latency[i];
            out.ttft[i] = -ttft[i];
        }
        return out;
    }

    /** The figures of all {@code groups} together. */
    public static Sums total(Collection<Sums> groups) {
        Sums out = new Sums();
        for (Sums s : groups) out.plus(s);
        return out;
    }

    /** What one stored call adds to a group it belongs to (tool, step and agent rows count as such, with no model figures). */
    public void addCall(LlmCall c) {
        if (c.callType().isStep()) {
            add(Measure.STEP_CALLS, 1).add(Measure.FAILED_STEP_CALLS, c.success() ? 0 : 1);
            add(Measure.STEP_DURATION_MS, stored(c.durationMs()));
            if (c.priced() && c.costEstimate() != null) add(Measure.STEP_COST, c.costEstimate());
            if (c.callType() == CallType.CACHE) addLookup(c);
            return;
        }
        if (c.callType() == CallType.TOOL) {
            add(Measure.TOOL_CALLS, 1).add(Measure.FAILED_TOOL_CALLS, c.success() ? 0 : 1);
            add(Measure.TOOL_DURATION_MS, stored(c.durationMs()));
            return;
        }
        if (c.callType() == CallType.AGENT) {
            add(Measure.AGENT_CALLS, 1);
            return;
        }
        add(Measure.LLM_CALLS, 1).add(Measure.FAILED_LLM_CALLS, c.success() ? 0 : 1);
        add(Measure.INPUT_TOKENS, nz(c.inputTokens())).add(Measure.OUTPUT_TOKENS, nz(c.outputTokens()));
        add(Measure.CACHED_INPUT_TOKENS, nz(c.cachedInputTokens())).add(Measure.REASONING_TOKENS, nz(c.reasoningTokens()));
        add(Measure.TOTAL_TOKENS, c.totalTokens()).add(Measure.MAX_TOTAL_TOKENS, BigDecimal.valueOf(c.totalTokens()));
        if (c.priced() && c.costEstimate() != null) {
            add(Measure.COST, c.costEstimate()).add(Measure.MAX_COST, c.costEstimate());
        } else {
            add(Measure.UNPRICED_CALLS, 1);
        }
        BigDecimal ms = stored(c.durationMs());
        add(Measure.LLM_DURATION_MS, ms).add(Measure.MAX_DURATION_MS, ms);
        latency[Histogram.bucket(ms.doubleValue())]++; // the stored (rounded) value: 100.004 ms is 100.00, not above 100
        if (c.timeToFirstTokenMs() != null) {
            add(Measure.TTFT_MS_SUM, c.timeToFirstTokenMs()).add(Measure.TTFT_COUNT, 1)
                    .add(Measure.MAX_TTFT_MS, BigDecimal.valueOf(c.timeToFirstTokenMs()));
            ttft[Histogram.bucket(c.timeToFirstTokenMs())]++;
        }
    }

    /**
     * A cache lookup as stored (the logger's enricher keeps {@code finish_reason} {@code hit} or {@code miss}, and a
     * hit's savings as decimal strings of scale 2 and 10): a hit or a miss, and what a hit saved.
     */
    private void addLookup(LlmCall c) {
        boolean hit = "hit".equals(c.finishReason());
        if (!hit && !"miss".equals(c.finishReason())) return;
        add(hit ? Measure.CACHE_HITS : Measure.CACHE_MISSES, 1);
        if (!hit) return;
        BigDecimal ms = decimal(c.metadata().get(dev.chatlog.core.cache.CacheLookup.SAVED_MS));
        BigDecimal cost = decimal(c.metadata().get(dev.chatlog.core.cache.CacheLookup.SAVED_COST));
        if (ms != null) add(Measure.CACHE_SAVED_MS, ms);
        if (cost != null) add(Measure.CACHE_SAVED_COST, cost);
    }

    private static BigDecimal decimal(Object v) {
        if (!(v instanceof String)) return null; // stored as strings; anything else was not written by chatlog
        try {
            return new BigDecimal(v.toString());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** A tool execution's or a step's duration in the latency histogram and the maximum, as the tool and step dimensions keep them. */
    public void addTiming(LlmCall c) {
        BigDecimal ms = stored(c.durationMs());
        latency[Histogram.bucket(ms.doubleValue())]++; // the stored (rounded) value, as the readers see it
        add(Measure.MAX_DURATION_MS, ms);
    }

    /** A duration rounded as stored in the DECIMAL(…,2) columns, so sums equal the rows' sums. */
    public static BigDecimal stored(double ms) {
        return BigDecimal.valueOf(Math.round(ms * 100), 2);
    }

    /**
     * Every row of {@code q} as sums keyed by its {@code k} column (null read as ''); the columns the
     * result has (any measure or histogram column) are read, the others stay zero.
     */
    public static Map<String, Sums> collect(Query q) {
        Map<String, Sums> out = new LinkedHashMap<>();
        List<Measure> measures = new ArrayList<>();
        boolean[] hist = new boolean[2];
        boolean[] first = {true};
        q.map((rs, ctx) -> {
            if (first[0]) { // once per result, not per row
                first[0] = false;
                Set<String> labels = new HashSet<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) labels.add(rs.getMetaData().getColumnLabel(i));
                for (Measure m : MEASURES) if (labels.contains(m.column())) measures.add(m);
                hist[0] = labels.contains(LATENCY_COLUMNS[0]);
                hist[1] = labels.contains(TTFT_COLUMNS[0]);
            }
            String k = rs.getString("k");
            out.put(k == null ? "" : k, read(rs, measures, hist[0], hist[1]));
            return 0;
        }).list();
        return out;
    }

    private static Sums read(ResultSet rs, List<Measure> measures, boolean lat, boolean ttft) throws SQLException {
        Sums s = new Sums();
        for (Measure m : measures) {
            BigDecimal v = rs.getBigDecimal(m.column());
            if (v == null) continue;
            if (m.decimal()) s.amounts[m.ordinal()] = v;
            else s.counts[m.ordinal()] = v.longValue();
        }
        for (int i = 0; i < Histogram.BUCKETS; i++) {
            if (lat) s.latency[i] = rs.getLong(LATENCY_COLUMNS[i]);
            if (ttft) s.ttft[i] = rs.getLong(TTFT_COLUMNS[i]);
        }
        return s;
    }

    private static long nz(Integer v) {
        return v == null ? 0 : v;
    }
}
