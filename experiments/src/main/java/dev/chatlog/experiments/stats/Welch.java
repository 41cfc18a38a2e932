package dev.chatlog.experiments.stats;

import dev.chatlog.quality.stats.Interval;
import org.apache.commons.statistics.distribution.TDistribution;
import org.apache.commons.statistics.inference.TTest;

/**
 * Welch's t test and confidence interval for the difference of two means with unequal variances (Welch 1947,
 * Biometrika 34:28–35; degrees of freedom by Satterthwaite 1946, Biometrics Bulletin 2:110–114), from summary
 * statistics alone: what {@code t.test(x, y)} gives in R (its default {@code var.equal = FALSE}). The t statistic,
 * degrees of freedom and p-value come from Commons Statistics' {@link TTest} (heteroscedastic, its default); the
 * interval uses the {@link TDistribution} quantile. This is the fixed-horizon test: read once, at the sample size
 * planned in advance. To watch an experiment as it runs, use {@link Sequential}.
 */
public final class Welch {
    private Welch() {}

    /**
     * A difference of two means, arm 2 minus arm 1. When both variances are 0 there is nothing to test (the t
     * statistic would be a difference over 0): {@code t}, {@code degreesOfFreedom} and {@code pValue} are NaN, the
     * interval is {@link Interval#UNDEFINED} and {@code undefinedReason} says why; otherwise it is null.
     *
     * @param difference {@code mean2 - mean1}
     * @param standardError {@code sqrt(var1 / n1 + var2 / n2)}
     * @param t {@code difference / standardError}
     * @param degreesOfFreedom Welch–Satterthwaite: {@code se^4 / ((var1/n1)^2 / (n1 - 1) + (var2/n2)^2 / (n2 - 1))}
     * @param interval {@code difference ± t(1 - (1 - confidence)/2; df) * standardError}
     * @param pValue two-sided, for equal means
     */
    public record Difference(double difference, double standardError, double t, double degreesOfFreedom,
                             Interval interval, double pValue, double confidence, String undefinedReason) {
        /** Whether the test is defined. */
        public boolean defined() {
            return undefinedReason == null;
        }
    }

    /**
     * Compares arm 2 with arm 1 from their means, sample variances (denominator n - 1) and counts.
     *
     * @throws IllegalArgumentException when a count is below 2, a mean is not finite, a variance is negative or not
     *     finite, or {@code confidence} is not in (0, 1)
     */
    public static Difference compare(double mean1, double var1, long n1, double mean2, double var2, long n2,
                                     double confidence) {
        Args.openUnit("confidence", confidence);
        arm("1", mean1, var1, n1);
        arm("2", mean2, var2, n2);
        double d = mean2 - mean1;
        double se = Math.sqrt(var1 / n1 + var2 / n2);
        if (se == 0) {
            return new Difference(d, 0, Double.NaN, Double.NaN, Interval.UNDEFINED, Double.NaN, confidence,
                    "both variances are 0: no spread to test the difference against");
        }
        TTest.Result r = TTest.withDefaults().test(mean2, var2, n2, mean1, var1, n1);
        double half = TDistribution.of(r.getDegreesOfFreedom()).inverseSurvivalProbability((1 - confidence) / 2) * se;
        return new Difference(d, se, r.getStatistic(), r.getDegreesOfFreedom(), new Interval(d - half, d + half),
                r.getPValue(), confidence, null);
    }

    /** {@link #compare(double, double, long, double, double, long, double)} from two arms' summaries. */
    public static Difference compare(Summary arm1, Summary arm2, double confidence) {
        if (arm1 == null || arm2 == null) {
            throw new IllegalArgumentException("both arms' summaries are required");
        }
        return compare(arm1.mean(), arm1.variance(), arm1.n(), arm2.mean(), arm2.variance(), arm2.n(), confidence);
    }

    private static void arm(String which, double mean, double variance, long n) {
        if (n < 2) {
            throw new IllegalArgumentException("n" + which + " must be >= 2 (a sample variance needs two values), was " + n);
        }
        Args.finite("mean" + which, mean);
        Args.nonNegative("var" + which, variance);
    }
}
