package dev.chatlog.sql.rollup;

import dev.chatlog.core.CallType;
import dev.chatlog.core.LlmCall;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * What figures are grouped by: a call attribute, a pair of them, or a time bucket. Each knows its
 * rollup name ({@code dimension} column of {@code chatbot_usage_rollup}), its raw column, the SQL
 * expression that groups raw rows like the rollups do, and a call's key in it.
 */
public enum Dimension {
    /** Everything in one group, keyed ''. */
    ALL(null, c -> ""),
    /** Model calls by model (tool and agent rows have none). */
    MODEL("model", c -> c.callType().isModelCall() ? nz(c.model()) : null),
    AGENT("agent", c -> nz(c.agent())),
    FUNCTION("function_name", c -> nz(c.functionName())),
    CHAT_MODE("chat_mode", c -> nz(c.chatMode())),
    /** Experiment arms ({@code checkout-model/cheap}): calls and messages of the turns run in an arm; '' for the others. */
    ARM("arm", c -> nz(c.arm())),
    /** Per user: its own narrow daily table, {@code chatbot_user_daily}, not the usage rollup. */
    USER("user_id", c -> nz(c.userId())),
    /** Tool executions by tool (the function name of tool rows), their durations in the latency histogram. */
    TOOL("function_name", c -> c.callType() == CallType.TOOL ? nz(c.functionName()) : null),
    /**
     * Steps other than tools by kind and name ({@code retrieval:products}, {@code guardrail:PromptInjection}), their
     * durations in the latency histogram.
     */
    STEP("function_name", c -> c.callType().isStep() ? StepKey.of(c.callType(), c.functionName()) : null),
    /** Messages by intent (by message time), with the model calls counted in their totals. */
    INTENT("intent", c -> null),
    MODEL_AGENT(MODEL, AGENT), MODEL_FUNCTION(MODEL, FUNCTION), MODEL_CHAT_MODE(MODEL, CHAT_MODE),
    AGENT_FUNCTION(AGENT, FUNCTION), AGENT_CHAT_MODE(AGENT, CHAT_MODE), FUNCTION_CHAT_MODE(FUNCTION, CHAT_MODE),
    TOOL_AGENT(TOOL, AGENT), TOOL_CHAT_MODE(TOOL, CHAT_MODE),
    /** UTC days, keyed {@code 2026-10-01}. */
    DAY(null, c -> null),
    /** UTC hours, keyed {@code 2026-10-01T09:00:00Z}. */
    HOUR(null, c -> null);

    /** The separator of a pair's two values in its key and in {@code dim_value}. */
    public static final char PAIR_SEPARATOR = '|';
    /** The dimensions a filter and a breakdown can combine through a pair rollup. */
    public static final List<Dimension> PAIRED = List.of(MODEL, AGENT, FUNCTION, CHAT_MODE);

    private final String column;
    private final Function<LlmCall, String> key;
    private final Dimension first;
    private final Dimension second;

    Dimension(String column, Function<LlmCall, String> key) {
        this.column = column;
        this.key = key;
        this.first = null;
        this.second = null;
    }

    Dimension(Dimension first, Dimension second) {
        this.column = null;
        this.key = c -> {
            String a = first.key(c);
            String b = a == null ? null : second.key(c);
            return b == null ? null : a + PAIR_SEPARATOR + b;
        };
        this.first = first;
        this.second = second;
    }

    /** The name used in the rollup table and in the query layer's keys ({@code model_function}). */
    public String rollupName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Dimension> named(String rollupName) {
        return Arrays.stream(values()).filter(d -> d.rollupName().equals(rollupName)).findFirst();
    }

    /** The call (or message) column this dimension keys on; null for pairs, ALL and time buckets. */
    public String column() {
        return column;
    }

    /** A call's key: its value ('' when it has none), or null when the call has no place here. */
    public String key(LlmCall c) {
        return key.apply(c);
    }

    public boolean isPair() {
        return first != null;
    }

    public Dimension first() {
        return first;
    }

    public Dimension second() {
        return second;
    }

    public boolean isTime() {
        return this == DAY || this == HOUR;
    }

    /** Whether it has hourly and daily rows in {@code chatbot_usage_rollup}. */
    public boolean inUsageRollup() {
        return !isTime() && this != USER;
    }

    /** Whether its rows are tool executions (durations in the latency histogram). */
    public boolean isTool() {
        return this == TOOL || first == TOOL;
    }

    /** Whether its rows count tool executions or steps, with their durations in the latency histogram (not model calls). */
    public boolean isTimed() {
        return isTool() || this == STEP;
    }

    /** The SQL predicate of the call rows a {@link #isTimed() timed} dimension counts; null for the others. */
    public String timedRowsSql() {
        return isTool() ? "call_type = 'tool'" : this == STEP ? RawSql.STEP_CALL : null;
    }

    /** The figures of a {@link #isTimed() timed} dimension over its rows, as {@link Sums} adds them; null for the others. */
    public String timedColumnsSql() {
        return isTool() ? RawSql.TOOL_COLUMNS : this == STEP ? RawSql.STEP_COLUMNS : null;
    }

    /** The pair of two {@link #PAIRED} dimensions, in either order; empty when they are not a pair. */
    public static Optional<Dimension> pair(Dimension a, Dimension b) {
        int i = PAIRED.indexOf(a), j = PAIRED.indexOf(b);
        if (i < 0 || j < 0 || i == j) return Optional.empty();
        Dimension x = i < j ? a : b, y = i < j ? b : a;
        return Arrays.stream(values()).filter(d -> d.first == x && d.second == y).findFirst();
    }

    /** The SQL expression grouping call rows as the rollups do (the '' group for rows without the attribute). */
    public String callGroupSql() {
        return switch (this) {
            case ALL -> "''";
            case DAY -> "DATE_FORMAT(started_at, '%Y-%m-%d')";
            case HOUR -> "DATE_FORMAT(started_at, '%Y-%m-%dT%H:00:00Z')";
            case STEP -> "LEFT(CONCAT(call_type, '" + StepKey.SEPARATOR + "', COALESCE(function_name, '')), 255)"; // cut like dim_value
            default -> isPair() ? "CONCAT(" + first.callGroupSql() + ", '" + PAIR_SEPARATOR + "', " + second.callGroupSql() + ")"
                    : "COALESCE(" + column + ", '')";
        };
    }

    /** The SQL expression grouping message rows, or null when messages do not have this dimension. */
    public String messageGroupSql() {
        return switch (this) {
            case ALL -> "''";
            case CHAT_MODE, USER, INTENT, ARM -> "COALESCE(" + column + ", '')";
            case DAY -> "DATE_FORMAT(`timestamp`, '%Y-%m-%d')";
            default -> null;
        };
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
