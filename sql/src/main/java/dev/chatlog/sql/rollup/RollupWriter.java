package dev.chatlog.sql.rollup;

import dev.chatlog.sql.Utc;

import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.LlmCall;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * What one store transaction adds to {@code chatbot_usage_rollup} (hourly, daily and, for {@link #MINUTE_DIMENSIONS}, minute rows per
 * dimension, minute rows for {@link #MINUTE_DIMENSIONS}) and {@code chatbot_user_daily}. Rows are upserted in primary-key order, after the
 * conversation summaries, so that every writer takes its locks in the same order.
 */
public final class RollupWriter {
    /** The dimensions a stored call is added to, each under {@link Dimension#key}. */
    static final List<Dimension> CALL_DIMENSIONS = List.of(Dimension.ALL, Dimension.MODEL, Dimension.AGENT,
            Dimension.FUNCTION, Dimension.CHAT_MODE, Dimension.USER, Dimension.MODEL_AGENT, Dimension.MODEL_FUNCTION,
            Dimension.MODEL_CHAT_MODE, Dimension.AGENT_FUNCTION, Dimension.AGENT_CHAT_MODE, Dimension.FUNCTION_CHAT_MODE,
            Dimension.TOOL, Dimension.TOOL_AGENT, Dimension.TOOL_CHAT_MODE, Dimension.STEP, Dimension.ARM);
    /** The dimensions a stored message is added to. */
    static final List<Dimension> MESSAGE_DIMENSIONS = List.of(Dimension.ALL, Dimension.CHAT_MODE, Dimension.USER, Dimension.ARM);
    private static final int MAX_VALUE = 255; // dim_value / user_id column length
    /** The dimensions also kept by the minute (granularity 'm'), for the alert rules' short windows. */
    public static final java.util.Set<Dimension> MINUTE_DIMENSIONS = java.util.EnumSet.of(Dimension.ALL, Dimension.MODEL,
            Dimension.FUNCTION, Dimension.TOOL, Dimension.STEP);

    private static final String UPSERT_ROLLUP = upsertSql("chatbot_usage_rollup", "granularity, dimension, bucket_start, dim_value",
            ":g, :d, :b, :v", allColumns(), true);
    private static final String UPSERT_USER = upsertSql("chatbot_user_daily", "day, user_id", ":day, :user",
            Sums.Columns.USER.names(), false);

    /**
     * What one transaction adds to a message's figures in the {@code intent} dimension: the message
     * itself when it is new ({@code messages} 1) and the model calls added to its totals.
     */
    public record IntentDelta(String intent, Instant at, long messages, long failedMessages, BigDecimal responseTimeMs, Sums calls) {}

    record Key(String granularity, String dimension, LocalDateTime bucket, String value) implements Comparable<Key> {
        @Override
        public int compareTo(Key o) {
            int c = granularity.compareTo(o.granularity);
            if (c == 0) c = dimension.compareTo(o.dimension);
            if (c == 0) c = bucket.compareTo(o.bucket);
            if (c == 0) c = value.compareTo(o.value);
            return c;
        }
    }

    private RollupWriter() {}

    /** Adds the newly stored calls and messages, and the changes of message totals by intent, to the rollups. */
    public static void apply(Handle h, List<LlmCall> calls, List<ConversationMessage> messages, List<IntentDelta> intents) {
        Map<Key, Sums> rows = new HashMap<>(); // sorted once below, not on every lookup
        for (LlmCall c : calls) {
            for (Dimension d : CALL_DIMENSIONS) {
                String value = d.key(c);
                if (value == null) continue;
                for (Sums s : targets(rows, c.startedAt(), d, value)) {
                    s.addCall(c);
                    if (d.isTimed()) s.addTiming(c);
                }
            }
        }
        for (IntentDelta i : intents) {
            for (Sums s : targets(rows, i.at(), Dimension.INTENT, i.intent() == null ? "" : i.intent())) {
                Sums c = i.calls(); // the intent rows keep the messages and these call figures only
                s.add(Measure.MESSAGES, i.messages()).add(Measure.FAILED_MESSAGES, i.failedMessages())
                        .add(Measure.MESSAGE_DURATION_MS, i.responseTimeMs()).add(Measure.LLM_CALLS, c.count(Measure.LLM_CALLS))
                        .add(Measure.INPUT_TOKENS, c.count(Measure.INPUT_TOKENS)).add(Measure.OUTPUT_TOKENS, c.count(Measure.OUTPUT_TOKENS))
                        .add(Measure.TOTAL_TOKENS, c.count(Measure.TOTAL_TOKENS)).add(Measure.COST, c.amount(Measure.COST))
                        .add(Measure.UNPRICED_CALLS, c.count(Measure.UNPRICED_CALLS))
                        .add(Measure.LLM_DURATION_MS, c.amount(Measure.LLM_DURATION_MS));
            }
        }
        for (ConversationMessage m : messages) {
            for (Dimension d : MESSAGE_DIMENSIONS) {
                String value = messageKey(d, m);
                for (Sums s : targets(rows, m.timestamp(), d, value)) {
                    s.add(Measure.MESSAGES, 1).add(Measure.FAILED_MESSAGES, m.success() ? 0 : 1)
                            .add(Measure.MESSAGE_DURATION_MS, Sums.stored(m.responseTimeMs()));
                }
            }
        }
        upsert(h, rows);
    }

    /** A message's value in one of the {@link #MESSAGE_DIMENSIONS} (what a writer adds it under and an erasure takes it from). */
    static String messageKey(Dimension d, ConversationMessage m) {
        return switch (d) {
            case USER -> nz(m.userId());
            case CHAT_MODE -> nz(m.chatMode());
            case ARM -> nz(m.arm());
            case ALL -> "";
            default -> throw new IllegalArgumentException(d + " is not a message dimension");
        };
    }

    /**
     * A stored model call whose price changed (a reprice): its cost moves by {@code costDelta}, its
     * unpriced count by {@code unpricedDelta}; {@code intent} and {@code messageAt} (null without a
     * message) place it in the intent rows, as its message does. {@code lowered}: its cost went down.
     */
    public record Repricing(LlmCall call, BigDecimal costDelta, long unpricedDelta, boolean lowered, String intent, Instant messageAt) {}

    /**
     * Moves the rollups by repriced calls: cost and unpriced counts in every row the calls were
     * added to; the most expensive call of a row raised at once, and recomputed from the calls where
     * a cost went down (a maximum cannot be lowered by a delta).
     */
    public static void applyRepricing(Handle h, List<Repricing> changes) {
        Map<Key, Sums> rows = new HashMap<>();
        java.util.Set<Key> lowered = new java.util.TreeSet<>();
        Map<Key, Dimension> dims = new HashMap<>();
        for (Repricing r : changes) {
            for (Dimension d : CALL_DIMENSIONS) {
                String value = d.key(r.call());
                if (value == null) continue;
                for (Key k : keys(r.call().startedAt(), d, value)) {
                    rows.computeIfAbsent(k, x -> new Sums()).add(Measure.COST, r.costDelta()).add(Measure.UNPRICED_CALLS, r.unpricedDelta())
                            .add(Measure.MAX_COST, r.call().costEstimate());
                    if (r.lowered() && !k.granularity().equals("u")) {
                        lowered.add(k);
                        dims.put(k, d);
                    }
                }
            }
            if (r.messageAt() != null) {
                for (Sums s : targets(rows, r.messageAt(), Dimension.INTENT, r.intent() == null ? "" : r.intent())) {
                    s.add(Measure.COST, r.costDelta()).add(Measure.UNPRICED_CALLS, r.unpricedDelta());
                }
            }
        }
        upsert(h, rows);
        if (lowered.isEmpty()) return;
        for (Key k : lowered) {
            Dimension d = dims.get(k);
            LocalDateTime end = switch (k.granularity()) {
                case "m" -> k.bucket().plusMinutes(1);
                case "h" -> k.bucket().plusHours(1);
                default -> k.bucket().plusDays(1);
            };
            h.createUpdate("UPDATE chatbot_usage_rollup SET max_cost = (SELECT COALESCE(MAX(cost_estimate), 0) FROM chatbot_llm_calls "
                            + "WHERE started_at >= :from AND started_at < :to AND " + RawSql.MODEL_CALL + " AND " + d.callGroupSql() + " = :v) "
                            + "WHERE granularity = :g AND dimension = :d AND bucket_start = :from AND dim_value = :v")
                    .bind("from", k.bucket()).bind("to", end).bind("v", k.value()).bind("g", k.granularity()).bind("d", k.dimension())
                    .execute();
        }
    }

    private static void upsert(Handle h, Map<Key, Sums> rows) {
        TreeMap<Key, Sums> usage = new TreeMap<>();
        TreeMap<Key, Sums> users = new TreeMap<>();
        rows.forEach((k, s) -> (k.granularity().equals("u") ? users : usage).put(k, s));
        if (!usage.isEmpty()) {
            PreparedBatch b = h.prepareBatch(UPSERT_ROLLUP);
            usage.forEach((k, s) -> bind(b.bind("g", k.granularity()).bind("d", k.dimension()).bind("b", k.bucket()).bind("v", k.value()), s, true));
            b.execute();
        }
        if (!users.isEmpty()) {
            PreparedBatch b = h.prepareBatch(UPSERT_USER);
            users.forEach((k, s) -> bind(b.bind("day", k.bucket().toLocalDate()).bind("user", k.value()), s, false));
            b.execute();
        }
    }

    /** The rows a record at {@code at} adds to: its hour and its day, or for users their day in their own table. */
    static List<Sums> targets(Map<Key, Sums> rows, Instant at, Dimension d, String value) {
        return keys(at, d, value).stream().map(k -> rows.computeIfAbsent(k, x -> new Sums())).toList();
    }

    static List<Key> keys(Instant at, Dimension d, String value) {
        LocalDateTime t = Utc.time(at);
        String v = value.length() > MAX_VALUE ? value.substring(0, MAX_VALUE) : value;
        String name = d.rollupName();
        if (d == Dimension.USER) {
            return List.of(new Key("u", name, t.truncatedTo(ChronoUnit.DAYS), v));
        }
        Key hour = new Key("h", name, t.truncatedTo(ChronoUnit.HOURS), v);
        Key day = new Key("d", name, t.truncatedTo(ChronoUnit.DAYS), v);
        return MINUTE_DIMENSIONS.contains(d) ? List.of(new Key("m", name, t.truncatedTo(ChronoUnit.MINUTES), v), hour, day)
                : List.of(hour, day);
    }

    static List<String> allColumns() {
        List<String> cols = new ArrayList<>(Sums.Columns.ALL.names());
        cols.add(Measure.MAX_DURATION_MS.column());
        cols.add(Measure.MAX_COST.column());
        cols.add(Measure.MAX_TOTAL_TOKENS.column());
        cols.add(Measure.MAX_TTFT_MS.column());
        return cols;
    }

    private static String upsertSql(String table, String keyColumns, String keyBinds, List<String> cols, boolean maxima) {
        StringBuilder sql = new StringBuilder("INSERT INTO ").append(table).append(" (").append(keyColumns);
        for (String c : cols) sql.append(", ").append(c);
        sql.append(") VALUES (").append(keyBinds);
        for (String c : cols) sql.append(", :").append(c);
        sql.append(") ON DUPLICATE KEY UPDATE ");
        for (int i = 0; i < cols.size(); i++) {
            String c = cols.get(i);
            sql.append(i == 0 ? "" : ", ").append(c).append(" = ");
            if (maxima && c.startsWith("max_")) sql.append("GREATEST(").append(c).append(", VALUES(").append(c).append("))");
            else sql.append(c).append(" + VALUES(").append(c).append(')');
        }
        return sql.toString();
    }

    static void bind(PreparedBatch b, Sums s, boolean usage) {
        for (Measure m : Measure.values()) {
            boolean bound = usage || Sums.Columns.USER.measures().contains(m);
            if (!bound) continue;
            if (m.decimal()) b.bind(m.column(), s.amount(m));
            else b.bind(m.column(), s.count(m));
        }
        if (usage) {
            for (int i = 0; i < Sums.LATENCY_COLUMNS.length; i++) {
                b.bind(Sums.LATENCY_COLUMNS[i], s.latency(i)).bind(Sums.TTFT_COLUMNS[i], s.ttft(i));
            }
        }
        b.add();
    }

    static String nz(String s) {
        return s == null ? "" : s;
    }
}
