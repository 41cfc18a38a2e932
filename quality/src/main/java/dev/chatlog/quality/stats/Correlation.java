package dev.chatlog.quality.stats;

import org.apache.commons.statistics.distribution.TDistribution;
import org.apache.commons.statistics.ranking.NaturalRanking;
import org.apache.commons.statistics.ranking.TiesStrategy;

/**
 * Correlation of paired values (say, a judge's score and a human's, or cost and quality per call) with a confidence
 * interval by Fisher's z transformation and a two-sided p-value from the t distribution with n - 2 degrees of freedom.
 */
public final class Correlation {
    private static final NaturalRanking RANKS = new NaturalRanking(TiesStrategy.AVERAGE);

    private Correlation() {}

    /** Which coefficient. */
    public enum Method {
        /** Pearson's product-moment r: linear association. */
        PEARSON,
        /** Spearman's rho: Pearson's r of the ranks (ties get their average rank), any monotonic association. */
        SPEARMAN
    }

    /**
     * A correlation coefficient. With fewer than 4 pairs there is no interval (Fisher's z needs n &gt; 3): it is
     * {@link Interval#UNDEFINED} and {@code note} says so; with fewer than 3 there is no p-value either (NaN).
     * {@code note} is null when everything is defined.
     *
     * @param pValue two-sided, for no correlation: {@code t = r sqrt((n - 2) / (1 - r^2))} on n - 2 degrees of freedom
     */
    public record Coefficient(Method method, double r, int n, Interval interval, double pValue, String note) {}

    /**
     * Pearson's r; its interval is {@code tanh(atanh(r) ± z / sqrt(n - 3))}.
     *
     * @throws IllegalArgumentException when an array is null or empty, they differ in length, a value is not finite,
     *     the values of {@code x} or of {@code y} are all equal (r is then undefined), or {@code confidence} is not in
     *     (0, 1)
     */
    public static Coefficient pearson(double[] x, double[] y, double confidence) {
        check(x, y, confidence);
        double r = r(x, y);
        return coefficient(Method.PEARSON, r, x.length, confidence, 1 / Math.sqrt(x.length - 3.0));
    }

    /**
     * Spearman's rho, ties ranked by their average rank. Its interval uses Fisher's z with the standard error of
     * Bonett &amp; Wright (2000, Psychometrika 65:23–28), {@code sqrt((1 + rho^2 / 2) / (n - 3))}: wider than
     * Pearson's {@code 1 / sqrt(n - 3)}, which is too narrow for rank correlations (Fieller, Hartley &amp; Pearson's
     * {@code sqrt(1.06 / (n - 3))} is the older alternative, not used here).
     *
     * @throws IllegalArgumentException as {@link #pearson} does
     */
    public static Coefficient spearman(double[] x, double[] y, double confidence) {
        check(x, y, confidence);
        double r = r(RANKS.apply(x), RANKS.apply(y));
        return coefficient(Method.SPEARMAN, r, x.length, confidence, Math.sqrt((1 + r * r / 2) / (x.length - 3.0)));
    }

    private static Coefficient coefficient(Method method, double r, int n, double confidence, double se) {
        double p = Double.NaN;
        if (n >= 3) {
            double t = Math.abs(r) * Math.sqrt((n - 2) / ((1 - r) * (1 + r)));
            p = Math.min(1, 2 * TDistribution.of(n - 2).survivalProbability(t));
        }
        if (n < 4) {
            return new Coefficient(method, r, n, Interval.UNDEFINED, p, "only " + n + " pairs: no interval (Fisher's z needs"
                    + " at least 4)" + (n < 3 ? " and no p-value (the t test needs at least 3)" : ""));
        }
        double z = atanh(r), half = Checks.zCritical(confidence) * se;
        return new Coefficient(method, r, n, new Interval(Math.tanh(z - half), Math.tanh(z + half)), p, null);
    }

    private static double atanh(double r) {
        return 0.5 * Math.log((1 + r) / (1 - r)); // ±Infinity at r = ±1, and tanh brings it back to ±1
    }

    private static double r(double[] x, double[] y) {
        double mx = 0, my = 0;
        for (int i = 0; i < x.length; i++) {
            mx += x[i];
            my += y[i];
        }
        mx /= x.length;
        my /= y.length;
        double sxx = 0, syy = 0, sxy = 0;
        for (int i = 0; i < x.length; i++) {
            double dx = x[i] - mx, dy = y[i] - my;
            sxx += dx * dx;
            syy += dy * dy;
            sxy += dx * dy;
        }
        return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
    }

    private static void check(double[] x, double[] y, double confidence) {
        Checks.zCritical(confidence);
        Checks.finite("x", x);
        Checks.finite("y", y);
        if (x.length != y.length) {
            throw new IllegalArgumentException("x has " + x.length + " values and y " + y.length + ": they must be pairs");
        }
        if (x.length == 0) {
            throw new IllegalArgumentException("no pairs");
        }
        constant("x", x);
        constant("y", y);
    }

    private static void constant(String name, double[] values) {
        for (double v : values) {
            if (v != values[0]) {
                return;
            }
        }
        throw new IllegalArgumentException("all values of " + name + " are equal (" + values[0]
                + "): a correlation with a constant is undefined");
    }
}
