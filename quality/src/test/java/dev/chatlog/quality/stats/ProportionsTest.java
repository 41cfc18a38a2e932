package dev.chatlog.quality.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.quality.stats.Proportions.Difference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Wilson's interval and Newcombe's difference interval against Newcombe's published tables; the tests' p-values. */
class ProportionsTest {
    /** Half a unit of the fourth decimal: the published values are rounded to 4 decimals. */
    private static final double ROUNDING = 0.5e-4;

    // Newcombe RG. Two-sided confidence intervals for the single proportion: comparison of seven methods.
    // Statistics in Medicine 1998; 17:857–872, Table I, method 3 (score interval without continuity correction), 95%.
    @ParameterizedTest
    @CsvSource({"81, 263, 0.2553, 0.3662", "15, 148, 0.0624, 0.1605", "0, 20, 0.0000, 0.1611", "1, 29, 0.0061, 0.1718"})
    void should_give_newcombes_wilson_intervals(long successes, long trials, double lower, double upper) {
        Interval i = Proportions.wilson(successes, trials, 0.95);
        assertEquals(lower, i.lower(), ROUNDING);
        assertEquals(upper, i.upper(), ROUNDING);
    }

    // Newcombe RG. Interval estimation for the difference between independent proportions: comparison of eleven
    // methods. Statistics in Medicine 1998; 17:873–890, Table II, method 10 (score interval, no continuity
    // correction), 95%, examples (a) to (h).
    @ParameterizedTest
    @CsvSource({
        "56, 70, 48, 80, 0.0524, 0.3339",
        " 9, 10,  3, 10, 0.1705, 0.8090",
        " 6,  7,  2,  7, 0.0582, 0.8062",
        " 5, 56,  0, 29, -0.0381, 0.1926",
        " 0, 10,  0, 20, -0.1611, 0.2775",
        " 0, 10,  0, 10, -0.2775, 0.2775",
        "10, 10,  0, 20, 0.6791, 1.0000",
        "10, 10,  0, 10, 0.6075, 1.0000"})
    void should_give_newcombes_method_10_interval_for_a_difference(long s1, long n1, long s2, long n2, double lower, double upper) {
        Difference d = Proportions.compare(s1, n1, s2, n2, 0.95);
        assertEquals((double) s1 / n1 - (double) s2 / n2, d.difference(), 1e-15);
        assertEquals(lower, d.interval().lower(), ROUNDING);
        assertEquals(upper, d.interval().upper(), ROUNDING);
    }

    @Test
    void should_test_large_counts_with_the_pooled_z_test() {
        // Newcombe's example (a), 56/70 vs 48/80: every expected cell is at least 5 (the smallest, 70 * 46 / 150, is 21.5)
        Difference d = Proportions.compare(56, 70, 48, 80, 0.95);
        assertEquals(Proportions.Test.Z, d.test());
        assertEquals(0.2, d.difference(), 1e-12);
        // by hand: pooled p = 104/150, z = 0.2 / sqrt(p (1 - p) (1/70 + 1/80)) = 2.650172, two-sided p = 2 (1 - Phi(z))
        double p = 104 / 150.0, z = 0.2 / Math.sqrt(p * (1 - p) * (1 / 70.0 + 1 / 80.0));
        assertEquals(2.650172, z, 1e-6);
        assertEquals(2 * Checks.STANDARD_NORMAL.survivalProbability(z), d.pValue(), 1e-12);
        assertEquals(0.008045, d.pValue(), 1e-6);
    }

    @Test
    void should_test_small_counts_with_fishers_exact_test() {
        // Fisher's lady tasting tea (Fisher RA, The Design of Experiments, 1935, ch. II; Agresti A, Categorical Data
        // Analysis, 2nd ed. 2002, section 3.5.2, Table 3.8): 3 of the 4 milk-first cups and 1 of the 4 tea-first cups
        // called milk-first. Hypergeometric probabilities of 0..4: 1, 16, 36, 16, 1 over 70; two-sided p = 34/70.
        Difference d = Proportions.compare(3, 4, 1, 4, 0.95);
        assertEquals(Proportions.Test.FISHER_EXACT, d.test());
        assertEquals(34 / 70.0, d.pValue(), 1e-12);
        assertEquals(0.4857, d.pValue(), ROUNDING);
        // a zero column (nobody succeeded): nothing to tell apart, p = 1, and no division by zero
        Difference none = Proportions.compare(0, 10, 0, 20, 0.95);
        assertEquals(Proportions.Test.FISHER_EXACT, none.test());
        assertEquals(1, none.pValue(), 1e-12);
        // 5/56 vs 0/29 (Newcombe's (d)): the smallest expected cell is 29 * 5 / 85 = 1.7
        assertEquals(Proportions.Test.FISHER_EXACT, Proportions.compare(5, 56, 0, 29, 0.95).test());
    }

    @Test
    void should_refuse_impossible_counts_and_levels() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Proportions.wilson(0, 0, 0.95)).getMessage().contains("trials"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Proportions.wilson(5, 4, 0.95)).getMessage().contains("successes"));
        assertThrows(IllegalArgumentException.class, () -> Proportions.wilson(-1, 4, 0.95));
        assertThrows(IllegalArgumentException.class, () -> Proportions.wilson(1, 1L + Integer.MAX_VALUE, 0.95));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Proportions.wilson(1, 4, 1)).getMessage().contains("confidence"));
        assertThrows(IllegalArgumentException.class, () -> Proportions.wilson(1, 4, Double.NaN));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Proportions.compare(1, 4, 3, 2, 0.95)).getMessage().contains("successes2"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Proportions.compare(0, 0, 1, 2, 0.95)).getMessage().contains("trials1"));
    }

    @Test
    void should_refuse_a_reversed_interval() {
        assertThrows(IllegalArgumentException.class, () -> new Interval(0.5, 0.4));
        assertThrows(IllegalArgumentException.class, () -> new Interval(Double.NaN, 0.4));
        assertTrue(new Interval(0.4, 0.4).defined());
    }
}
