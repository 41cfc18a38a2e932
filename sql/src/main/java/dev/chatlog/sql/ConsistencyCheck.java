package dev.chatlog.sql;

import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

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
                           FROM chatbot_llm_calls WHERE call_type IN ('chat', 'streaming_chat', 'embedding')
                           GROUP BY conversation_id) c ON c.conversation_id = s.conversation_id
                LEFT JOIN (SELECT conversation_id, COUNT(*) n, SUM(success) ok, MIN(`timestamp`) first_at, MAX(`timestamp`) last_at
                           FROM chatbot_conversation_messages GROUP BY conversation_id) m ON m.conversation_id = s.conversation_id
                WHERE s.total_llm_calls <> COALESCE(c.n, 0) OR s.total_tokens_used <> COALESCE(c.tt, 0)
                   OR s.total_input_tokens <> COALESCE(c.tin, 0) OR s.total_output_tokens <> COALESCE(c.tout, 0)
                   OR s.total_cost <> COALESCE(c.cost, 0) OR s.unpriced_calls <> COALESCE(c.unpriced, 0)
                   OR s.failed_llm_calls <> COALESCE(c.failed, 0) OR s.total_duration_ms <> COALESCE(c.dur, 0)
                   OR s.total_messages <> COALESCE(m.n, 0) OR s.successful_messages <> COALESCE(m.ok, 0)
                   OR s.success_rate <> IF(COALESCE(m.n, 0) = 0, 100.00, ROUND(100 * m.ok / m.n, 2))
                   OR NOT (s.first_message_at <=> m.first_at) OR NOT (s.last_message_at <=> m.last_at)""")
                .mapTo(String.class).list()));
        out.addAll(jdbi.withHandle(h -> h.createQuery("""
                SELECT CONCAT('conversation ', x.conversation_id, ' has rows but no summary')
                FROM (SELECT DISTINCT conversation_id FROM chatbot_conversation_messages
                      UNION SELECT DISTINCT conversation_id FROM chatbot_llm_calls WHERE conversation_id <> '') x
                LEFT JOIN chatbot_conversation_summary s ON s.conversation_id = x.conversation_id
                WHERE s.conversation_id IS NULL""").mapTo(String.class).list()));
        out.addAll(jdbi.withHandle(h -> h.createQuery("""
                SELECT CONCAT('message ', m.message_id, ': stored calls=', m.total_llm_calls, ' tokens=', m.total_tokens_used,
                              ' cost=', m.total_cost, '; recomputed calls=', COUNT(c.id), ' tokens=', COALESCE(SUM(c.total_tokens), 0),
                              ' cost=', COALESCE(SUM(c.cost_estimate), 0))
                FROM chatbot_conversation_messages m
                LEFT JOIN chatbot_llm_calls c
                       ON c.conversation_id = m.conversation_id AND c.message_id = m.message_id
                      AND c.call_type IN ('chat', 'streaming_chat', 'embedding')
                GROUP BY m.id, m.message_id, m.total_llm_calls, m.total_tokens_used, m.total_cost, m.unpriced_calls, m.total_duration_ms
                HAVING m.total_llm_calls <> COUNT(c.id) OR m.total_tokens_used <> COALESCE(SUM(c.total_tokens), 0)
                   OR m.total_cost <> COALESCE(SUM(c.cost_estimate), 0) OR m.unpriced_calls <> COALESCE(SUM(NOT c.priced), 0)
                   OR m.total_duration_ms <> COALESCE(SUM(c.duration_ms), 0)""").mapTo(String.class).list()));
        out.addAll(rollupMismatches());
        return out;
    }

    /** Every daily and hourly rollup row against the same figures computed from the raw rows. */
    public List<String> rollupMismatches() {
        List<String> out = new ArrayList<>();
        String mc = "call_type IN ('chat', 'streaming_chat', 'embedding')";
        java.util.Map<String, String> dims = new java.util.LinkedHashMap<>();
        dims.put("all", "''");
        dims.put("model", "COALESCE(model, '')");
        dims.put("agent", "COALESCE(agent, '')");
        dims.put("function", "COALESCE(function_name, '')");
        dims.put("chat_mode", "COALESCE(chat_mode, '')");
        dims.put("user", "COALESCE(user_id, '')");
        java.util.Map<String, String> columns = java.util.Map.of("model", "model", "agent", "agent", "function", "function_name",
                "chat_mode", "chat_mode");
        for (String pair : Rollups.PAIRS) { // model_agent ... function_chat_mode: the two values joined by '|'
            String a = Rollups.PAIRED.stream().filter(d -> pair.startsWith(d + "_")).findFirst().orElseThrow();
            String b = pair.substring(a.length() + 1);
            dims.put(pair, "CONCAT(COALESCE(" + columns.get(a) + ", ''), '" + Rollups.PAIR_SEPARATOR + "', COALESCE(" + columns.get(b) + ", ''))");
        }
        List<String> callCols = Rollups.columns().subList(3, Rollups.columns().size());
        for (String granularity : List.of("d", "h")) {
            String bucket = granularity.equals("d") ? "DATE_FORMAT(%s, '%%Y-%%m-%%d 00:00:00')" : "DATE_FORMAT(%s, '%%Y-%%m-%%d %%H:00:00')";
            for (var dim : dims.entrySet()) {
                if (granularity.equals("h") && !Rollups.HOURLY.contains(dim.getKey())) continue;
                String raw = "SELECT CONCAT(" + String.format(bucket, "started_at") + ", '|', " + dim.getValue() + ") AS k, "
                        + StatsQueries.rawCallColumns() + " FROM chatbot_llm_calls"
                        + (dim.getKey().startsWith("model") ? " WHERE " + mc : "") + " GROUP BY k";
                boolean user = dim.getKey().equals("user");
                String rolled = user ? userRollupSql() : rollupSql(granularity, dim.getKey());
                compare(out, granularity + "/" + dim.getKey(), raw, rolled,
                        user ? callCols.stream().filter(Rollups.USER_COLUMNS::contains).toList() : callCols);
                if (!dim.getKey().equals("user")) { // the bucket's slowest / most expensive model call
                    compare(out, granularity + "/" + dim.getKey() + "/maxima", "SELECT CONCAT(" + String.format(bucket, "started_at")
                                    + ", '|', " + dim.getValue() + ") AS k, MAX(duration_ms) AS max_duration_ms,"
                                    + " COALESCE(MAX(cost_estimate), 0) AS max_cost FROM chatbot_llm_calls WHERE " + mc + " GROUP BY k",
                            maximaSql(granularity, dim.getKey()), Rollups.MAX_COLUMNS);
                }
                if (dim.getKey().equals("all")) { // the per-tool and per-intent dimensions of this granularity
                    for (String tool : List.of("tool", "tool_agent", "tool_chat_mode")) {
                        String value = switch (tool) {
                            case "tool_agent" -> "CONCAT(COALESCE(function_name, ''), '|', COALESCE(agent, ''))";
                            case "tool_chat_mode" -> "CONCAT(COALESCE(function_name, ''), '|', COALESCE(chat_mode, ''))";
                            default -> "COALESCE(function_name, '')";
                        };
                        compare(out, granularity + "/" + tool, "SELECT CONCAT(" + String.format(bucket, "started_at") + ", '|', " + value
                                        + ") AS k, " + StatsQueries.rawToolColumns() + " FROM chatbot_llm_calls WHERE call_type = 'tool' GROUP BY k",
                                rollupSql(granularity, tool), Rollups.columns().subList(3, Rollups.columns().size()));
                        compare(out, granularity + "/" + tool + "/maxima", "SELECT CONCAT(" + String.format(bucket, "started_at") + ", '|', "
                                        + value + ") AS k, MAX(duration_ms) AS max_duration_ms FROM chatbot_llm_calls WHERE call_type = 'tool' GROUP BY k",
                                "SELECT CONCAT(DATE_FORMAT(bucket_start, '%Y-%m-%d %H:%i:%s'), '|', dim_value) AS k, max_duration_ms"
                                        + " FROM chatbot_usage_rollup WHERE granularity = '" + granularity + "' AND dimension = '" + tool + "'",
                                List.of("max_duration_ms"));
                    }
                    compare(out, granularity + "/intent", "SELECT CONCAT(" + String.format(bucket, "`timestamp`")
                                    + ", '|', COALESCE(intent, '')) AS k, " + StatsQueries.RAW_INTENT_COLUMNS
                                    + " FROM chatbot_conversation_messages GROUP BY k",
                            rollupSql(granularity, "intent"), Rollups.columns());
                }
                if (List.of("all", "chat_mode", "user").contains(dim.getKey())) {
                    String rawMessages = "SELECT CONCAT(" + String.format(bucket, "`timestamp`") + ", '|', "
                            + dim.getValue().replace("user_id", "user_id") + ") AS k, COUNT(*) AS messages, SUM(NOT success) AS failed_messages, "
                            + "SUM(response_time_ms) AS message_duration_ms FROM chatbot_conversation_messages GROUP BY k";
                    compare(out, granularity + "/" + dim.getKey() + "/messages", rawMessages, rolled,
                            List.of("messages", "failed_messages", "message_duration_ms"));
                }
            }
        }
        return out;
    }

    private static String userRollupSql() {
        StringBuilder sql = new StringBuilder("SELECT CONCAT(DATE_FORMAT(day, '%Y-%m-%d 00:00:00'), '|', user_id) AS k");
        for (String c : Rollups.USER_COLUMNS) sql.append(", ").append(c);
        return sql.append(" FROM chatbot_user_daily").toString();
    }

    private static String maximaSql(String granularity, String dimension) {
        return "SELECT CONCAT(DATE_FORMAT(bucket_start, '%Y-%m-%d %H:%i:%s'), '|', dim_value) AS k, max_duration_ms, max_cost"
                + " FROM chatbot_usage_rollup WHERE granularity = '" + granularity + "' AND dimension = '" + dimension + "' AND llm_calls > 0";
    }

    private static String rollupSql(String granularity, String dimension) {
        StringBuilder sql = new StringBuilder("SELECT CONCAT(DATE_FORMAT(bucket_start, '%Y-%m-%d %H:%i:%s'), '|', dim_value) AS k");
        for (String c : Rollups.columns()) sql.append(", ").append(c);
        return sql.append(" FROM chatbot_usage_rollup WHERE granularity = '").append(granularity)
                .append("' AND dimension = '").append(dimension).append("'").toString();
    }

    private void compare(List<String> out, String what, String rawSql, String rollupSql, List<String> cols) {
        var raw = jdbi.withHandle(h -> StatsQueries.collect(h.createQuery(rawSql)));
        var rolled = jdbi.withHandle(h -> StatsQueries.collect(h.createQuery(rollupSql)));
        java.util.Set<String> keys = new java.util.TreeSet<>(raw.keySet());
        keys.addAll(rolled.keySet());
        for (String k : keys) {
            var a = raw.get(k);
            var b = rolled.get(k);
            for (String c : cols) {
                java.math.BigDecimal x = num(a == null ? null : a.get(c));
                java.math.BigDecimal y = num(b == null ? null : b.get(c));
                if (x.compareTo(y) != 0) {
                    out.add("rollup " + what + " " + k + " " + c + ": raw " + x + " rollup " + y);
                    if (out.size() > 50) return;
                }
            }
        }
    }

    private static java.math.BigDecimal num(Object o) {
        return o == null ? java.math.BigDecimal.ZERO : new java.math.BigDecimal(o.toString());
    }
}
