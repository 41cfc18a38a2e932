package dev.chatlog.sql.report;

import dev.chatlog.sql.query.Rows;
import dev.chatlog.sql.rollup.Histogram;
import dev.chatlog.sql.rollup.Measure;
import dev.chatlog.sql.rollup.Sums;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The documented figures of one group, derived from its {@link Sums}: counts, exact cost, averages,
 * rates and histogram percentiles. Rates and averages are null where their denominator is zero.
 * {@link #toMap()} and {@link #callTotals()} are the two views the routes show, each name defined here once.
 */
public record Figures(long requests, long failedRequests, long llmCalls, long failedLlmCalls, long toolCalls,
                      long failedToolCalls, long agentRuns, long inputTokens, long outputTokens, long cachedInputTokens,
                      long reasoningTokens, long totalTokens, BigDecimal cost, long unpricedCalls, BigDecimal llmDurationMs,
                      Double avgLlmLatencyMs, Double avgDurationPerRequestMs, Double avgTokensPerRequest,
                      BigDecimal avgCostPerRequest, BigDecimal costPer1kTokens, Double successRate, Double errorRate,
                      Latency latency) {

    /** Model-call latency percentiles (exact to the bucket width) and time to first token. */
    public record Latency(Double p50Ms, Double p95Ms, Double p99Ms, Double ttftAvgMs, Double ttftP50Ms, Double ttftP95Ms,
                          Double ttftP99Ms) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("p50_ms", p50Ms);
            m.put("p95_ms", p95Ms);
            m.put("p99_ms", p99Ms);
            m.put("ttft_avg_ms", ttftAvgMs);
            m.put("ttft_p50_ms", ttftP50Ms);
            m.put("ttft_p95_ms", ttftP95Ms);
            m.put("ttft_p99_ms", ttftP99Ms);
            return m;
        }
    }

    public static Figures of(Sums s) {
        long requests = s.count(Measure.MESSAGES);
        long calls = s.count(Measure.LLM_CALLS);
        long failed = s.count(Measure.FAILED_LLM_CALLS);
        long tokens = s.count(Measure.TOTAL_TOKENS);
        BigDecimal cost = s.amount(Measure.COST);
        Double max = s.amount(Measure.MAX_DURATION_MS).signum() > 0 ? s.amount(Measure.MAX_DURATION_MS).doubleValue() : null;
        long[] lat = s.latency();
        long[] ttft = s.ttft();
        Latency latency = new Latency(Histogram.percentile(lat, 50, max), Histogram.percentile(lat, 95, max),
                Histogram.percentile(lat, 99, max), ratio(s.count(Measure.TTFT_MS_SUM), s.count(Measure.TTFT_COUNT)),
                Histogram.percentile(ttft, 50), Histogram.percentile(ttft, 95), Histogram.percentile(ttft, 99));
        return new Figures(requests, s.count(Measure.FAILED_MESSAGES), calls, failed, s.count(Measure.TOOL_CALLS),
                s.count(Measure.FAILED_TOOL_CALLS), s.count(Measure.AGENT_CALLS), s.count(Measure.INPUT_TOKENS),
                s.count(Measure.OUTPUT_TOKENS), s.count(Measure.CACHED_INPUT_TOKENS), s.count(Measure.REASONING_TOKENS), tokens,
                Rows.plain(cost), s.count(Measure.UNPRICED_CALLS), Rows.plain(s.amount(Measure.LLM_DURATION_MS)),
                ratio(s.amount(Measure.LLM_DURATION_MS).doubleValue(), calls),
                ratio(s.amount(Measure.MESSAGE_DURATION_MS).doubleValue(), requests), ratio(tokens, requests),
                requests == 0 ? null : Rows.plain(cost.divide(BigDecimal.valueOf(requests), 10, RoundingMode.HALF_UP)),
                per1k(cost, tokens), calls == 0 ? null : ratio(100.0 * (calls - failed), calls),
                calls == 0 ? null : ratio(100.0 * failed, calls), latency);
    }

    /** Cost per 1,000 tokens, or null without tokens. */
    static BigDecimal per1k(BigDecimal cost, long tokens) {
        return tokens == 0 ? null
                : Rows.plain(cost.multiply(BigDecimal.valueOf(1000)).divide(BigDecimal.valueOf(tokens), 10, RoundingMode.HALF_UP));
    }

    /** {@code a / b} to two decimals, or null when {@code b} is 0. */
    static Double ratio(double a, double b) {
        if (b == 0) return null;
        return BigDecimal.valueOf(a / b).setScale(2, RoundingMode.HALF_UP).doubleValue();
    }

    /** Every figure, as the statistics routes name them. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("requests", requests);
        m.put("failed_requests", failedRequests);
        m.put("llm_calls", llmCalls);
        m.put("failed_llm_calls", failedLlmCalls);
        m.put("tool_calls", toolCalls);
        m.put("failed_tool_calls", failedToolCalls);
        m.put("agent_runs", agentRuns);
        m.put("input_tokens", inputTokens);
        m.put("output_tokens", outputTokens);
        m.put("cached_input_tokens", cachedInputTokens);
        m.put("reasoning_tokens", reasoningTokens);
        m.put("total_tokens", totalTokens);
        m.put("cost", cost);
        m.put("unpriced_calls", unpricedCalls);
        m.put("llm_duration_ms", llmDurationMs);
        m.put("avg_llm_latency_ms", avgLlmLatencyMs);
        m.put("avg_duration_per_request_ms", avgDurationPerRequestMs);
        m.put("avg_tokens_per_request", avgTokensPerRequest);
        m.put("avg_cost_per_request", avgCostPerRequest);
        m.put("cost_per_1k_tokens", costPer1kTokens);
        m.put("success_rate", successRate);
        m.put("error_rate", errorRate);
        m.put("latency", latency.toMap());
        return m;
    }

    /** The model-call figures as the dashboard routes (overview, call analysis) name them. */
    public Map<String, Object> callTotals() {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("llm_calls", llmCalls);
        t.put("input_tokens", inputTokens);
        t.put("output_tokens", outputTokens);
        t.put("cached_input_tokens", cachedInputTokens);
        t.put("total_tokens", totalTokens);
        t.put("cost", cost);
        t.put("unpriced_calls", unpricedCalls);
        t.put("failed_calls", failedLlmCalls);
        t.put("avg_latency_ms", avgLlmLatencyMs == null ? (Object) 0 : avgLlmLatencyMs);
        t.put("success_rate", successRate);
        t.put("p50_latency_ms", latency.p50Ms());
        t.put("p95_latency_ms", latency.p95Ms());
        t.put("p99_latency_ms", latency.p99Ms());
        t.put("error_rate", errorRate);
        return t;
    }
}
