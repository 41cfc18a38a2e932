package dev.chatlog.experiments.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.quality.stats.Interval;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The confidence sequence: its formula, that it is wider than the fixed-horizon interval, and, by simulation with
 * fixed seeds, that peeking at it after every 100 observations keeps its error rate below alpha where peeking at the
 * fixed-horizon interval does not.
 */
class SequentialTest {
    private static final int EXPERIMENTS = 1000, PER_ARM = 10_000, EVERY = 100;

    @Test
    void should_implement_the_normal_mixture_formula() {
        // v = 0.0004, tau² = 0.01, alpha = 0.05: sqrt(0.0004 * 0.0104 / 0.01 * ln(0.0104 / (0.0004 * 0.0025)))
        // = sqrt(0.000416 * ln(10400)) = sqrt(0.000416 * 9.249561) = 0.0620308
        Sequential s = new Sequential(0.05, 0.01);
        assertEquals(0.0620308, s.halfWidth(0.0004), 1e-7);
        Sequential.Estimate e = s.interval(0.1, 0.0004);
        assertEquals(0.1 - 0.0620308, e.interval().lower(), 1e-7);
        assertEquals(0.1 + 0.0620308, e.interval().upper(), 1e-7);
        assertTrue(e.excludesZero());
    }

    @Test
    void should_bound_where_the_mixture_likelihood_ratio_reaches_1_over_alpha() {
        for (double alpha : new double[] {0.01, 0.05, 0.2}) {
            for (double tau2 : new double[] {1e-4, 0.01, 1}) {
                Sequential s = new Sequential(alpha, tau2);
                for (double v : new double[] {1e-6, 1e-3, 0.5}) {
                    double edge = 0.3 + s.halfWidth(v);
                    assertEquals(1 / alpha, s.likelihoodRatio(0.3, v, edge), 1e-9 / alpha);
                }
            }
        }
    }

    @Test
    void should_always_be_wider_than_the_fixed_horizon_interval() {
        for (double alpha : new double[] {0.001, 0.01, 0.05, 0.1, 0.3}) {
            double z = Args.upperZ(alpha / 2);
            for (double tau2 : new double[] {1e-6, 1e-4, 0.01, 1, 100}) {
                Sequential s = new Sequential(alpha, tau2);
                for (double v = 1e-9; v < 1e4; v *= 3.7) {
                    assertTrue(s.halfWidth(v) > z * Math.sqrt(v), "alpha " + alpha + ", tau² " + tau2 + ", v " + v);
                }
            }
        }
    }

    @Test
    void should_be_near_its_narrowest_at_the_planned_horizon_with_tau_squared_the_effect_squared() {
        // planned for 90% power at 0.05 to detect mde: v = mde² / (z(.975) + z(.9))²; the narrowest tau² over a grid
        double mde = 0.1, z = Args.upperZ(0.025) + Args.upperZ(0.1), v = mde * mde / (z * z);
        double best = Double.POSITIVE_INFINITY;
        for (double tau2 = v / 100; tau2 < v * 100; tau2 *= 1.001) {
            best = Math.min(best, new Sequential(0.05, tau2).halfWidth(v));
        }
        double chosen = Sequential.forEffect(0.05, mde).halfWidth(v);
        System.out.printf("half-width at the planned horizon: %.6f with tau² = mde², %.6f at best (+%.2f%%)%n",
                chosen, best, 100 * (chosen / best - 1));
        assertTrue(chosen < best * 1.01);
    }

    @Test
    void should_keep_its_error_rate_under_peeking_where_the_fixed_horizon_interval_does_not() {
        // no true difference: both arms N(0, 1); looked at after every 100 observations per arm, up to 10,000
        SplittableRandom random = new SplittableRandom(20_260_101L);
        Sequential sequence = Sequential.forEffect(0.05, 0.1);
        int sequenceEver = 0, fixedEver = 0, fixedAtEnd = 0;
        for (int e = 0; e < EXPERIMENTS; e++) {
            double sum1 = 0, squares1 = 0, sum2 = 0, squares2 = 0;
            boolean sequenceHit = false, fixedHit = false;
            for (int i = 1; i <= PER_ARM; i++) {
                double x = random.nextGaussian(), y = random.nextGaussian();
                sum1 += x;
                squares1 += x * x;
                sum2 += y;
                squares2 += y * y;
                if (i % EVERY == 0) {
                    Summary a = Summary.of(i, sum1, squares1), b = Summary.of(i, sum2, squares2);
                    sequenceHit |= sequence.means(a, b).excludesZero();
                    boolean fixed = excludesZero(Welch.compare(a, b, 0.95).interval());
                    fixedHit |= fixed;
                    if (i == PER_ARM && fixed) {
                        fixedAtEnd++;
                    }
                }
            }
            sequenceEver += sequenceHit ? 1 : 0;
            fixedEver += fixedHit ? 1 : 0;
        }
        double sequenceRate = sequenceEver / (double) EXPERIMENTS, fixedRate = fixedEver / (double) EXPERIMENTS;
        System.out.printf("no difference, %d experiments, %d looks each: the always-valid 95%% sequence ever excluded 0 in"
                + " %.1f%%; the fixed-horizon 95%% Welch interval in %.1f%% (at the last look only: %.1f%%)%n",
                EXPERIMENTS, PER_ARM / EVERY, 100 * sequenceRate, 100 * fixedRate, 100.0 * fixedAtEnd / EXPERIMENTS);
        assertTrue(sequenceRate <= 0.05, "sequence error rate " + sequenceRate);
        assertTrue(fixedRate > 0.15, "peeking at the fixed-horizon interval, error rate " + fixedRate);
    }

