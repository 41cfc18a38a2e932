package dev.chatlog.sql.rollup;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;

/**
 * Recomputes message totals and conversation summaries from the raw rows and lists every row
 * where the stored figures differ. Empty means the incremental upserts are exact.
 */
public final class ConsistencyCheck {
    private final Jdbi jdbi;

    public ConsistencyCheck(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public List<String> mismatches() {
        List<String> out = new ArrayList<>();
        out.addAll(jdbi.withHandle(h -> h.createQuery("""
                SELECT CONCAT('summary ', s.conversation_id, ': stored calls=', s.total_llm_calls, ' tokens=', s.total_tokens_used,
                              ' cost=', s.total_cost, ' messages=', s.total_messages, '; recomputed calls=', COALESCE(c.n, 0),
                              ' tokens=', COALESCE(c.tt, 0), ' cost=', COALESCE(c.cost, 0), ' messages=', COALESCE(m.n, 0))
                FROM chatbot_conversation_summary s
                LEFT JOIN (SELECT conversation_id, COUNT(*) n, SUM(total_tokens) tt, SUM(input_tokens) tin,
                                  SUM(output_tokens) tout, COALESCE(SUM(cost_estimate), 0) cost, SUM(NOT priced) unpriced,
                                  SUM(NOT success) failed, SUM(duration_ms) dur
                           FROM chatbot_llm_calls WHERE {model_call}
                           GROUP BY conversation_id) c ON c.conversation_id = s.conversation_id
                LEFT JOIN (SELECT conversation_id, COUNT(*) n, SUM(success) ok, MIN(`timestamp`) first_at, MAX(`timestamp`) last_at
                           FROM chatbot_conversation_messages GROUP BY conversation_id) m ON m.conversation_id = s.conversation_id
                WHERE s.total_llm_calls <> COALESCE(c.n, 0) OR s.total_tokens_used <> COALESCE(c.tt, 0)
                   OR s.total_input_tokens <> COALESCE(c.tin, 0) OR s.total_output_tokens <> COALESCE(c.tout, 0)
                   OR s.total_cost <> COALESCE(c.cost, 0) OR s.unpriced_calls <> COALESCE(c.unpriced, 0)
                   OR s.failed_llm_calls <> COALESCE(c.failed, 0) OR s.total_duration_ms <> COALESCE(c.dur, 0)
                   OR s.total_messages <> COALESCE(m.n, 0) OR s.successful_messages <> COALESCE(m.ok, 0)
                   OR s.success_rate <> IF(COALESCE(m.n, 0) = 0, 100.00, ROUND(100 * m.ok / m.n, 2))
                   OR NOT (s.first_message_at <=> m.first_at) OR NOT (s.last_message_at <=> m.last_at)""".replace("{model_call}", RawSql.TURN_CALL))
                .mapTo(String.class).list()));
        out.addAll(jdbi.withHandle(h -> h.createQuery("""
                SELECT CONCAT('conversation ', x.conversation_id, ' has rows but no summary')
                FROM (SELECT DISTINCT conversation_id FROM chatbot_conversation_messages
                      UNION SELECT DISTINCT conversation_id FROM chatbot_llm_calls WHERE conversation_id <> '' AND call_type <> 'evaluation') x
                LEFT JOIN chatbot_conversation_summary s ON s.conversation_id = x.conversation_id
                WHERE s.conversation_id IS NULL""").mapTo(String.class).list()));
        out.addAll(jdbi.withHandle(h -> h.createQuery("""
                SELECT CONCAT('message ', m.message_id, ': stored calls=', m.total_llm_calls, ' tokens=', m.total_tokens_used,
                              ' cost=', m.total_cost, '; recomputed calls=', COUNT(c.id), ' tokens=', COALESCE(SUM(c.total_tokens), 0),
                              ' cost=', COALESCE(SUM(c.cost_estimate), 0))
                FROM chatbot_conversation_messages m
                LEFT JOIN chatbot_llm_calls c
                       ON c.conversation_id = m.conversation_id AND c.message_id = m.message_id
                      AND c.{model_call}
                GROUP BY m.id, m.message_id, m.total_llm_calls, m.total_tokens_used, m.total_cost, m.unpriced_calls, m.total_duration_ms
                HAVING m.total_llm_calls <> COUNT(c.id) OR m.total_tokens_used <> COALESCE(SUM(c.total_tokens), 0)
                   OR m.total_cost <> COALESCE(SUM(c.cost_estimate), 0) OR m.unpriced_calls <> COALESCE(SUM(NOT c.priced), 0)
                   OR m.total_duration_ms <> COALESCE(SUM(c.duration_ms), 0)""".replace("{model_call}", RawSql.TURN_CALL)).mapTo(String.class).list()));
        out.addAll(rollupMismatches());
        out.addAll(scoreRollupMismatches());
        return out;
    }

    /**
     * Every hourly and daily score rollup row (V22) against the same figures from the score rows: per dimension, name
     * and label, the count, the sum and the sum of squares of the numbers.
     */
    public List<String> scoreRollupMismatches() {
        List<String> out = new ArrayList<>();
        Map<String, String> columns = Map.of("all", "''", "model", "COALESCE(model, '')", "agent", "COALESCE(agent, '')",
                "function", "COALESCE(function_name, '')", "chat_mode", "COALESCE(chat_mode, '')", "intent", "COALESCE(intent, '')",
                "user", "COALESCE(user_id, '')");
        for (String g : List.of("h", "d")) {
            String bucket = g.equals("h") ? "DATE_FORMAT(target_at, '%Y-%m-%d %H:00:00')" : "DATE_FORMAT(target_at, '%Y-%m-%d 00:00:00')";
            for (dev.chatlog.sql.rollup.Dimension d : dev.chatlog.sql.score.ScoreRollups.DIMENSIONS) {
                String dim = columns.get(d.rollupName());
                String raw = "SELECT CONCAT(" + bucket + ", '|', LEFT(" + dim + ", 255), '|', name, '|', COALESCE(label, '')) k, COUNT(*) scores,"
                        + " SUM(IF(label IS NULL, value, 0)) value_sum, SUM(IF(label IS NULL, ROUND(value * value, 6), 0)) value_sq_sum"
                        + " FROM chatbot_scores GROUP BY k";
                String rolled = "SELECT CONCAT(DATE_FORMAT(bucket_start, '%Y-%m-%d %H:%i:%s'), '|', dim_value, '|', name, '|', label) k, scores,"
                        + " value_sum, value_sq_sum FROM chatbot_score_rollup WHERE granularity = '" + g + "' AND dimension = '" + d.rollupName() + "'";
                compare(out, "score " + g + "/" + d.rollupName(), raw, rolled, List.of("scores", "value_sum", "value_sq_sum"));
            }
        }
        return out;
    }

    /** Every daily and hourly rollup row against the same figures computed from the raw rows. */
    public List<String> rollupMismatches() {
        List<String> out = new ArrayList<>();
        List<String> callColumns = Sums.Columns.ALL.names().stream()
                .filter(c -> !List.of("messages", "failed_messages", "message_duration_ms").contains(c)).toList();
        for (String granularity : List.of("d", "h")) {
            String bucket = granularity.equals("d") ? "DATE_FORMAT(%s, '%%Y-%%m-%%d 00:00:00')" : "DATE_FORMAT(%s, '%%Y-%%m-%%d %%H:00:00')";
            String callKey = "CONCAT(" + String.format(bucket, "started_at") + ", '|', ";
            for (Dimension d : List.of(Dimension.ALL, Dimension.MODEL, Dimension.AGENT, Dimension.FUNCTION, Dimension.CHAT_MODE,
                    Dimension.USER, Dimension.MODEL_AGENT, Dimension.MODEL_FUNCTION, Dimension.MODEL_CHAT_MODE,
                    Dimension.AGENT_FUNCTION, Dimension.AGENT_CHAT_MODE, Dimension.FUNCTION_CHAT_MODE, Dimension.ARM)) {
                if (granularity.equals("h") && !d.inUsageRollup()) continue; // users: daily rows only
                String what = granularity + "/" + d.rollupName();
                String key = callKey + d.callGroupSql() + ") AS k";
                boolean modelOnly = d == Dimension.MODEL || d.first() == Dimension.MODEL;
                String raw = "SELECT " + key + ", " + RawSql.CALL_COLUMNS + " FROM chatbot_llm_calls"
                        + (modelOnly ? " WHERE " + RawSql.MODEL_CALL : "") + " GROUP BY k";
                boolean user = d == Dimension.USER;
                String rolled = user ? userRollupSql() : rollupSql(granularity, d);
                compare(out, what, raw, rolled, user ? callColumns.stream().filter(Sums.Columns.USER.names()::contains).toList() : callColumns);
                if (!user) { // the bucket's slowest / most expensive model call
                    compare(out, what + "/maxima", "SELECT " + key + ", MAX(duration_ms) AS max_duration_ms,"
                                    + " COALESCE(MAX(cost_estimate), 0) AS max_cost FROM chatbot_llm_calls WHERE " + RawSql.MODEL_CALL + " GROUP BY k",
                            maximaSql(granularity, d, "max_duration_ms, max_cost") + " AND llm_calls > 0", List.of("max_duration_ms", "max_cost"));
                }
                String messages = d.messageGroupSql();
                if (messages != null) {
                    compare(out, what + "/messages", "SELECT CONCAT(" + String.format(bucket, "`timestamp`") + ", '|', " + messages
                                    + ") AS k, " + RawSql.MESSAGE_COLUMNS + " FROM chatbot_conversation_messages GROUP BY k",
                            rolled, List.of("messages", "failed_messages", "message_duration_ms"));
                }
            }
            for (Dimension timed : List.of(Dimension.TOOL, Dimension.TOOL_AGENT, Dimension.TOOL_CHAT_MODE, Dimension.STEP)) {
                String key = callKey + timed.callGroupSql() + ") AS k";
                compare(out, granularity + "/" + timed.rollupName(), "SELECT " + key + ", " + timed.timedColumnsSql()
                        + " FROM chatbot_llm_calls WHERE " + timed.timedRowsSql() + " GROUP BY k", rollupSql(granularity, timed), callColumns);
                compare(out, granularity + "/" + timed.rollupName() + "/maxima", "SELECT " + key + ", MAX(duration_ms) AS max_duration_ms"
                                + " FROM chatbot_llm_calls WHERE " + timed.timedRowsSql() + " GROUP BY k",
                        maximaSql(granularity, timed, "max_duration_ms"), List.of("max_duration_ms"));
            }
            compare(out, granularity + "/intent", "SELECT CONCAT(" + String.format(bucket, "`timestamp`") + ", '|', "
                            + Dimension.INTENT.messageGroupSql() + ") AS k, " + RawSql.INTENT_COLUMNS
                            + " FROM chatbot_conversation_messages GROUP BY k",
                    rollupSql(granularity, Dimension.INTENT), Sums.Columns.ALL.names());
        }
        out.addAll(minuteMismatches(callColumns));
        return out;
    }

    /**
     * The minute rows (what alert rules read; written since V15, so all of them carry the token and
     * first-token maxima) against the raw rows of their minutes. Minute rows past their two days are
     * purged while calls stay: only minutes that still have a row are compared to the calls.
     */
    private List<String> minuteMismatches(List<String> callColumns) {
        List<String> out = new ArrayList<>();
        String callKey = "CONCAT(DATE_FORMAT(started_at, '%Y-%m-%d %H:%i:00'), '|', ";
        String kept = " started_at >= COALESCE((SELECT MIN(bucket_start) FROM chatbot_usage_rollup WHERE granularity = 'm'), '9999-12-31')";
        for (Dimension d : RollupWriter.MINUTE_DIMENSIONS) {
            String key = callKey + d.callGroupSql() + ") AS k";
            String what = "m/" + d.rollupName();
            if (d.isTimed()) {
                compare(out, what, "SELECT " + key + ", " + d.timedColumnsSql() + " FROM chatbot_llm_calls WHERE " + d.timedRowsSql() + " AND" + kept
                        + " GROUP BY k", rollupSql("m", d), callColumns);
                continue;
            }
            boolean modelOnly = d == Dimension.MODEL;
            compare(out, what, "SELECT " + key + ", " + RawSql.CALL_COLUMNS + " FROM chatbot_llm_calls WHERE" + kept
                    + (modelOnly ? " AND " + RawSql.MODEL_CALL : "") + " GROUP BY k", rollupSql("m", d), callColumns);
            compare(out, what + "/maxima", "SELECT " + key + ", MAX(duration_ms) AS max_duration_ms, COALESCE(MAX(cost_estimate), 0) AS max_cost,"
                            + " MAX(total_tokens) AS max_total_tokens, COALESCE(MAX(time_to_first_token_ms), 0) AS max_ttft_ms"
                            + " FROM chatbot_llm_calls WHERE " + RawSql.MODEL_CALL + " AND" + kept + " GROUP BY k",
                    maximaSql("m", d, "max_duration_ms, max_cost, max_total_tokens, max_ttft_ms") + " AND llm_calls > 0",
                    List.of("max_duration_ms", "max_cost", "max_total_tokens", "max_ttft_ms"));
        }
        return out;
    }

    private static String userRollupSql() {
        return "SELECT CONCAT(DATE_FORMAT(day, '%Y-%m-%d 00:00:00'), '|', user_id) AS k, "
                + String.join(", ", Sums.Columns.USER.names()) + " FROM chatbot_user_daily";
    }

    private static String maximaSql(String granularity, Dimension d, String columns) {
        return "SELECT CONCAT(DATE_FORMAT(bucket_start, '%Y-%m-%d %H:%i:%s'), '|', dim_value) AS k, " + columns
                + " FROM chatbot_usage_rollup WHERE granularity = '" + granularity + "' AND dimension = '" + d.rollupName() + "'";
    }

    private static String rollupSql(String granularity, Dimension d) {
        return maximaSql(granularity, d, String.join(", ", Sums.Columns.ALL.names()));
    }

    private void compare(List<String> out, String what, String rawSql, String rollupSql, List<String> cols) {
        Map<String, Map<String, Object>> raw = jdbi.withHandle(h -> rows(h.createQuery(rawSql)));
        Map<String, Map<String, Object>> rolled = jdbi.withHandle(h -> rows(h.createQuery(rollupSql)));
        Set<String> keys = new TreeSet<>(raw.keySet());
        keys.addAll(rolled.keySet());
        for (String k : keys) {
            Map<String, Object> a = raw.getOrDefault(k, Map.of());
            Map<String, Object> b = rolled.getOrDefault(k, Map.of());
            for (String c : cols) {
                BigDecimal x = num(a.get(c));
                BigDecimal y = num(b.get(c));
                if (x.compareTo(y) != 0) {
                    out.add("rollup " + what + " " + k + " " + c + ": raw " + x + " rollup " + y);
                    if (out.size() > 50) return;
                }
            }
        }
    }

    /** The rows keyed by {@code k}, every other column as read. */
    private static Map<String, Map<String, Object>> rows(Query q) {
        Map<String, Map<String, Object>> out = new HashMap<>();
        q.map((rs, ctx) -> {
            Map<String, Object> row = new HashMap<>();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
            out.put(rs.getString("k"), row);
            return 0;
        }).list();
        return out;
    }

    private static BigDecimal num(Object o) {
        return o == null ? BigDecimal.ZERO : new BigDecimal(o.toString());
    }
}
