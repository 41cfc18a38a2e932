package dev.chatlog.quality.stats;

import java.util.Arrays;
import org.apache.commons.statistics.descriptive.Median;

/**
 * Whether a series of daily values (a score's daily mean, a daily error rate) goes up or down. The test is Mann–Kendall
 * because it is nonparametric: it needs no normality (daily rates and means are often skewed, bounded or have
 * outliers), it tests for a monotonic trend, not only a linear one, and it is robust to a single odd day. Its slope is
 * Sen's (the Theil–Sen estimator): the median of all pairwise slopes, just as robust.
 */
public final class Trend {
    /** The longest series taken: Sen's slope keeps every pairwise slope, n(n - 1)/2 of them. */
    public static final int MAX_VALUES = 5_000;

    private Trend() {}

    /** The direction called: UP or DOWN only when the test is significant. */
    public enum Direction { UP, DOWN, NONE }

    /**
     * A Mann–Kendall test. With fewer than 4 values, or all of them equal, there is nothing to test: the direction is
     * NONE, the p-value 1 (z NaN for fewer than 4 values) and {@code note} says why; otherwise {@code note} is null.
     *
     * @param s Kendall's S: the pairs (earlier, later) that rise minus those that fall
     * @param varianceS the variance of S under no trend, corrected for ties: {@code [n(n-1)(2n+5) - Σ t(t-1)(2t+5)] /
     *     18} over the groups of t equal values
     * @param z {@code (S - 1) / sqrt(varianceS)} for S &gt; 0, {@code (S + 1) / sqrt(varianceS)} for S &lt; 0, 0 for S
     *     = 0 (with continuity correction)
     * @param pValue two-sided, from the standard normal distribution
     * @param senSlope the median of {@code (x[j] - x[i]) / (j - i)} over i &lt; j: change per step (per day for daily
     *     values); NaN for fewer than 2 values
     */
    public record MannKendall(int n, long s, double varianceS, double z, double pValue, double senSlope,
                              Direction direction, String note) {}

    /**
     * The Mann–Kendall test on {@code values} in time order, one per equally spaced step (day), at level {@code alpha}.
     *
     * @throws IllegalArgumentException when {@code values} is null, has more than {@link #MAX_VALUES} values or one
     *     that is not finite, or {@code alpha} is not in (0, 1)
     */
    public static MannKendall mannKendall(double[] values, double alpha) {
        if (!(alpha > 0 && alpha < 1)) {
            throw new IllegalArgumentException("alpha must be in (0, 1), was " + alpha);
        }
        Checks.finite("values", values);
        int n = values.length;
        if (n > MAX_VALUES) {
            throw new IllegalArgumentException(n + " values: at most " + MAX_VALUES + " (Sen's slope keeps every pairwise slope)");
        }
        long s = 0;
        double[] slopes = new double[n * (n - 1) / 2];
        for (int i = 0, k = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                s += values[j] > values[i] ? 1 : values[j] < values[i] ? -1 : 0;
                slopes[k++] = (values[j] - values[i]) / (j - i);
            }
        }
        double sen = n < 2 ? Double.NaN : Median.withDefaults().withCopy(false).evaluate(slopes);
        double variance = (n * (n - 1L) * (2L * n + 5) - ties(values)) / 18.0;
        if (n < 4) {
            return new MannKendall(n, s, variance, Double.NaN, 1, sen, Direction.NONE, "only " + n + " values: at least 4 needed");
        }
        if (variance == 0) {
            return new MannKendall(n, s, variance, 0, 1, sen, Direction.NONE, "all values are equal");
        }
        double z = s == 0 ? 0 : (s - Math.signum(s)) / Math.sqrt(variance);
        double p = Math.min(1, 2 * Checks.STANDARD_NORMAL.survivalProbability(Math.abs(z)));
        Direction d = p >= alpha ? Direction.NONE : s > 0 ? Direction.UP : Direction.DOWN;
        return new MannKendall(n, s, variance, z, p, sen, d, null);
    }

    /** Σ t(t-1)(2t+5) over the groups of t equal values. */
    private static long ties(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        long sum = 0;
        for (int i = 0; i < sorted.length; ) {
            int j = i;
            while (j < sorted.length && sorted[j] == sorted[i]) {
                j++;
            }
            long t = j - i;
            sum += t * (t - 1) * (2 * t + 5);
            i = j;
        }
        return sum;
    }
}
