package dev.chatlog.quality.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.quality.stats.Correlation.Coefficient;
import org.junit.jupiter.api.Test;

/** Pearson's and Spearman's coefficients, their Fisher-z intervals and t-test p-values against published output. */
class CorrelationTest {
    // Hollander M & Wolfe DA, Nonparametric Statistical Methods, 1973, p. 187f: the example of R's cor.test, whose
    // documented output is r = 0.5711816, t = 1.8411, df = 7, p-value = 0.1082, 95% interval -0.1497426 to 0.8955795
    private static final double[] X = {44.4, 45.9, 41.9, 53.3, 44.7, 44.1, 50.7, 45.2, 60.1};
    private static final double[] Y = {2.6, 3.1, 2.5, 5.0, 3.6, 4.0, 5.2, 2.8, 3.8};

    @Test
    void should_give_rs_pearson_correlation_interval_and_p_value() {
        Coefficient c = Correlation.pearson(X, Y, 0.95);
        assertEquals(Correlation.Method.PEARSON, c.method());
        assertEquals(0.5711816, c.r(), 0.5e-7);
        assertEquals(9, c.n());
        assertEquals(0.1082, c.pValue(), 0.5e-4);
        assertEquals(-0.1497426, c.interval().lower(), 0.5e-7);
        assertEquals(0.8955795, c.interval().upper(), 0.5e-7);
        assertNull(c.note());
    }

    @Test
    void should_give_wikipedias_spearman_example() {
        // Wikipedia, "Spearman's rank correlation coefficient", example: IQ and hours of TV per week of 10 people;
        // sum d^2 = 194, rho = 1 - 6 * 194 / (10 * 99) = -29/165 = -0.175757575..., p = 0.627188 (t distribution)
        double[] iq = {106, 100, 86, 101, 99, 103, 97, 113, 112, 110};
        double[] tv = {7, 27, 2, 50, 28, 29, 20, 12, 6, 17};
        Coefficient c = Correlation.spearman(iq, tv, 0.95);
        assertEquals(-29 / 165.0, c.r(), 1e-12);
        assertEquals(0.627188, c.pValue(), 0.5e-6);
        // the interval by hand: Fisher's z with Bonett & Wright's standard error sqrt((1 + rho^2/2) / (n - 3))
        double z = 0.5 * Math.log((1 - 29 / 165.0) / (1 + 29 / 165.0)), se = Math.sqrt((1 + Math.pow(29 / 165.0, 2) / 2) / 7);
        assertEquals(Math.tanh(z - 1.959964 * se), c.interval().lower(), 1e-6);
        assertEquals(Math.tanh(z + 1.959964 * se), c.interval().upper(), 1e-6);
    }

    @Test
    void should_average_the_ranks_of_ties() {
        // Hollander & Wolfe's data: R's cor.test(method = "spearman") gives rho = 0.6
        assertEquals(0.6, Correlation.spearman(X, Y, 0.95).r(), 1e-12);
        // x ranks 1, 2.5, 2.5, 4 and y ranks 1, 3, 2, 4: r of the ranks = 4.5 / sqrt(4.5 * 5) = 0.9486833
        assertEquals(4.5 / Math.sqrt(4.5 * 5), Correlation.spearman(new double[] {1, 2, 2, 3}, new double[] {10, 30, 20, 40}, 0.95).r(), 1e-12);
    }

    @Test
    void should_leave_the_interval_undefined_below_four_pairs() {
        Coefficient three = Correlation.pearson(new double[] {1, 2, 3}, new double[] {1, 3, 2}, 0.95);
        assertEquals(0.5, three.r(), 1e-12);
        assertFalse(three.interval().defined());
        assertTrue(three.note().contains("no interval"), three.note());
        // t = 0.5 sqrt(1 / 0.75) on 1 degree of freedom: p = 1 - 2 atan(t) / pi = 2/3
        assertEquals(2 / 3.0, three.pValue(), 1e-9);
        Coefficient two = Correlation.spearman(new double[] {1, 2}, new double[] {5, 3}, 0.95);
        assertEquals(-1, two.r(), 1e-12);
        assertTrue(Double.isNaN(two.pValue()));
        assertTrue(two.note().contains("no p-value"), two.note());
        Coefficient four = Correlation.pearson(new double[] {1, 2, 3, 4}, new double[] {1, 3, 2, 4}, 0.95);
        assertTrue(four.interval().defined());
    }

    @Test
    void should_give_an_exact_line_correlation_one_and_p_zero() {
        Coefficient c = Correlation.pearson(new double[] {1, 2, 3, 4, 5}, new double[] {3, 5, 7, 9, 11}, 0.95);
        assertEquals(1, c.r(), 1e-12);
        assertEquals(0, c.pValue(), 1e-12);
        assertEquals(1, c.interval().upper(), 1e-12);
    }

    @Test
    void should_refuse_degenerate_input() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Correlation.pearson(new double[0], new double[0], 0.95))
                .getMessage().contains("no pairs"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Correlation.pearson(new double[] {1, 2}, new double[] {1}, 0.95))
                .getMessage().contains("x has 2 values and y 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Correlation.spearman(new double[] {4, 4, 4, 4}, new double[] {1, 2, 3, 4}, 0.95))
                .getMessage().contains("all values of x are equal"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Correlation.pearson(new double[] {1, 2, 3, 4}, new double[] {0.1, 0.1, 0.1, 0.1}, 0.95))
                .getMessage().contains("all values of y are equal"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Correlation.pearson(new double[] {1, Double.NaN}, new double[] {1, 2}, 0.95))
                .getMessage().contains("x[1] is NaN"));
        assertThrows(IllegalArgumentException.class, () -> Correlation.pearson(null, new double[] {1, 2}, 0.95));
        assertThrows(IllegalArgumentException.class, () -> Correlation.pearson(X, Y, 1.5));
    }
}
