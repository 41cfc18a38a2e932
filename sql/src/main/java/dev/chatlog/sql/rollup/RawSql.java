package dev.chatlog.sql.rollup;

import dev.chatlog.core.CallType;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The rollup figures computed by SQL from the raw rows, column for column as {@link Sums#addCall}
 * adds them: the readers use it where no rollup answers, the consistency check to audit the rollups.
 */
public final class RawSql {
    /** The model-call predicate ({@link CallType#isModelCall()} in SQL): chat, streaming chat and embedding rows. */
    public static final String MODEL_CALL = "call_type IN (" + Arrays.stream(CallType.values()).filter(CallType::isModelCall)
            .map(t -> "'" + t.dbValue() + "'").collect(Collectors.joining(", ")) + ")";

    /** The turn-total predicate ({@link CallType#countsInTurn()} in SQL): model calls other than an evaluator's. */
    public static final String TURN_CALL = "call_type IN (" + Arrays.stream(CallType.values()).filter(CallType::countsInTurn)
            .map(t -> "'" + t.dbValue() + "'").collect(Collectors.joining(", ")) + ")";

    /** The step predicate ({@link CallType#isStep()} in SQL): retrieval, guardrail and stage rows. */
    public static final String STEP_CALL = "call_type IN (" + Arrays.stream(CallType.values()).filter(CallType::isStep)
            .map(t -> "'" + t.dbValue() + "'").collect(Collectors.joining(", ")) + ")";

    /** The call columns of {@link Sums} over {@code chatbot_llm_calls} rows (all but the message columns). */
    public static final String CALL_COLUMNS = callColumns();

    /** The {@code tool} dimensions' columns over tool rows (durations in the latency histogram). */
    public static final String TOOL_COLUMNS = "COUNT(*) AS tool_calls, SUM(NOT success) AS failed_tool_calls, "
            + "SUM(duration_ms) AS tool_duration_ms, MAX(duration_ms) AS max_duration_ms"
            + histogram("call_type = 'tool'", "duration_ms", Sums.LATENCY_COLUMNS);

    /** The {@code step} dimension's columns over step rows (durations in the latency histogram). */
    public static final String STEP_COLUMNS = "COUNT(*) AS step_calls, SUM(NOT success) AS failed_step_calls, "
            + "SUM(duration_ms) AS step_duration_ms, MAX(duration_ms) AS max_duration_ms, "
            + "COALESCE(SUM(IF(priced, cost_estimate, 0)), 0) AS step_cost, " + cacheColumns()
            + histogram(STEP_CALL, "duration_ms", Sums.LATENCY_COLUMNS);

    /** The {@code intent} dimension's columns over {@code chatbot_conversation_messages} rows. */
    public static final String INTENT_COLUMNS = "COUNT(*) AS messages, SUM(NOT success) AS failed_messages, "
            + "SUM(response_time_ms) AS message_duration_ms, SUM(total_llm_calls) AS llm_calls, SUM(total_input_tokens) AS input_tokens, "
            + "SUM(total_output_tokens) AS output_tokens, SUM(total_tokens_used) AS total_tokens, SUM(total_cost) AS cost, "
            + "SUM(unpriced_calls) AS unpriced_calls, SUM(total_duration_ms) AS llm_duration_ms";

    /** The message columns over {@code chatbot_conversation_messages} rows. */
    public static final String MESSAGE_COLUMNS = "COUNT(*) AS messages, SUM(NOT success) AS failed_messages, "
            + "SUM(response_time_ms) AS message_duration_ms";

    private RawSql() {}

    private static String callColumns() {
        String mc = MODEL_CALL;
        StringBuilder sql = new StringBuilder()
                .append("SUM(").append(mc).append(") AS llm_calls")
                .append(", SUM(").append(mc).append(" AND NOT success) AS failed_llm_calls")
                .append(", SUM(call_type = 'tool') AS tool_calls, SUM(call_type = 'tool' AND NOT success) AS failed_tool_calls")
                .append(", SUM(call_type = 'agent') AS agent_calls")
                .append(", SUM(").append(STEP_CALL).append(") AS step_calls, SUM(").append(STEP_CALL).append(" AND NOT success) AS failed_step_calls")
                .append(", SUM(IF(").append(STEP_CALL).append(", duration_ms, 0)) AS step_duration_ms")
                .append(", COALESCE(SUM(IF(").append(STEP_CALL).append(" AND priced, cost_estimate, 0)), 0) AS step_cost, ").append(cacheColumns());
        for (Measure m : new Measure[] {Measure.INPUT_TOKENS, Measure.OUTPUT_TOKENS, Measure.CACHED_INPUT_TOKENS,
                Measure.REASONING_TOKENS, Measure.TOTAL_TOKENS}) {
            sql.append(", SUM(IF(").append(mc).append(", ").append(m.column()).append(", 0)) AS ").append(m.column());
        }
        sql.append(", COALESCE(SUM(IF(").append(mc).append(", cost_estimate, 0)), 0) AS cost")
                .append(", SUM(").append(mc).append(" AND NOT priced) AS unpriced_calls")
                .append(", SUM(IF(").append(mc).append(", duration_ms, 0)) AS llm_duration_ms")
                .append(", SUM(IF(call_type = 'tool', duration_ms, 0)) AS tool_duration_ms")
                .append(", SUM(IF(").append(mc).append(" AND time_to_first_token_ms IS NOT NULL, time_to_first_token_ms, 0)) AS ttft_ms_sum")
                .append(", SUM(").append(mc).append(" AND time_to_first_token_ms IS NOT NULL) AS ttft_count")
                .append(", MAX(IF(").append(mc).append(", duration_ms, NULL)) AS max_duration_ms");
        sql.append(histogram(mc, "duration_ms", Sums.LATENCY_COLUMNS));
        sql.append(histogram(mc, "time_to_first_token_ms", Sums.TTFT_COLUMNS));
        return sql.toString();
    }

    /**
     * The cache lookups' columns ({@code cache} rows, V20): hits and misses by {@code finish_reason}, and what the hits
     * saved from their metadata, rounded as {@link Sums} adds them.
     */
    private static String cacheColumns() {
        String hit = "call_type = 'cache' AND BINARY finish_reason = 'hit'";
        return "COALESCE(SUM(" + hit + "), 0) AS cache_hits, "
                + "COALESCE(SUM(call_type = 'cache' AND BINARY finish_reason = 'miss'), 0) AS cache_misses, "
                + "COALESCE(SUM(IF(" + hit + ", " + savedDecimal("saved_ms", 2) + ", 0)), 0) AS cache_saved_ms, "
                + "COALESCE(SUM(IF(" + hit + ", " + savedDecimal("saved_cost", 10) + ", 0)), 0) AS cache_saved_cost";
    }

    /**
     * A hit's saving as the enricher stores it (a decimal string of {@code scale} places; JSON_EXTRACT, not JSON_VALUE:
     * MySQL 8.0 before 8.0.21 has no JSON_VALUE). Anything not a JSON string counts 0, as in {@link Sums}.
     */
    private static String savedDecimal(String key, int scale) {
        String path = "JSON_EXTRACT(metadata, '$." + key + "')";
        return "IF(JSON_TYPE(" + path + ") = 'STRING', CAST(JSON_UNQUOTE(" + path + ") AS DECIMAL(30," + scale + ")), 0)";
    }

    /** {@code , SUM(rows in bucket i) AS name_i} for every bucket of the histogram. */
    private static String histogram(String rows, String column, String[] names) {
        StringBuilder sql = new StringBuilder();
        for (int i = 0; i < Histogram.BUCKETS; i++) {
            sql.append(", SUM(").append(rows).append(" AND ").append(column).append(" IS NOT NULL");
            if (i > 0) sql.append(" AND ").append(column).append(" > ").append(Histogram.lowerBound(i));
            if (Histogram.upperBound(i) != null) sql.append(" AND ").append(column).append(" <= ").append(Histogram.upperBound(i));
            sql.append(") AS ").append(names[i]);
        }
        return sql.toString();
    }
}
