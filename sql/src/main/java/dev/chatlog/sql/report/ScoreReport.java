package dev.chatlog.sql.report;

import dev.chatlog.sql.Utc;
import dev.chatlog.sql.query.Window;
import dev.chatlog.sql.rollup.Dimension;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * {@code scores}: per score name and group (a dimension's values), the count, the average and the sample standard
 * deviation of the numbers, and the count of each label, over the window, from the score rollups (hours for windows
 * up to 7 days, days beyond: the buckets the window overlaps, whole); and a conversation's own aggregates.
 */
final class ScoreReport {
    private final Jdbi jdbi;

    ScoreReport(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    Map<String, Object> scores(Window w, Dimension groupBy, String name) {
        String g = w.allTime() || w.hours() > 168 ? "d" : "h";
        return jdbi.withHandle(h -> {
            Map<String, Object> out = Shapes.hoursHeader(w);
            out.put("group_by", groupBy.rollupName());
            out.put("bucket", g.equals("h") ? "hour" : "day");
            Map<String, Agg> groups = new TreeMap<>();
            var q = h.createQuery("SELECT dim_value, name, label, SUM(scores) n, SUM(value_sum) s, SUM(value_sq_sum) q FROM chatbot_score_rollup "
                            + "WHERE granularity = :g AND dimension = :d AND bucket_start >= :from AND bucket_start < :to"
                            + (name == null ? "" : " AND name = :name") + " GROUP BY dim_value, name, label")
                    .bind("g", g).bind("d", groupBy.rollupName())
                    .bind("from", Utc.time(w.from().truncatedTo(g.equals("h") ? ChronoUnit.HOURS : ChronoUnit.DAYS))).bind("to", Utc.time(w.to()));
            if (name != null) q.bind("name", name);
            q.map((rs, ctx) -> {
                String group = rs.getString("dim_value"), score = rs.getString("name");
                Agg a = groups.computeIfAbsent(score + '\u0000' + group, k -> new Agg(group, score));
                a.add(rs.getString("label"), rs.getLong("n"), rs.getBigDecimal("s"), rs.getBigDecimal("q"));
                return a;
            }).list();
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Agg a : groups.values()) if (a.scores() > 0) rows.add(a.json(groupBy));
            out.put("scores", rows);
            return out;
        });
    }

    /** A conversation's scores by name: count, average, labels (its own, its messages' and its calls'). */
    static List<Map<String, Object>> ofConversation(Handle h, String conversationId) {
        Map<String, Agg> byName = new TreeMap<>();
        h.createQuery("SELECT name, COALESCE(label, '') label, COUNT(*) n, SUM(COALESCE(value, 0)) s, SUM(ROUND(COALESCE(value * value, 0), 6)) q "
                        + "FROM chatbot_scores WHERE conversation_id = :c GROUP BY name, COALESCE(label, '')")
                .bind("c", conversationId).map((rs, ctx) -> {
                    Agg a = byName.computeIfAbsent(rs.getString("name"), k -> new Agg(null, k));
                    a.add(rs.getString("label"), rs.getLong("n"), rs.getBigDecimal("s"), rs.getBigDecimal("q"));
                    return a;
                }).list();
        List<Map<String, Object>> out = new ArrayList<>();
        for (Agg a : byName.values()) if (a.scores() > 0) out.add(a.json(null));
        return out;
    }

    /** One name's figures in one group. */
    private static final class Agg {
        private final String group;
        private final String name;
        private long numbers;
        private BigDecimal sum = BigDecimal.ZERO;
        private BigDecimal squares = BigDecimal.ZERO;
        private final Map<String, Long> labels = new TreeMap<>();

        Agg(String group, String name) {
            this.group = group;
            this.name = name;
        }

        void add(String label, long n, BigDecimal s, BigDecimal q) {
            if (n == 0) return; // every contribution moved out of this row
            if (label == null || label.isEmpty()) {
                numbers += n;
                sum = sum.add(s);
                squares = squares.add(q);
            } else {
                labels.merge(label, n, Long::sum);
            }
        }

        long scores() {
            return numbers + labels.values().stream().mapToLong(Long::longValue).sum();
        }

        Map<String, Object> json(Dimension groupBy) {
            Map<String, Object> m = new LinkedHashMap<>();
            if (groupBy != null) m.put(groupBy.rollupName(), group == null || group.isEmpty() ? null : group);
            m.put("name", name);
            m.put("scores", scores());
            m.put("numbers", numbers);
            m.put("average", numbers == 0 ? null : sum.divide(BigDecimal.valueOf(numbers), 4, RoundingMode.HALF_UP));
            m.put("stddev", numbers < 2 ? null : stddev());
            m.put("labels", labels.isEmpty() ? null : labels);
            return m;
        }

        /** The sample standard deviation: sqrt((Σx² − (Σx)²/n) / (n − 1)). */
        private BigDecimal stddev() {
            BigDecimal n = BigDecimal.valueOf(numbers);
            BigDecimal variance = squares.subtract(sum.multiply(sum).divide(n, 12, RoundingMode.HALF_UP))
                    .divide(n.subtract(BigDecimal.ONE), 12, RoundingMode.HALF_UP);
            return variance.signum() <= 0 ? BigDecimal.ZERO.setScale(4) : variance.sqrt(MathContext.DECIMAL64).setScale(4, RoundingMode.HALF_UP);
        }
    }
}
