package dev.chatlog.experiments.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Holm's adjustment against R's {@code p.adjust(p, "holm")}. R's documentation prints no values, so the expected ones
 * are worked by hand with R's own algorithm (src/library/stats/R/p.adjust.R): {@code o <- order(p);
 * pmin(1, cummax((n - i + 1) * p[o]))[order(o)]}.
 */
class HolmTest {
    private static final double EPS = 1e-12;

    @Test
    void should_match_p_adjust_holm() {
        // p = 0.01, 0.04, 0.03, 0.005; sorted 0.005, 0.01, 0.03, 0.04
        // times 4, 3, 2, 1: 0.02, 0.03, 0.06, 0.04; running max: 0.02, 0.03, 0.06, 0.06
        // back in input order: 0.03, 0.06, 0.06, 0.02
        assertArrayEquals(new double[] {0.03, 0.06, 0.06, 0.02}, Holm.adjust(new double[] {0.01, 0.04, 0.03, 0.005}), EPS);
    }

    @Test
    void should_cap_at_1_and_keep_the_order_of_the_raw_p_values() {
        // sorted 0.02, 0.5, 0.6; times 3, 2, 1: 0.06, 1.0, 0.6; running max: 0.06, 1.0, 1.0
        assertArrayEquals(new double[] {1, 1, 0.06}, Holm.adjust(new double[] {0.5, 0.6, 0.02}), EPS);
        // 0.3 * 4 = 1.2 is capped at 1
        assertArrayEquals(new double[] {1, 1, 1, 1}, Holm.adjust(new double[] {0.3, 0.4, 0.9, 0.35}), EPS);
    }

    @Test
    void should_treat_ties_alike() {
        // sorted 0.01, 0.01, 0.5; times 3, 2, 1: 0.03, 0.02, 0.5; running max: 0.03, 0.03, 0.5
        assertArrayEquals(new double[] {0.03, 0.5, 0.03}, Holm.adjust(new double[] {0.01, 0.5, 0.01}), EPS);
    }

    @Test
    void should_be_monotone_and_never_below_the_raw_p_value() {
        double[] p = {0.2, 0.001, 0.04, 0.04, 0.7, 0.012, 0.0301, 0.5};
        double[] adjusted = Holm.adjust(p);
        for (int i = 0; i < p.length; i++) {
            assertTrue(adjusted[i] >= p[i] && adjusted[i] <= 1);
            for (int j = 0; j < p.length; j++) {
                assertTrue(p[i] > p[j] || adjusted[i] <= adjusted[j], "order kept for " + p[i] + " and " + p[j]);
            }
        }
    }

    @Test
    void should_leave_one_p_value_and_none_alone() {
        assertArrayEquals(new double[] {0.03}, Holm.adjust(new double[] {0.03}), EPS);
        assertArrayEquals(new double[0], Holm.adjust(new double[0]));
    }

    @Test
    void should_reject_what_is_not_a_p_value() {
        assertThrows(IllegalArgumentException.class, () -> Holm.adjust(null));
        assertThrows(IllegalArgumentException.class, () -> Holm.adjust(new double[] {0.1, Double.NaN}));
        assertThrows(IllegalArgumentException.class, () -> Holm.adjust(new double[] {-0.01}));
        assertThrows(IllegalArgumentException.class, () -> Holm.adjust(new double[] {1.01}));
    }
}
