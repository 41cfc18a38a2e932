package dev.chatlog.quality.stats;

import org.apache.commons.statistics.inference.ChiSquareTest;
import org.apache.commons.statistics.inference.FisherExactTest;
import org.apache.commons.statistics.interval.BinomialConfidenceInterval;

/**
 * A proportion's confidence interval, and two proportions compared (say, the share of answers rated good under two
 * prompts). Counts up to {@link Integer#MAX_VALUE}: the library's Wilson interval and Fisher test take ints.
 */
public final class Proportions {
    private Proportions() {}

    /** The test behind a {@link Difference}'s p-value. */
    public enum Test {
        /** The two-proportion z test, pooled, without continuity correction (Pearson's chi-square on the 2x2 table). */
        Z,
        /** Fisher's exact test, two-sided: chosen when an expected cell of the 2x2 table is below 5. */
        FISHER_EXACT
    }

    /**
     * Two proportions compared.
     *
     * @param difference {@code p1 - p2}
     * @param interval Newcombe's hybrid score interval for the difference
     * @param pValue two-sided, for {@code p1 == p2}, from {@code test}
     */
    public record Difference(double p1, double p2, double difference, Interval interval, double pValue, Test test) {}

    /**
     * The Wilson score interval of {@code successes / trials}: good coverage even for small counts and proportions
     * near 0 or 1, where the normal (Wald) interval fails. Computed by Commons Statistics.
     *
     * @throws IllegalArgumentException when {@code trials < 1}, {@code successes} is outside {@code [0, trials]},
     *     a count exceeds {@link Integer#MAX_VALUE} or {@code confidence} is not in (0, 1)
     */
    public static Interval wilson(long successes, long trials, double confidence) {
        Checks.zCritical(confidence);
        counts("", successes, trials);
        var i = BinomialConfidenceInterval.WILSON_SCORE.fromErrorRate((int) trials, (int) successes, 1 - confidence);
        return new Interval(i.getLowerBound(), i.getUpperBound());
    }

    /**
     * Compares {@code s1 / n1} with {@code s2 / n2}. The interval for the difference is Newcombe's method 10 (Newcombe
     * 1998, Statistics in Medicine 17:873–890): the hybrid of the two Wilson score intervals, which keeps its coverage
     * near 0 and 1 and for small samples. The p-value is the pooled two-proportion z test, or Fisher's exact test when
     * any expected cell count of the 2x2 table is below 5 (the usual rule for the chi-square approximation).
     *
     * @throws IllegalArgumentException as {@link #wilson} does, for either pair
     */
    public static Difference compare(long s1, long n1, long s2, long n2, double confidence) {
        counts("1", s1, n1);
        counts("2", s2, n2);
        Interval w1 = wilson(s1, n1, confidence), w2 = wilson(s2, n2, confidence);
        double p1 = (double) s1 / n1, p2 = (double) s2 / n2, d = p1 - p2;
        Interval interval = new Interval(
                d - Math.hypot(p1 - w1.lower(), w2.upper() - p2),
                d + Math.hypot(w1.upper() - p1, p2 - w2.lower()));
        long successes = s1 + s2, failures = n1 + n2 - successes;
        // the smallest expected cell is (smaller row total) * (smaller column total) / N
        boolean small = Math.min(n1, n2) * (double) Math.min(successes, failures) < 5.0 * (n1 + n2);
        if (small) {
            int[][] table = {{(int) s1, (int) (n1 - s1)}, {(int) s2, (int) (n2 - s2)}};
            return new Difference(p1, p2, d, interval, FisherExactTest.withDefaults().test(table).getPValue(), Test.FISHER_EXACT);
        }
        long[][] table = {{s1, n1 - s1}, {s2, n2 - s2}};
        return new Difference(p1, p2, d, interval, ChiSquareTest.withDefaults().test(table).getPValue(), Test.Z);
    }

    private static void counts(String which, long successes, long trials) {
        if (trials < 1 || trials > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("trials" + which + " must be in [1, " + Integer.MAX_VALUE + "], was " + trials);
        }
        if (successes < 0 || successes > trials) {
            throw new IllegalArgumentException("successes" + which + " must be in [0, trials" + which + " = " + trials + "], was " + successes);
        }
    }
}
