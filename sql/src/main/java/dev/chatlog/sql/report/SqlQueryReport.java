package dev.chatlog.sql.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatlog.sql.query.Rows;
import dev.chatlog.sql.query.Window;
import dev.chatlog.sql.rollup.Histogram;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/** {@code sql-queries/analysis}: the SQL the chatbot ran since the window's start, from the messages' query lists. */
final class SqlQueryReport {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Jdbi jdbi;

    SqlQueryReport(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    Map<String, Object> sqlQueries(Window w) {
        return jdbi.withHandle(h -> {
            LocalDateTime from = w.fromUtc();
            List<Map<String, Object>> queries = new ArrayList<>();
            h.createQuery("""
                    SELECT conversation_id, message_id, `timestamp`, sql_queries FROM chatbot_conversation_messages
                    WHERE `timestamp` >= :from AND sql_query_count > 0""").bind("from", from).map((rs, ctx) -> {
                        JsonNode arr = parse(rs.getString("sql_queries"));
                        for (JsonNode q : arr) {
                            Map<String, Object> m = new LinkedHashMap<>();
                            m.put("sql", q.path("sql").asText());
                            m.put("duration_ms", q.path("durationMs").asDouble());
                            m.put("row_count", q.path("rowCount").asInt());
                            m.put("success", q.path("success").asBoolean());
                            m.put("error", q.path("error").isNull() ? null : q.path("error").asText(null));
                            m.put("conversation_id", rs.getString("conversation_id"));
                            m.put("message_id", rs.getString("message_id"));
                            m.put("timestamp", Rows.iso(rs.getObject("timestamp", LocalDateTime.class)));
                            queries.add(m);
                        }
                        return 0;
                    }).list();
            List<Double> durations = new ArrayList<>(queries.stream().map(q -> (Double) q.get("duration_ms")).toList());
            durations.sort(Comparator.naturalOrder());
            long failures = queries.stream().filter(q -> !(Boolean) q.get("success")).count();
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("window_hours", w.allTime() ? 0 : w.hours());
            out.put("total_queries", queries.size());
            out.put("failed_queries", failures);
            out.put("avg_duration_ms", durations.isEmpty() ? null
                    : round2(durations.stream().mapToDouble(Double::doubleValue).average().orElse(0)));
            out.put("p95_duration_ms", Histogram.nearestRank(durations, 95));
            out.put("slowest_queries", queries.stream()
                    .sorted(Comparator.comparing((Map<String, Object> q) -> (Double) q.get("duration_ms")).reversed())
                    .limit(10).toList());
            Map<String, long[]> freq = new LinkedHashMap<>();
            for (Map<String, Object> q : queries) {
                long[] c = freq.computeIfAbsent(normalize((String) q.get("sql")), k -> new long[2]);
                c[0]++;
                c[1] += (Boolean) q.get("success") ? 0 : 1;
            }
            out.put("most_frequent_queries", freq.entrySet().stream()
                    .sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0])).limit(10)
                    .map(e -> {
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("sql", e.getKey());
                        m.put("count", e.getValue()[0]);
                        m.put("failures", e.getValue()[1]);
                        return m;
                    }).toList());
            out.put("failed", queries.stream().filter(q -> !(Boolean) q.get("success")).limit(20).toList());
            return out;
        });
    }

    private static String normalize(String sql) {
        return sql == null ? "" : sql.trim().replaceAll("\\s+", " ");
    }


    private static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static JsonNode parse(String json) {
        try {
            return json == null ? JSON.createArrayNode() : JSON.readTree(json);
        } catch (Exception e) {
            return JSON.createArrayNode();
        }
    }
}
