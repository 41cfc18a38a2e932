package dev.chatlog.sql.rollup;

import java.util.Locale;

/**
 * A summed figure of the rollup tables (besides the two histograms): a count, an exact decimal
 * amount, or a maximum kept with {@code GREATEST}. The column of each is its name in lower case.
 */
public enum Measure {
    MESSAGES(Kind.COUNT), FAILED_MESSAGES(Kind.COUNT), MESSAGE_DURATION_MS(Kind.AMOUNT),
    LLM_CALLS(Kind.COUNT), FAILED_LLM_CALLS(Kind.COUNT), TOOL_CALLS(Kind.COUNT), FAILED_TOOL_CALLS(Kind.COUNT),
    AGENT_CALLS(Kind.COUNT), INPUT_TOKENS(Kind.COUNT), OUTPUT_TOKENS(Kind.COUNT), CACHED_INPUT_TOKENS(Kind.COUNT),
    REASONING_TOKENS(Kind.COUNT), TOTAL_TOKENS(Kind.COUNT), COST(Kind.AMOUNT), UNPRICED_CALLS(Kind.COUNT),
    LLM_DURATION_MS(Kind.AMOUNT), TOOL_DURATION_MS(Kind.AMOUNT), TTFT_MS_SUM(Kind.COUNT), TTFT_COUNT(Kind.COUNT),
    /** The slowest model call (tool rows: tool execution) of the bucket. */
    MAX_DURATION_MS(Kind.MAX),
    /** The most expensive priced model call of the bucket. */
    MAX_COST(Kind.MAX),
    /** The most tokens of one model call of the bucket (V15 on). */
    MAX_TOTAL_TOKENS(Kind.MAX),
    /** The slowest first token of a streamed model call of the bucket (V15 on). */
    MAX_TTFT_MS(Kind.MAX),
    /** Steps other than tools ({@link dev.chatlog.core.CallType#isStep()}: retrievals, guardrails, stages), V18 on. */
    STEP_CALLS(Kind.COUNT), FAILED_STEP_CALLS(Kind.COUNT), STEP_DURATION_MS(Kind.AMOUNT),
    /** Cache lookups ({@code cache} rows), V20 on: hits, misses, and what the hits saved (time, and cost where known). */
    CACHE_HITS(Kind.COUNT), CACHE_MISSES(Kind.COUNT), CACHE_SAVED_MS(Kind.AMOUNT), CACHE_SAVED_COST(Kind.AMOUNT),
    /** What priced steps cost ({@code service} rows with the application's cost), V21 on; model calls' cost is {@link #COST}. */
    STEP_COST(Kind.AMOUNT);

    public enum Kind { COUNT, AMOUNT, MAX }

    private final Kind kind;
    private final String column;

    Measure(Kind kind) {
        this.kind = kind;
        this.column = name().toLowerCase(Locale.ROOT);
    }

    public Kind kind() {
        return kind;
    }

    /** Whether its values are decimals (amounts and maxima) rather than whole counts. */
    public boolean decimal() {
        return kind != Kind.COUNT;
    }

    public String column() {
        return column;
    }
}
