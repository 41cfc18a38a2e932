package dev.chatlog.alerts.observe;

import dev.chatlog.alerts.AlertEvaluator;
import dev.chatlog.alerts.AlertRule;
import dev.chatlog.alerts.AlertState;

import dev.chatlog.sql.Utc;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.commons.statistics.inference.AlternativeHypothesis;
import org.apache.commons.statistics.inference.TTest;
import org.jdbi.v3.core.Jdbi;

/**
 * What a {@code quality_drop} rule observes: per group, a score's count, average and variance over the window and over
 * the baseline before it, from the hourly score rollups (the hours the window overlaps, whole). ALERT when the average
 * is below {@code alert_below}; ALERT (WARNING) when it is at least {@code alert_above} ({@code warn_above}) below the
 * baseline's and Welch's one-sided t-test (unequal variances, from the sums and sums of squares) gives p &lt; 0.05 —
 * a drop read every minute from noise is not called a drop; with fewer than {@code min_calls} scores in the window, OK.
 */
public final class QualityObservations {
    static final double SIGNIFICANCE = 0.05;
    private final Jdbi jdbi;

    public QualityObservations(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** count, sum, sum of squares of the numbers of score {@code name} per group over [from, to). */
    private Map<String, double[]> sums(AlertRule r, Instant from, Instant to) {
        Map<String, double[]> out = new HashMap<>();
        jdbi.useHandle(h -> {
            var q = h.createQuery("SELECT dim_value, SUM(scores) n, SUM(value_sum) s, SUM(value_sq_sum) q FROM chatbot_score_rollup "
                    + "WHERE granularity = 'h' AND dimension = :d AND name = :name AND label = '' AND bucket_start >= :from AND bucket_start < :to"
                    + (r.match() == null ? "" : " AND dim_value = :v") + " GROUP BY dim_value HAVING SUM(scores) > 0") // erased scores leave rows at 0
                    .bind("d", r.by()).bind("name", r.metric()).bind("from", Utc.time(from)).bind("to", Utc.time(to));
            if (r.match() != null) q.bind("v", r.match());
            q.map((rs, ctx) -> out.put(rs.getString(1), new double[] {rs.getLong(2), rs.getBigDecimal(3).doubleValue(), rs.getBigDecimal(4).doubleValue()})).list();
        });
        return out;
    }

    public List<AlertEvaluator.Observation> observe(AlertRule r, Instant now) {
        Instant to = now.truncatedTo(ChronoUnit.HOURS).plus(1, ChronoUnit.HOURS);
        Instant from = now.minus(r.window()).truncatedTo(ChronoUnit.HOURS);
        Instant baseFrom = from.minus(r.baseline());
        Map<String, double[]> window = sums(r, from, to);
        Map<String, double[]> base = r.alertAbove() == null ? Map.of() : sums(r, baseFrom, from);
        List<AlertEvaluator.Observation> out = new ArrayList<>();
        for (String g : new TreeSet<>(window.keySet())) {
            double[] w = window.get(g);
            long n = (long) w[0];
            double mean = w[1] / n;
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("score", r.metric());
            f.put("average", round(mean));
            f.put("scores", n);
            AlertState state = AlertState.OK;
            if (n >= r.minCalls()) {
                if (r.alertBelow() != null && mean < r.alertBelow().doubleValue()) state = AlertState.ALERT;
                double[] b = base.get(g);
                if (b != null && b[0] >= 2 && n >= 2) {
                    long nb = (long) b[0];
                    double mb = b[1] / nb;
                    double drop = mb - mean;
                    double p = TTest.withDefaults().with(AlternativeHypothesis.GREATER_THAN)
                            .test(mb, variance(b), nb, mean, variance(w), n).getPValue();
                    f.put("baseline_average", round(mb));
                    f.put("baseline_scores", nb);
                    f.put("drop", round(drop));
                    f.put("p_value", Double.isNaN(p) ? (drop > 0 && variance(b) == 0 && variance(w) == 0 ? 0.0 : null) : p);
                    // no spread on either side (every score 5, then every score 1): the difference is all there is, and certain;
                    // otherwise NaN is no evidence
                    boolean real = p < SIGNIFICANCE || (variance(b) == 0 && variance(w) == 0 && drop > 0);
                    if (real && drop > r.alertAbove().doubleValue()) state = AlertState.ALERT;
                    else if (real && state == AlertState.OK && r.warnAbove() != null && drop > r.warnAbove().doubleValue()) state = AlertState.WARNING;
                }
            }
            out.add(new AlertEvaluator.Observation(g, round(mean), n, f, state));
        }
        return out;
    }

    /** The sample variance from a count, a sum and a sum of squares (never negative from rounding). */
    private static double variance(double[] s) {
        double n = s[0];
        return n < 2 ? 0 : Math.max(0, (s[2] - s[1] * s[1] / n) / (n - 1));
    }

    private static BigDecimal round(double v) {
        return BigDecimal.valueOf(v).setScale(4, RoundingMode.HALF_UP);
    }
}
