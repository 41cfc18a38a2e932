package dev.chatlog.experiments.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.quality.stats.Interval;
import org.junit.jupiter.api.Test;

/**
 * Welch's test against R's {@code t.test(extra ~ group, data = sleep)}, the example of R's {@code t.test} help page
 * (Student's sleep data, Cushny &amp; Peebles 1905), whose printed output is: t = -1.8608, df = 17.776, p-value =
 * 0.07939, 95 percent confidence interval -3.3654832 0.2054832, means 0.75 and 2.33. R reports group 1 minus group
 * 2; here the difference is arm 2 minus arm 1, so t and the interval change sign. (Cross-checked with scipy 1.17.1
 * {@code ttest_ind(equal_var=False)}: t = -1.8608134675, df = 17.7764735162, p = 0.0793941402, interval
 * -3.3654832307, 0.2054832307.)
 */
class WelchTest {
    private static final double[] GROUP1 = {0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0};
    private static final double[] GROUP2 = {1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4};

    @Test
    void should_match_r_t_test_on_the_sleep_data() {
        Welch.Difference d = Welch.compare(Summary.of(GROUP1), Summary.of(GROUP2), 0.95);
        assertSleep(d);
    }

    @Test
    void should_give_the_same_from_a_rollups_count_sum_and_sum_of_squares() {
        // group 1: n 10, sum 7.5, sum of squares 34.43; group 2: n 10, sum 23.3, sum of squares 90.37
        Summary a = Summary.of(10, 7.5, 34.43), b = Summary.of(10, 23.3, 90.37);
        assertEquals(0.75, a.mean(), 1e-12);
        assertEquals(3.2005555556, a.variance(), 1e-9); // (34.43 - 7.5² / 10) / 9
        assertEquals(2.33, b.mean(), 1e-12);
        assertEquals(4.009, b.variance(), 1e-9); // (90.37 - 23.3² / 10) / 9
        assertSleep(Welch.compare(a.mean(), a.variance(), a.n(), b.mean(), b.variance(), b.n(), 0.95));
    }

    private static void assertSleep(Welch.Difference d) {
        assertEquals(1.58, d.difference(), 1e-12);
        assertEquals(1.8608, d.t(), 0.5e-4);
        assertEquals(17.776, d.degreesOfFreedom(), 0.5e-3);
        assertEquals(0.07939, d.pValue(), 0.5e-5);
        assertEquals(-0.2054832, d.interval().lower(), 0.5e-7);
        assertEquals(3.3654832, d.interval().upper(), 0.5e-7);
        assertTrue(d.defined());
        assertNull(d.undefinedReason());
    }

    @Test
    void should_agree_with_its_p_value() {
        // p = 0.0794: the 90% interval excludes 0, the 95% one does not
        Summary a = Summary.of(GROUP1), b = Summary.of(GROUP2);
        assertTrue(Welch.compare(a, b, 0.90).interval().lower() > 0);
        assertTrue(Welch.compare(a, b, 0.95).interval().lower() < 0);
    }

    @Test
    void should_use_the_other_arms_degrees_of_freedom_when_one_variance_is_0() {
        Welch.Difference d = Welch.compare(1, 0, 20, 2, 4, 10, 0.95);
        assertEquals(9, d.degreesOfFreedom(), 1e-9);
        assertEquals(1 / Math.sqrt(0.4), d.t(), 1e-12);
    }

    @Test
    void should_be_undefined_without_any_variance() {
        Welch.Difference d = Welch.compare(1, 0, 10, 2, 0, 10, 0.95);
        assertFalse(d.defined());
        assertEquals(1, d.difference(), 1e-12);
        assertTrue(Double.isNaN(d.t()) && Double.isNaN(d.pValue()) && Double.isNaN(d.degreesOfFreedom()));
        assertEquals(Interval.UNDEFINED, d.interval());
    }

    @Test
    void should_reject_degenerate_input() {
        assertThrows(IllegalArgumentException.class, () -> Welch.compare(1, 1, 1, 2, 1, 10, 0.95));
        assertThrows(IllegalArgumentException.class, () -> Welch.compare(1, 1, 10, 2, 1, 0, 0.95));
        assertThrows(IllegalArgumentException.class, () -> Welch.compare(1, -1, 10, 2, 1, 10, 0.95));
        assertThrows(IllegalArgumentException.class, () -> Welch.compare(1, Double.NaN, 10, 2, 1, 10, 0.95));
        assertThrows(IllegalArgumentException.class, () -> Welch.compare(Double.POSITIVE_INFINITY, 1, 10, 2, 1, 10, 0.95));
        assertThrows(IllegalArgumentException.class, () -> Welch.compare(1, 1, 10, 2, 1, 10, 1));
        assertThrows(IllegalArgumentException.class, () -> Welch.compare(1, 1, 10, 2, 1, 10, 0));
        Summary ten = Summary.of(10, 5, 25);
        assertTrue(Double.isNaN(Summary.of(1, 5, 25).variance()));
        assertThrows(IllegalArgumentException.class, () -> Welch.compare(Summary.of(1, 5, 25), ten, 0.95));
    }

    @Test
    void should_reject_sums_no_values_have() {
        assertThrows(IllegalArgumentException.class, () -> Summary.of(0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> Summary.of(10, 10, 5)); // sum² / n = 10 > 5
        assertThrows(IllegalArgumentException.class, () -> Summary.of(10, Double.NaN, 5));
        assertThrows(IllegalArgumentException.class, () -> Summary.of(new double[0]));
        // equal values: a difference of zero up to rounding is variance 0, not an error
        assertEquals(0, Summary.of(3, 0.3, 0.03).variance(), 1e-15);
    }
}
