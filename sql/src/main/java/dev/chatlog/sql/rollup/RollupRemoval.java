package dev.chatlog.sql.rollup;

import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.LlmCall;
import dev.chatlog.sql.rollup.RollupWriter.IntentDelta;
import dev.chatlog.sql.rollup.RollupWriter.Key;
import java.time.LocalDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;

/** The inverse of {@link RollupWriter#apply}: what an erasure takes out of the rollups. */
public final class RollupRemoval {
    private RollupRemoval() {}

    /**
     * Takes erased calls and messages out of the rollups (an erasure): every row they were added to is moved back by
     * what they added (rows only updated: a minute row already purged is not made again), the user's daily rows of an
     * erased user are deleted with {@code dropUsers}, and the maxima of the rows touched are recomputed from the calls
     * left. {@code intents} carry negative figures.
     */
    public static void remove(Handle h, List<LlmCall> calls, List<ConversationMessage> messages, List<IntentDelta> intents,
                              java.util.Set<String> dropUsers) {
        Map<Key, Sums> rows = new HashMap<>();
        Map<Key, Dimension> dims = new HashMap<>();
        for (LlmCall c : calls) {
            for (Dimension d : RollupWriter.CALL_DIMENSIONS) {
                String value = d.key(c);
                if (value == null) continue;
                for (Key k : RollupWriter.keys(c.startedAt(), d, value)) {
                    Sums s = rows.computeIfAbsent(k, x -> new Sums());
                    s.addCall(c);
                    if (d.isTimed()) s.addTiming(c);
                    dims.put(k, d);
                }
            }
        }
        for (ConversationMessage m : messages) {
            for (Dimension d : RollupWriter.MESSAGE_DIMENSIONS) {
                String value = RollupWriter.messageKey(d, m);
                for (Sums s : RollupWriter.targets(rows, m.timestamp(), d, value)) {
                    s.add(Measure.MESSAGES, 1).add(Measure.FAILED_MESSAGES, m.success() ? 0 : 1)
                            .add(Measure.MESSAGE_DURATION_MS, Sums.stored(m.responseTimeMs()));
                }
            }
        }
        Map<Key, Sums> negated = new HashMap<>();
        rows.forEach((k, v) -> negated.put(k, v.negated()));
        for (IntentDelta i : intents) { // already negative
            for (Sums s : RollupWriter.targets(negated, i.at(), Dimension.INTENT, i.intent() == null ? "" : i.intent())) {
                Sums c = i.calls();
                s.add(Measure.MESSAGES, i.messages()).add(Measure.FAILED_MESSAGES, i.failedMessages())
                        .add(Measure.MESSAGE_DURATION_MS, i.responseTimeMs()).add(Measure.LLM_CALLS, c.count(Measure.LLM_CALLS))
                        .add(Measure.INPUT_TOKENS, c.count(Measure.INPUT_TOKENS)).add(Measure.OUTPUT_TOKENS, c.count(Measure.OUTPUT_TOKENS))
                        .add(Measure.TOTAL_TOKENS, c.count(Measure.TOTAL_TOKENS)).add(Measure.COST, c.amount(Measure.COST))
                        .add(Measure.UNPRICED_CALLS, c.count(Measure.UNPRICED_CALLS))
                        .add(Measure.LLM_DURATION_MS, c.amount(Measure.LLM_DURATION_MS));
            }
        }
        TreeMap<Key, Sums> usage = new TreeMap<>();
        TreeMap<Key, Sums> users = new TreeMap<>();
        negated.forEach((k, s) -> (k.granularity().equals("u") ? users : usage).put(k, s));
        if (!usage.isEmpty()) {
            PreparedBatch b = h.prepareBatch(SUBTRACT_ROLLUP);
            usage.forEach((k, s) -> RollupWriter.bind(b.bind("g", k.granularity()).bind("d", k.dimension()).bind("b", k.bucket()).bind("v", k.value()), s, true));
            b.execute();
        }
        users.keySet().removeIf(k -> dropUsers.contains(k.value()));
        if (!users.isEmpty()) {
            PreparedBatch b = h.prepareBatch(SUBTRACT_USER);
            users.forEach((k, s) -> RollupWriter.bind(b.bind("day", k.bucket().toLocalDate()).bind("user", k.value()), s, false));
            b.execute();
        }
        for (String u : new java.util.TreeSet<>(dropUsers)) {
            h.createUpdate("DELETE FROM chatbot_user_daily WHERE user_id = :u").bind("u", u).execute();
        }
        for (Map.Entry<Key, Dimension> e : new TreeMap<>(dims).entrySet()) {
            Key k = e.getKey();
            if (k.granularity().equals("u")) continue;
            Dimension d = e.getValue();
            LocalDateTime end = switch (k.granularity()) {
                case "m" -> k.bucket().plusMinutes(1);
                case "h" -> k.bucket().plusHours(1);
                default -> k.bucket().plusDays(1);
            };
            String of = " FROM chatbot_llm_calls WHERE started_at >= :from AND started_at < :to AND "
                    + (d.isTimed() ? d.timedRowsSql() : RawSql.MODEL_CALL) + " AND " + d.callGroupSql() + " = :v";
            String set = d.isTimed() ? "max_duration_ms = (SELECT COALESCE(MAX(duration_ms), 0)" + of + ")"
                    : "max_duration_ms = (SELECT COALESCE(MAX(duration_ms), 0)" + of + "), max_cost = (SELECT COALESCE(MAX(cost_estimate), 0)"
                    + of + "), max_total_tokens = (SELECT COALESCE(MAX(total_tokens), 0)" + of + "), max_ttft_ms = (SELECT "
                    + "COALESCE(MAX(time_to_first_token_ms), 0)" + of + ")";
            h.createUpdate("UPDATE chatbot_usage_rollup SET " + set
                            + " WHERE granularity = :g AND dimension = :d AND bucket_start = :from AND dim_value = :v")
                    .bind("from", k.bucket()).bind("to", end).bind("v", k.value()).bind("g", k.granularity()).bind("d", k.dimension())
                    .execute();
        }
    }

    private static final String SUBTRACT_ROLLUP = subtractSql("chatbot_usage_rollup",
            "granularity = :g AND dimension = :d AND bucket_start = :b AND dim_value = :v", RollupWriter.allColumns());
    private static final String SUBTRACT_USER = subtractSql("chatbot_user_daily", "day = :day AND user_id = :user",
            Sums.Columns.USER.names());

    private static String subtractSql(String table, String where, List<String> cols) {
        StringBuilder sql = new StringBuilder("UPDATE ").append(table).append(" SET ");
        boolean first = true;
        for (String c : cols) {
            sql.append(first ? "" : ", ").append(c).append(" = ");
            if (c.startsWith("max_")) sql.append("GREATEST(").append(c).append(", :").append(c).append(')'); // 0: kept; recomputed after
            else sql.append(c).append(" + :").append(c);
            first = false;
        }
        return sql.append(" WHERE ").append(where).toString();
    }

}
