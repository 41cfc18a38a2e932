package dev.chatlog.experiments.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The sample ratio check. Expected values worked by hand: chi-square = Σ (o - e)² / e, and with 1 degree of freedom
 * the p-value is {@code 2 (1 - Φ(sqrt(chi-square)))}: the test R's {@code chisq.test(c(5000, 5250), p = c(.5, .5))}
 * runs (R not run here); cross-checked with scipy 1.17.1 {@code chisquare([5000, 5250])}: 6.0975609756, p =
 * 0.0135368593, and {@code chisquare([10000, 10500])}: 12.1951219512, p = 0.000479146.
 */
class SampleRatioTest {
    @Test
    void should_pass_an_even_split() {
        SampleRatio.Check c = SampleRatio.check(new long[] {5000, 5000}, new double[] {0.5, 0.5});
        assertEquals(0, c.statistic(), 1e-12);
        assertEquals(1, c.pValue(), 1e-12);
        assertEquals(1, c.degreesOfFreedom());
        assertEquals(10_000, c.total());
        assertFalse(c.mismatch());
    }

    @Test
    void should_give_the_chi_square_p_value_and_not_flag_p_0_0135() {
        // expected 5125 each: 2 * 125² / 5125 = 6.097561; p = 2 (1 - Φ(2.469324)) = 0.013537
        SampleRatio.Check c = SampleRatio.check(new long[] {5000, 5250}, new double[] {0.5, 0.5});
        assertEquals(6.0975609756, c.statistic(), 1e-9);
        assertEquals(0.0135368593, c.pValue(), 1e-9);
        assertFalse(c.mismatch(), "p = 0.0135 is not below 0.001");
    }

    @Test
    void should_flag_the_same_ratio_on_twice_the_traffic() {
        // expected 10250 each: 2 * 250² / 10250 = 12.195122; p = 2 (1 - Φ(3.492151)) = 0.000479
        SampleRatio.Check c = SampleRatio.check(new long[] {10_000, 10_500}, new double[] {0.5, 0.5});
        assertEquals(12.1951219512, c.statistic(), 1e-9);
        assertEquals(0.000479146, c.pValue(), 1e-8);
        assertTrue(c.mismatch());
    }

    @Test
    void should_check_uneven_shares_and_more_arms() {
        // 90/10 split, observed exactly as assigned
        assertEquals(0, SampleRatio.check(new long[] {9000, 1000}, new double[] {0.9, 0.1}).statistic(), 1e-9);
        // three arms of 1/3 (summing to 1 within rounding): expected 1000 each, (0 + 100² + 100²) / 1000 = 20 on 2 df;
        // the chi-square(2) tail is exp(-x / 2): exp(-10) = 4.54e-5
        SampleRatio.Check c = SampleRatio.check(new long[] {1000, 1100, 900}, new double[] {1 / 3.0, 1 / 3.0, 1 / 3.0});
        assertEquals(20, c.statistic(), 1e-9);
        assertEquals(2, c.degreesOfFreedom());
        assertEquals(Math.exp(-10), c.pValue(), 1e-12);
        assertTrue(c.mismatch());
    }

    @Test
    void should_reject_shares_that_do_not_sum_to_1_and_other_bad_input() {
        assertThrows(IllegalArgumentException.class, () -> SampleRatio.check(new long[] {10, 10}, new double[] {0.5, 0.6}));
        assertThrows(IllegalArgumentException.class, () -> SampleRatio.check(new long[] {10, 10}, new double[] {50, 50}));
        assertThrows(IllegalArgumentException.class, () -> SampleRatio.check(new long[] {10, 10}, new double[] {1, 0}));
        assertThrows(IllegalArgumentException.class, () -> SampleRatio.check(new long[] {10, 10}, new double[] {0.5, Double.NaN}));
        assertThrows(IllegalArgumentException.class, () -> SampleRatio.check(new long[] {10, 10, 10}, new double[] {0.5, 0.5}));
        assertThrows(IllegalArgumentException.class, () -> SampleRatio.check(new long[] {10}, new double[] {1}));
        assertThrows(IllegalArgumentException.class, () -> SampleRatio.check(new long[] {10, -1}, new double[] {0.5, 0.5}));
        assertThrows(IllegalArgumentException.class, () -> SampleRatio.check(new long[] {0, 0}, new double[] {0.5, 0.5}));
        assertThrows(IllegalArgumentException.class, () -> SampleRatio.check(null, new double[] {0.5, 0.5}));
    }
}
