package dev.chatlog.quality.analysis;

import dev.chatlog.quality.stats.Trend;
import dev.chatlog.sql.Utc;
import dev.chatlog.sql.rollup.Dimension;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jdbi.v3.core.Jdbi;

/**
 * Whether a measure is getting better: per group, its daily values (UTC days) from the daily rollups, and the
 * Mann–Kendall test on them — improving or declining only when the test finds a monotonic trend at the level
 * {@code alpha} (0.05), else stable; with the p-value and Sen's slope (change per calendar day). Mann–Kendall because daily
 * values are few, not normal, and a trend is a direction rather than a line; a day with no data is left out, not
 * counted as zero, and each day weighs the same whatever its count. Measures: a score's daily average
 * ({@code score:<name>}, higher is better), the success rate of model calls ({@code success_rate}, higher is better)
 * and their mean latency ({@code latency_ms}, lower is better).
 */
public final class Trends {
    public static final double ALPHA = 0.05;
    /** The longest history read: a year of days. */
    public static final int MAX_DAYS = 366;
    private final Jdbi jdbi;

    public Trends(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** One measure: where it is read from, and which way is better. */
    public record Measure(String name, boolean higherIsBetter) {
        public static Measure parse(String v) {
            if (v == null || v.isBlank() || v.equals("success_rate")) return new Measure("success_rate", true);
            if (v.equals("latency_ms")) return new Measure("latency_ms", false);
            if (v.startsWith("score:") && v.length() > 6) return new Measure(v, true);
            throw new IllegalArgumentException("measure is success_rate, latency_ms or score:<name>");
        }
    }

    /**
     * @throws IllegalArgumentException for a call measure by user or intent: the usage rollups keep users apart
     *     ({@code chatbot_user_daily}) and count no failed calls per intent
     */
    public Map<String, Object> of(Measure m, Dimension by, LocalDate firstDay, LocalDate lastDay) {
        if (!m.name().startsWith("score:") && (by == Dimension.USER || by == Dimension.INTENT)) {
            throw new IllegalArgumentException(m.name() + " has no daily figures by " + by.rollupName() + ": group by all, model, agent, function or chat_mode");
        }
        Instant from = firstDay.atStartOfDay(ZoneOffset.UTC).toInstant(), to = lastDay.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        Map<String, TreeMap<LocalDate, double[]>> series = new TreeMap<>(); // group -> day -> {value, count}
        jdbi.useHandle(h -> {
            var q = m.name().startsWith("score:")
                    ? h.createQuery("SELECT dim_value, bucket_start, SUM(scores) n, SUM(value_sum) s FROM chatbot_score_rollup WHERE granularity = 'd' "
                            + "AND dimension = :d AND name = :name AND label = '' AND bucket_start >= :from AND bucket_start < :to "
                            + "GROUP BY dim_value, bucket_start").bind("name", m.name().substring(6))
                    : h.createQuery("SELECT dim_value, bucket_start, SUM(llm_calls) n, "
                            + (m.name().equals("success_rate") ? "SUM(llm_calls - failed_llm_calls)" : "SUM(llm_duration_ms)")
                            + " s FROM chatbot_usage_rollup WHERE granularity = 'd' AND dimension = :d AND bucket_start >= :from AND bucket_start < :to "
                            + "GROUP BY dim_value, bucket_start");
            q.bind("d", by.rollupName()).bind("from", Utc.time(from)).bind("to", Utc.time(to)).map((rs, ctx) -> {
                long n = rs.getLong("n");
                if (n > 0) {
                    series.computeIfAbsent(rs.getString("dim_value"), k -> new TreeMap<>()).put(rs.getTimestamp("bucket_start").toLocalDateTime().toLocalDate(),
                            new double[] {rs.getBigDecimal("s").doubleValue() / n, n});
                }
                return n;
            }).list();
        });
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("measure", m.name());
        out.put("higher_is_better", m.higherIsBetter());
        out.put("group_by", by.rollupName());
        out.put("from", firstDay.toString());
        out.put("to", lastDay.toString());
        out.put("test", "Mann-Kendall on daily values, two-sided, alpha " + ALPHA);
        List<Map<String, Object>> groups = new ArrayList<>();
        for (var e : series.entrySet()) {
            double[] values = e.getValue().values().stream().mapToDouble(v -> v[0]).toArray();
            Trend.MannKendall mk = Trend.mannKendall(values, ALPHA);
            Map<String, Object> g = new LinkedHashMap<>();
            g.put("group", e.getKey());
            g.put("days", mk.n());
            g.put("trend", verdict(mk.direction(), m.higherIsBetter()));
            g.put("p_value", mk.pValue());
            double slope = senSlope(e.getValue());
            g.put("sen_slope_per_day", Double.isNaN(slope) ? null : slope);
            if (mk.note() != null) g.put("note", mk.note());
            List<Map<String, Object>> points = new ArrayList<>();
            e.getValue().forEach((day, v) -> points.add(Map.of("day", day.toString(), "value", v[0], "count", (long) v[1])));
            g.put("series", points);
            groups.add(g);
        }
        out.put("groups", groups);
        return out;
    }

    /**
     * Sen's slope per calendar day: the median of the pairwise slopes over the days between the values (a day with no
     * data is a gap, not a step); NaN with fewer than two days.
     */
    static double senSlope(java.util.SortedMap<LocalDate, double[]> byDay) {
        List<LocalDate> days = new ArrayList<>(byDay.keySet());
        int n = days.size();
        if (n < 2) return Double.NaN;
        double[] slopes = new double[n * (n - 1) / 2];
        int k = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                long gap = java.time.temporal.ChronoUnit.DAYS.between(days.get(i), days.get(j));
                slopes[k++] = (byDay.get(days.get(j))[0] - byDay.get(days.get(i))[0]) / gap;
            }
        }
        java.util.Arrays.sort(slopes);
        return k % 2 == 1 ? slopes[k / 2] : (slopes[k / 2 - 1] + slopes[k / 2]) / 2;
    }

    /** improving, declining or stable: a direction the test found, read by which way is better. */
    static String verdict(Trend.Direction d, boolean higherIsBetter) {
        return switch (d) {
            case NONE -> "stable";
            case UP -> higherIsBetter ? "improving" : "declining";
            case DOWN -> higherIsBetter ? "declining" : "improving";
        };
    }
}
