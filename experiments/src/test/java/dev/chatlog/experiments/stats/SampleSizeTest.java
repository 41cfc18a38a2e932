package dev.chatlog.experiments.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Sample sizes against R's {@code power.prop.test} and {@code power.t.test} (both two-sided, {@code strict = FALSE}). */
class SampleSizeTest {
    @Test
    void should_match_power_prop_test() {
        // R: power.prop.test(p1 = .50, p2 = .75, power = .90), the example of its help page. R solves
        // pnorm((sqrt(n) |p1 - p2| - qnorm(.975) sqrt((p1 + p2)(1 - (p1 + p2)/2))) / sqrt(p1 q1 + p2 q2)) = .9
        // (src/library/stats/R/power.R) with uniroot; its exact root, by hand:
        // (1.959964 * sqrt(.46875) + 1.281552 * sqrt(.4375))² / .25² = (1.341896 + 0.847660)² / .0625 ≈ 76.707,
        // R's answer is this root to uniroot's tolerance (R not run here); cross-checked in scipy 1.17.1: 76.70692845.
        // (The 76.65 sometimes quoted is another method: Cohen's arcsine effect size h, statsmodels' NormalIndPower.)
        SampleSize.Estimate e = SampleSize.twoProportions(0.50, 0.75, 0.05, 0.90);
        assertEquals(76.70692845, e.unrounded(), 1e-6);
        assertEquals(77, e.perArm());
        assertEquals(e, SampleSize.twoProportions(0.75, 0.50, 0.05, 0.90), "symmetric in p1 and p2");
    }

    @Test
    void should_match_power_t_test() {
        // R: power.t.test(power = .90, delta = 1), the example of its help page: n = 22.02110 (sd = 1, sig.level =
        // .05). R computes the noncentral t power with uniroot; cross-checked with scipy 1.17.1 (stats.nct,
        // brentq): 22.02109557.
        SampleSize.Estimate e = SampleSize.twoMeans(1, 1, 0.05, 0.90);
        assertEquals(22.02110, e.unrounded(), 1e-5);
        assertEquals(23, e.perArm());
        // the normal approximation 2 (z(.975) + z(.9))² = 2 (1.959964 + 1.281552)² = 21.0148 would give 22: one short
        double z = Args.upperZ(0.025) + Args.upperZ(0.1);
        assertEquals(21.0148, 2 * z * z, 1e-4);
        assertTrue(e.unrounded() - 2 * z * z > 1);
        // scale: only delta / sd matters
        assertEquals(e, SampleSize.twoMeans(3, -3, 0.05, 0.90));
    }

    @Test
    void should_match_the_noncentral_t_elsewhere() {
        // scipy 1.17.1, brentq over stats.nct power as power.t.test defines it:
        // delta = .5, sd = 1, alpha .05, power .8 -> 63.76576372; delta = 1, sd = 2, alpha .01, power .95 -> 144.18270375
        assertEquals(63.76576372, SampleSize.twoMeans(1, 0.5, 0.05, 0.80).unrounded(), 1e-5);
        assertEquals(64, SampleSize.twoMeans(1, 0.5, 0.05, 0.80).perArm());
        assertEquals(144.18270375, SampleSize.twoMeans(2, 1, 0.01, 0.95).unrounded(), 1e-5);
        // the noncentral t tail itself: with ncp 0 it is the central t's, P(T(10) > 2.228139) = .025
        assertEquals(0.025, SampleSize.noncentralTSurvival(2.2281388519649385, 10, 0), 1e-9);
    }

    @Test
    void should_need_at_least_2_per_arm_for_a_huge_effect() {
        SampleSize.Estimate e = SampleSize.twoMeans(1, 100, 0.05, 0.9);
        assertEquals(2, e.perArm());
    }

    @Test
    void should_reject_what_has_no_sample_size() {
        assertThrows(IllegalArgumentException.class, () -> SampleSize.twoProportions(0.5, 0.5, 0.05, 0.9));
        assertThrows(IllegalArgumentException.class, () -> SampleSize.twoProportions(-0.1, 0.5, 0.05, 0.9));
        assertThrows(IllegalArgumentException.class, () -> SampleSize.twoProportions(0.4, 1.5, 0.05, 0.9));
        assertThrows(IllegalArgumentException.class, () -> SampleSize.twoProportions(0.4, 0.5, 0, 0.9));
        assertThrows(IllegalArgumentException.class, () -> SampleSize.twoProportions(0.4, 0.5, 0.05, 1));
        assertThrows(IllegalArgumentException.class, () -> SampleSize.twoMeans(0, 1, 0.05, 0.9));
        assertThrows(IllegalArgumentException.class, () -> SampleSize.twoMeans(1, 0, 0.05, 0.9));
        assertThrows(IllegalArgumentException.class, () -> SampleSize.twoMeans(1, Double.NaN, 0.05, 0.9));
        assertThrows(IllegalArgumentException.class, () -> SampleSize.twoMeans(1, 1, 1, 0.9));
        assertThrows(IllegalArgumentException.class, () -> SampleSize.twoMeans(1, 1, 0.05, 0));
    }
}
