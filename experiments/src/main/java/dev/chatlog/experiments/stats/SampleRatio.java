package dev.chatlog.experiments.stats;

import org.apache.commons.statistics.inference.ChiSquareTest;

/**
 * The sample ratio mismatch (SRM) check: do the arms hold the shares of traffic the experiment assigned? It is
 * Pearson's chi-square goodness-of-fit test of the observed counts against {@code total * share} on k - 1 degrees of
 * freedom, computed by Commons Statistics' {@link ChiSquareTest}. A mismatch is called when p &lt; {@value #THRESHOLD}:
 * a strict level, common among experimentation platforms for this guard-rail, because it runs on every experiment and
 * on every look (on its causes and why to check it: Fabijan et al. 2019, "Diagnosing sample ratio mismatch in online
 * controlled experiments", KDD '19). A mismatch means the assignment or the logging is broken, and the experiment's
 * other results should not be read until it is explained.
 */
public final class SampleRatio {
    /** The p-value below which a mismatch is called. */
    public static final double THRESHOLD = 0.001;

    /** How far from 1 the shares may sum (rounding of, say, three shares of 1/3). */
    static final double SHARE_TOLERANCE = 1e-6;

    private SampleRatio() {}

    /**
     * A sample ratio check.
     *
     * @param statistic Pearson's chi-square, {@code Σ (observed - expected)^2 / expected}
     * @param degreesOfFreedom the number of arms minus 1
     * @param pValue the chi-square upper tail probability of {@code statistic}
     * @param mismatch whether {@code pValue < }{@link #THRESHOLD}
     * @param total the observed count over all arms
     */
    public record Check(double statistic, int degreesOfFreedom, double pValue, boolean mismatch, long total) {}

    /**
     * Checks the observed counts per arm against the assigned shares (same order). The chi-square approximation
     * wants an expected count of at least 5 in each arm; below that the p-value is rough, but a real mismatch
     * cannot be seen on so little traffic anyway.
     *
     * @throws IllegalArgumentException when an array is null, they differ in length, there are fewer than 2 arms, a
     *     count is negative, all counts are 0, a share is not a finite number &gt; 0 (leave out an arm with share 0),
     *     or the shares do not sum to 1 (within {@code 1e-6})
     */
    public static Check check(long[] observed, double[] expectedShares) {
        if (observed == null || expectedShares == null) {
            throw new IllegalArgumentException("the observed counts and the expected shares are both required");
        }
        if (observed.length != expectedShares.length) {
            throw new IllegalArgumentException(observed.length + " observed counts but " + expectedShares.length
                    + " expected shares: one of each per arm");
        }
        if (observed.length < 2) {
            throw new IllegalArgumentException("at least 2 arms are needed, got " + observed.length);
        }
        long total = 0;
        double shares = 0;
        for (int i = 0; i < observed.length; i++) {
            if (observed[i] < 0) {
                throw new IllegalArgumentException("observed[" + i + "] is negative: " + observed[i]);
            }
            total = Math.addExact(total, observed[i]);
            shares += Args.positive("expectedShares[" + i + "]", expectedShares[i]);
        }
        if (Math.abs(shares - 1) > SHARE_TOLERANCE) {
            throw new IllegalArgumentException("the expected shares sum to " + shares + ", not 1");
        }
        if (total == 0) {
            throw new IllegalArgumentException("no observations: every count is 0");
        }
        double[] expected = new double[observed.length];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = expectedShares[i] / shares * total;
        }
        var result = ChiSquareTest.withDefaults().test(expected, observed);
        return new Check(result.getStatistic(), observed.length - 1, result.getPValue(), result.getPValue() < THRESHOLD, total);
    }
}
