package dev.chatlog.alerts;

import dev.chatlog.sql.Utc;

import dev.chatlog.sql.rollup.Dimension;
import dev.chatlog.sql.rollup.Histogram;
import dev.chatlog.sql.rollup.Measure;
import dev.chatlog.sql.rollup.Sums;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/**
 * The figures of the call rules (slow calls, token usage, failure rate, cost spike) per subject,
 * read from the minute rollups: one indexed range of at most a window's (and a baseline's) minutes
 * per rule, whatever the number of calls stored.
 */
public final class AlertEvaluator {
    /** A subject's figure over the window: {@code value} null when there is none (no calls, no baseline). */
    /**
     * What a rule kept elsewhere observed, and as of when: the {@code insights} rule's findings of a report computed at
     * {@code asOf}. A subject in a state since before {@code asOf} and missing from it is resolved; one that changed state
     * after it is left as it is (the report is older than what changed it).
     */
    public record Snapshot(List<Observation> observations, Instant asOf) {
        public Snapshot {
            observations = List.copyOf(observations);
        }
    }

    public record Observation(String subject, BigDecimal value, long calls, Map<String, Object> figures, AlertState state) {
        public Observation(String subject, BigDecimal value, long calls, Map<String, Object> figures) {
            this(subject, value, calls, figures, null);
        }

        /** The state this puts the subject in under {@code r}: its own when it has one, else from its value and calls. */
        public AlertState stateUnder(AlertRule r) {
            if (state != null) return state;
            if (r.countsCalls() && calls < r.minCalls()) return AlertState.OK;
            return r.stateOf(value);
        }
    }

    /**
     * The minute buckets a window of {@code length} ending at {@code now} reads: every minute that
     * overlaps {@code [now - length, now]}, so a call stays in view for at least the whole window
     * (at most a minute longer) and a condition that holds does not flicker at minute boundaries.
     */
    public record Window(Instant from, Instant to) {
        public static Window ending(Instant now, java.time.Duration length) {
            return new Window(now.minus(length).truncatedTo(ChronoUnit.MINUTES), now.truncatedTo(ChronoUnit.MINUTES).plus(1, ChronoUnit.MINUTES));
        }
    }

    private static final String COLUMNS = "SUM(llm_calls) AS llm_calls, SUM(failed_llm_calls) AS failed_llm_calls, "
            + "SUM(tool_calls) AS tool_calls, SUM(failed_tool_calls) AS failed_tool_calls, SUM(input_tokens) AS input_tokens, "
            + "SUM(step_calls) AS step_calls, SUM(failed_step_calls) AS failed_step_calls, SUM(step_duration_ms) AS step_duration_ms, "
            + "SUM(cache_hits) AS cache_hits, SUM(cache_misses) AS cache_misses, "
            + "SUM(output_tokens) AS output_tokens, SUM(total_tokens) AS total_tokens, SUM(cost) AS cost, "
            + "SUM(unpriced_calls) AS unpriced_calls, SUM(llm_duration_ms) AS llm_duration_ms, SUM(tool_duration_ms) AS tool_duration_ms, "
            + "SUM(ttft_ms_sum) AS ttft_ms_sum, SUM(ttft_count) AS ttft_count, MAX(max_duration_ms) AS max_duration_ms, "
            + "MAX(max_total_tokens) AS max_total_tokens, MAX(max_ttft_ms) AS max_ttft_ms, MAX(max_cost) AS max_cost"
            + sums(Sums.LATENCY_COLUMNS) + sums(Sums.TTFT_COLUMNS);

    private final Jdbi jdbi;

