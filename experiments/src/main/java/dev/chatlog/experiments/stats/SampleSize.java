package dev.chatlog.experiments.stats;

import org.apache.commons.statistics.distribution.ChiSquaredDistribution;
import org.apache.commons.statistics.distribution.TDistribution;

/**
 * How many observations each of two equal arms needs for a two-sided test at level alpha to detect a given difference
 * with a given power: the numbers R's {@code power.prop.test} and {@code power.t.test} give (with their default
 * {@code strict = FALSE}: a rejection in the wrong direction does not count as power).
 */
public final class SampleSize {
    /** Simpson intervals over the chi-square law of the variance estimate (even). */
    private static final int INTERVALS = 2_000;
    /** The chi-square mass left off at each end of the integral. */
    private static final double TAIL = 1e-15;

    private SampleSize() {}

    /**
     * A sample size.
     *
     * @param perArm observations per arm: {@code unrounded} rounded up
     * @param unrounded the solution of the power equation, as R prints it
     */
    public record Estimate(long perArm, double unrounded) {}

    /**
     * Per-arm n to tell proportion {@code p1} from {@code p2} with the pooled two-proportion z test (the chi-square
     * test of the 2x2 table without continuity correction), two-sided: the closed form
     * {@code n = (z(1-alpha/2) sqrt(2 pbar (1 - pbar)) + z(power) sqrt(p1 (1 - p1) + p2 (1 - p2)))^2 / (p1 - p2)^2},
     * {@code pbar = (p1 + p2) / 2}, of Fleiss, Levin &amp; Paik (2003, Statistical Methods for Rates and Proportions,
     * 3rd ed., ch. 4, without continuity correction). It is the exact root of the power equation R's
     * {@code power.prop.test} solves numerically. At least 1.
     *
     * @throws IllegalArgumentException when a proportion is not in [0, 1], {@code p1 == p2} (no difference to detect),
     *     or {@code alpha} or {@code power} is not in (0, 1)
     */
    public static Estimate twoProportions(double p1, double p2, double alpha, double power) {
        proportion("p1", p1);
        proportion("p2", p2);
        if (p1 == p2) {
            throw new IllegalArgumentException("p1 and p2 are both " + p1 + ": there is no difference to detect");
        }
        Args.openUnit("alpha", alpha);
        Args.openUnit("power", power);
        double pbar = (p1 + p2) / 2;
        double root = Args.upperZ(alpha / 2) * Math.sqrt(2 * pbar * (1 - pbar))
                + Args.upperZ(1 - power) * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2));
        // root <= 0 only when even no data at all reaches the power asked for (a power below alpha / 2 or so)
        double n = root <= 0 ? 0 : root * root / ((p1 - p2) * (p1 - p2));
        return new Estimate(Math.max(1, roundUp(n)), n);
    }

    /**
     * Per-arm n to detect a difference {@code delta} between two means with Student's two-sample t test (equal
     * variances {@code sd^2}, {@code 2(n - 1)} degrees of freedom), two-sided, by its exact power as R's
     * {@code power.t.test} computes it: {@code power(n) = P(T > t(1 - alpha/2; nu))} for T noncentral t with
     * {@code nu = 2(n - 1)} and noncentrality {@code delta / sd * sqrt(n / 2)}. Commons Statistics 1.2 has no noncentral
     * t, so its tail is computed here from its definition {@code T = (Z + ncp) / sqrt(V / nu)}: {@code E[P(Z > t
     * sqrt(V / nu) - ncp)]} over {@code V ~ chi-square(nu)}, by Simpson's rule; n is then found by bisection. (The
     * normal approximation {@code 2 (z(1-alpha/2) + z(power))^2 sd^2 / delta^2} is smaller by about one observation:
     * 21.01 instead of 22.02 for {@code delta = sd}, power 0.9, alpha 0.05.) Welch's test, which {@link Welch} runs,
     * needs about the same n when the arms are equal in size and spread. At least 2 (a variance needs two).
     *
     * @throws IllegalArgumentException when {@code sd} is not a finite number &gt; 0, {@code delta} is 0 or not
     *     finite, or {@code alpha} or {@code power} is not in (0, 1)
     */
    public static Estimate twoMeans(double sd, double delta, double alpha, double power) {
        Args.positive("sd", sd);
        if (Args.finite("delta", delta) == 0) {
            throw new IllegalArgumentException("delta is 0: there is no difference to detect");
        }
        Args.openUnit("alpha", alpha);
        Args.openUnit("power", power);
        double effect = Math.abs(delta) / sd;
        double lo = 2;
        if (tTestPower(lo, effect, alpha) >= power) {
            return new Estimate(2, 2);
        }
        double z = Args.upperZ(alpha / 2) + Args.upperZ(1 - power);
        double hi = Math.max(4, 2 * z * z / (effect * effect) + 4);
        while (tTestPower(hi, effect, alpha) < power) {
            lo = hi;
            hi *= 2;
        }
        while (hi - lo > 1e-9 * hi) {
            double mid = (lo + hi) / 2;
            if (tTestPower(mid, effect, alpha) < power) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        double n = (lo + hi) / 2;
        return new Estimate(roundUp(n), n);
    }

    /** The power of the two-sided two-sample t test with n per arm, not counting rejections in the wrong tail. */
    static double tTestPower(double n, double effect, double alpha) {
        double nu = 2 * (n - 1);
        double critical = TDistribution.of(nu).inverseSurvivalProbability(alpha / 2);
        return noncentralTSurvival(critical, nu, effect * Math.sqrt(n / 2));
    }

    /** {@code P(T > t)} for T noncentral t with {@code nu} degrees of freedom and noncentrality {@code ncp}. */
    static double noncentralTSurvival(double t, double nu, double ncp) {
        ChiSquaredDistribution chi = ChiSquaredDistribution.of(nu);
        double a = chi.inverseCumulativeProbability(TAIL), b = chi.inverseSurvivalProbability(TAIL);
        double h = (b - a) / INTERVALS, sum = 0;
        for (int i = 0; i <= INTERVALS; i++) {
            double v = a + i * h;
            double f = chi.density(v) * Args.STANDARD_NORMAL.survivalProbability(t * Math.sqrt(v / nu) - ncp);
            sum += (i == 0 || i == INTERVALS ? 1 : i % 2 == 1 ? 4 : 2) * f;
        }
        return Math.min(1, Math.max(0, sum * h / 3));
    }

    private static long roundUp(double n) {
        return (long) Math.ceil(n - 1e-9); // an n a rounding error above an integer is that integer
    }

    private static void proportion(String name, double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException(name + " must be a proportion in [0, 1], was " + p);
        }
    }
}