    @Test
    void should_keep_its_error_rate_for_proportions_too() {
        // no true difference: both arms succeed with probability 0.2
        SplittableRandom random = new SplittableRandom(7_2026L);
        Sequential sequence = Sequential.forEffect(0.05, 0.02);
        int ever = 0;
        for (int e = 0; e < EXPERIMENTS; e++) {
            long s1 = 0, s2 = 0;
            boolean hit = false;
            for (int i = 1; i <= PER_ARM; i++) {
                s1 += random.nextDouble() < 0.2 ? 1 : 0;
                s2 += random.nextDouble() < 0.2 ? 1 : 0;
                if (i % EVERY == 0) {
                    hit |= sequence.proportions(s1, i, s2, i).excludesZero();
                }
            }
            ever += hit ? 1 : 0;
        }
        System.out.printf("no difference in proportions (0.2 vs 0.2): the sequence ever excluded 0 in %.1f%%%n",
                100.0 * ever / EXPERIMENTS);
        assertTrue(ever <= 0.05 * EXPERIMENTS);
    }

    @Test
    void should_eventually_exclude_0_when_there_is_a_difference() {
        // arm 2 is 0.1 sd better, the effect the sequence is tuned to; 200 experiments of up to 10,000 per arm
        SplittableRandom random = new SplittableRandom(42L);
        Sequential sequence = Sequential.forEffect(0.05, 0.1);
        int detected = 0, wrongSign = 0;
        long firstLooks = 0;
        for (int e = 0; e < 200; e++) {
            double sum1 = 0, squares1 = 0, sum2 = 0, squares2 = 0;
            for (int i = 1; i <= PER_ARM; i++) {
                double x = random.nextGaussian(), y = 0.1 + random.nextGaussian();
                sum1 += x;
                squares1 += x * x;
                sum2 += y;
                squares2 += y * y;
                if (i % EVERY == 0) {
                    Sequential.Estimate est = sequence.means(Summary.of(i, sum1, squares1), Summary.of(i, sum2, squares2));
                    if (est.excludesZero()) {
                        detected++;
                        wrongSign += est.interval().upper() < 0 ? 1 : 0;
                        firstLooks += i;
                        break;
                    }
                }
            }
        }
        System.out.printf("difference 0.1 sd: detected in %d of 200 experiments, after %.0f per arm on average%n",
                detected, firstLooks / (double) Math.max(1, detected));
        assertTrue(detected >= 190, "detected " + detected);
        assertEquals(0, wrongSign);
        // and deterministically: the half-width goes to 0 as the variance does, so any fixed difference is excluded
        Sequential s = new Sequential(0.05, 0.01);
        assertTrue(s.halfWidth(1e-8) < 1e-3);
        assertTrue(s.interval(0.01, 1e-8).excludesZero());
    }

    @Test
    void should_be_undefined_without_variance_and_reject_bad_input() {
        Sequential s = Sequential.forEffect(0.05, 0.1);
        Sequential.Estimate none = s.proportions(0, 50, 0, 60);
        assertFalse(none.defined());
        assertFalse(none.excludesZero());
        assertEquals(Interval.UNDEFINED, none.interval());
        assertFalse(s.means(Summary.of(3, 3, 3), Summary.of(4, 8, 16)).defined()); // all ones and all twos
        assertEquals(0.01, Sequential.forEffect(0.05, -0.1).tauSquared(), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> new Sequential(0, 0.01));
        assertThrows(IllegalArgumentException.class, () -> new Sequential(1, 0.01));
        assertThrows(IllegalArgumentException.class, () -> new Sequential(0.05, 0));
        assertThrows(IllegalArgumentException.class, () -> Sequential.forEffect(0.05, 0));
        assertThrows(IllegalArgumentException.class, () -> s.halfWidth(0));
        assertThrows(IllegalArgumentException.class, () -> s.interval(0.1, -1));
        assertThrows(IllegalArgumentException.class, () -> s.interval(Double.NaN, 1));
        assertThrows(IllegalArgumentException.class, () -> s.means(Summary.of(1, 1, 1), Summary.of(4, 8, 16)));
        assertThrows(IllegalArgumentException.class, () -> s.proportions(5, 4, 1, 4));
        assertThrows(IllegalArgumentException.class, () -> s.proportions(0, 0, 1, 4));
    }

    private static boolean excludesZero(Interval i) {
        return i.lower() > 0 || i.upper() < 0;
    }

    @org.junit.jupiter.api.Test
    void should_give_an_always_valid_p_value_below_alpha_exactly_when_the_interval_leaves_out_zero() {
        Sequential s = Sequential.forEffect(0.05, 0.1);
        java.util.Random r = new java.util.Random(3);
        int excluded = 0;
        for (int i = 0; i < 2_000; i++) {
            double d = r.nextGaussian() * 0.1, v = Math.pow(10, -4 + 3 * r.nextDouble());
            boolean out = s.interval(d, v).excludesZero();
            org.junit.jupiter.api.Assertions.assertEquals(out, s.pValue(d, v) <= 0.05, d + " " + v);
            if (out) excluded++;
        }
        org.junit.jupiter.api.Assertions.assertTrue(excluded > 100 && excluded < 1_900, "both sides seen: " + excluded);
        org.junit.jupiter.api.Assertions.assertEquals(1, s.pValue(0, 0.01), 1e-12, "no difference: p is 1");
        org.junit.jupiter.api.Assertions.assertEquals(1, s.pValue(0.3, 0), "no variance: p is 1");
    }
}