    public AlertEvaluator(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** The dimension a rule's {@code by} names. */
    public static Dimension dimension(AlertRule r) {
        return switch (r.by()) {
            case "model" -> Dimension.MODEL;
            case "function" -> Dimension.FUNCTION;
            case "tool" -> Dimension.TOOL;
            case "step", "cache" -> Dimension.STEP; // a cache is the step "cache:<name>"
            default -> Dimension.ALL;
        };
    }

    /** The rule's figure for every subject with rollup rows in its window (or its baseline). */
    public List<Observation> observe(AlertRule r, Instant now) {
        Window w = Window.ending(now, r.window());
        if (r.kind() == AlertKind.ERROR_CATEGORY) return errors(r, now);
        Map<String, Sums> current = read(r, w);
        List<Observation> out = new ArrayList<>();
        if (r.kind() == AlertKind.COST_SPIKE) {
            Map<String, Sums> base = read(r, new Window(w.from().minus(r.baseline()), w.from()));
            java.util.Set<String> subjects = new java.util.LinkedHashSet<>(current.keySet());
            subjects.addAll(base.keySet());
            for (String s : subjects) {
                Sums now_ = current.getOrDefault(s, new Sums());
                Sums b = base.getOrDefault(s, new Sums());
                long calls = now_.count(Measure.LLM_CALLS);
                long baseCalls = b.count(Measure.LLM_CALLS);
                BigDecimal cost = now_.amount(Measure.COST);
                // the average cost, in the baseline, of a stretch as long as the one read (its first minute to now)
                long readMillis = Math.max(1, java.time.Duration.between(w.from(), now).toMillis());
                BigDecimal perWindow = b.amount(Measure.COST).multiply(BigDecimal.valueOf(readMillis))
                        .divide(BigDecimal.valueOf(r.baseline().toMillis()), 10, RoundingMode.HALF_UP);
                BigDecimal value = baseCalls < r.minCalls() || perWindow.signum() == 0 ? null
                        : cost.divide(perWindow, 4, RoundingMode.HALF_UP);
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("cost_usd", cost.stripTrailingZeros().toPlainString());
                f.put("baseline_cost_per_window_usd", perWindow.stripTrailingZeros().toPlainString());
                f.put("baseline_calls", baseCalls);
                f.put("baseline", AlertRule.show(r.baseline()));
                out.add(new Observation(s, value, calls, f));
            }
            return out;
        }
        for (Map.Entry<String, Sums> e : current.entrySet()) {
            Sums s = e.getValue();
            out.add(observation(r, e.getKey(), s));
        }
        return out;
    }

    /**
     * Failed rows per error category in exactly the last {@code window}, from the failed rows themselves (the
     * {@code (success, started_at)} index: failures are few); a category with none in the window is absent, which
     * resolves an open alert on it. Agent rows are left out: an agent fails with its failed call's exception, and one
     * failure would count twice.
     */
    private List<Observation> errors(AlertRule r, Instant now) {
        String only = r.match() == null ? "" : " AND COALESCE(error_category, 'other') = :c";
        return jdbi.withHandle(h -> {
            var q = h.createQuery("SELECT COALESCE(error_category, 'other') c, COUNT(*) n, COUNT(DISTINCT conversation_id) convs FROM chatbot_llm_calls "
                    + "WHERE success = 0 AND started_at >= :from AND started_at <= :to AND call_type <> 'agent'" + only
                    + " GROUP BY COALESCE(error_category, 'other')")
                    .bind("from", Utc.time(now.minus(r.window()))).bind("to", Utc.time(now));
            if (r.match() != null) q.bind("c", r.match());
            return q.map((rs, ctx) -> {
                String category = rs.getString("c");
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("failed", rs.getLong("n"));
                f.put("conversations", rs.getLong("convs"));
                f.put("suggestion", dev.chatlog.core.error.ErrorCategory.fromDb(category).suggestion());
                return new Observation(category, BigDecimal.valueOf(rs.getLong("n")), rs.getLong("n"), f);
            }).list();
        });
    }

    private static Observation observation(AlertRule r, String subject, Sums s) {
        boolean tool = r.by().equals("tool");
        boolean step = r.by().equals("step"); // a stage, a retrieval, a guardrail, a cache lookup: kind:name
        Map<String, Object> f = new LinkedHashMap<>();
        long calls = s.count(tool ? Measure.TOOL_CALLS : step ? Measure.STEP_CALLS : Measure.LLM_CALLS);
        BigDecimal value = null;
        switch (r.kind()) {
            case SLOW_CALLS -> {
                boolean ttft = r.metric().equals("ttft");
                long n = ttft ? s.count(Measure.TTFT_COUNT) : calls;
                BigDecimal max = s.amount(ttft ? Measure.MAX_TTFT_MS : Measure.MAX_DURATION_MS);
                if (n > 0) {
                    value = switch (r.stat()) {
                        case "max" -> max;
                        case "avg" -> (ttft ? BigDecimal.valueOf(s.count(Measure.TTFT_MS_SUM))
                                : s.amount(tool ? Measure.TOOL_DURATION_MS : step ? Measure.STEP_DURATION_MS : Measure.LLM_DURATION_MS))
                                .divide(BigDecimal.valueOf(n), 2, RoundingMode.HALF_UP);
                        default -> {
                            Double p = Histogram.percentile(ttft ? s.ttft() : s.latency(), Double.parseDouble(r.stat().substring(1)),
                                    max.doubleValue());
                            yield p == null ? null : BigDecimal.valueOf(p);
                        }
                    };
                }
                calls = n;
                f.put("slowest_ms", max.stripTrailingZeros().toPlainString());
            }
            case TOKEN_USAGE -> {
                if (calls > 0) {
                    value = r.stat().equals("max") ? s.amount(Measure.MAX_TOTAL_TOKENS)
                            : BigDecimal.valueOf(s.count(switch (r.metric()) {
                                case "input" -> Measure.INPUT_TOKENS;
                                case "output" -> Measure.OUTPUT_TOKENS;
                                default -> Measure.TOTAL_TOKENS;
                            })).divide(BigDecimal.valueOf(calls), 2, RoundingMode.HALF_UP);
                }
                f.put("tokens", s.count(Measure.TOTAL_TOKENS));
            }
            case CACHE_MISS_RATE -> {
                long misses = s.count(Measure.CACHE_MISSES);
                calls = s.count(Measure.CACHE_HITS) + misses;
                if (calls > 0) value = BigDecimal.valueOf(misses).divide(BigDecimal.valueOf(calls), 4, RoundingMode.HALF_UP);
                f.put("misses", misses);
                f.put("lookups", calls);
            }
            case FAILURE_RATE -> {
                long failed = s.count(tool ? Measure.FAILED_TOOL_CALLS : step ? Measure.FAILED_STEP_CALLS : Measure.FAILED_LLM_CALLS);
                if (calls > 0) value = BigDecimal.valueOf(failed).divide(BigDecimal.valueOf(calls), 4, RoundingMode.HALF_UP);
                f.put("failed", failed);
            }
            default -> throw new IllegalArgumentException(r.kind() + " is not read from the rollups");
        }
        f.put("cost_usd", s.amount(Measure.COST).stripTrailingZeros().toPlainString());
        return new Observation(subject, value == null ? null : value.stripTrailingZeros(), calls, f);
    }

    private Map<String, Sums> read(AlertRule r, Window w) {
        Dimension d = dimension(r);
        boolean cache = r.kind() == AlertKind.CACHE_MISS_RATE; // the step rows "cache:<name>", subjects by cache name
        String sql = "SELECT dim_value AS k, " + COLUMNS + " FROM chatbot_usage_rollup WHERE granularity = 'm' AND dimension = :d"
                + " AND bucket_start >= :from AND bucket_start < :to" + (r.match() == null ? cache ? " AND dim_value LIKE :prefix" : ""
                : " AND dim_value = :v") + " GROUP BY dim_value";
        Map<String, Sums> read = jdbi.withHandle(h -> {
            var q = h.createQuery(sql).bind("d", d.rollupName()).bind("from", Utc.time(w.from()))
                    .bind("to", Utc.time(w.to()));
            if (r.match() == null && cache) q.bind("prefix", dev.chatlog.sql.rollup.StepKey.of(dev.chatlog.core.CallType.CACHE, null) + "%");
            if (r.match() != null) q.bind("v", cache ? dev.chatlog.sql.rollup.StepKey.of(dev.chatlog.core.CallType.CACHE, r.match()) : r.match());
            return Sums.collect(q);
        });
        if (!cache) return read;
        Map<String, Sums> byCache = new LinkedHashMap<>();
        read.forEach((k, s) -> {
            String name = dev.chatlog.sql.rollup.StepKey.nameIf(dev.chatlog.core.CallType.CACHE, k);
            if (name != null) byCache.put(name, s);
        });
        return byCache;
    }


    private static String sums(String[] cols) {
        StringBuilder sb = new StringBuilder();
        for (String c : cols) sb.append(", SUM(").append(c).append(") AS ").append(c);
        return sb.toString();
    }
}
