package dev.chatlog.quality.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.quality.stats.Trend.Direction;
import dev.chatlog.quality.stats.Trend.MannKendall;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Mann–Kendall against a published example and by hand, and its error rates on simulated daily series. */
class TrendTest {

    @Test
    void should_give_the_epa_sodium_example() {
        // USEPA, Statistical Analysis of Groundwater Monitoring Data at RCRA Facilities: Unified Guidance, EPA 530/R-09-007,
        // 2009, Example 17-7 (p. 17-36): sodium (ppm) in 10 yearly samples. Reproduced by R's EnvStats kendallTrendTest
        // (with continuity correction): tau = 0.5555556 (S = 25 of 45 pairs), z = 2.146625, p-value = 0.03182313.
        double[] sodium = {56, 53, 51, 55, 52, 60, 62, 59, 61, 63};
        MannKendall mk = Trend.mannKendall(sodium, 0.05);
        assertEquals(10, mk.n());
        assertEquals(25, mk.s());
        assertEquals(10 * 9 * 25 / 18.0, mk.varianceS(), 1e-12);
        assertEquals(2.146625, mk.z(), 0.5e-6);
        assertEquals(0.03182313, mk.pValue(), 0.5e-8);
        assertEquals(Direction.UP, mk.direction());
        assertEquals(Direction.NONE, Trend.mannKendall(sodium, 0.01).direction());
        assertNull(mk.note());
        // and falling: the same series reversed
        MannKendall down = Trend.mannKendall(reversed(sodium), 0.05);
        assertEquals(-25, down.s());
        assertEquals(-2.146625, down.z(), 0.5e-6);
        assertEquals(Direction.DOWN, down.direction());
    }

    @Test
    void should_correct_the_variance_for_ties_and_take_sens_median_slope() {
        // by hand: 1 2 2 3 3 3 4 has 21 pairs, 4 of them tied, none falling: S = 17; ties of 2 and of 3 remove
        // 2*1*9 + 3*2*11 = 84 from 7*6*19 = 798, so var S = 714 / 18
        MannKendall mk = Trend.mannKendall(new double[] {1, 2, 2, 3, 3, 3, 4}, 0.05);
        assertEquals(17, mk.s());
        assertEquals(714 / 18.0, mk.varianceS(), 1e-12);
        assertEquals(16 / Math.sqrt(714 / 18.0), mk.z(), 1e-12);
        // Sen: slopes of 1 3 2 5 are 2, 1/2, 4/3, -1, 1, 3; their median (1 + 4/3) / 2 = 7/6
        assertEquals(7 / 6.0, Trend.mannKendall(new double[] {1, 3, 2, 5}, 0.05).senSlope(), 1e-12);
    }

    @Test
    void should_call_no_trend_on_too_short_or_flat_series() {
        for (double[] v : new double[][] {{}, {1}, {1, 2}, {1, 2, 3}}) {
            MannKendall mk = Trend.mannKendall(v, 0.05);
            assertEquals(Direction.NONE, mk.direction());
            assertEquals(1, mk.pValue());
            assertTrue(mk.note().contains("at least 4"), mk.note());
        }
        MannKendall flat = Trend.mannKendall(new double[] {0.9, 0.9, 0.9, 0.9, 0.9}, 0.05);
        assertEquals(Direction.NONE, flat.direction());
        assertEquals(1, flat.pValue());
        assertEquals(0, flat.senSlope());
        assertTrue(flat.note().contains("all values are equal"));
    }

    @Test
    void should_refuse_invalid_input() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Trend.mannKendall(new double[] {1, 2, Double.NaN, 4}, 0.05))
                .getMessage().contains("values[2] is NaN"));
        assertThrows(IllegalArgumentException.class, () -> Trend.mannKendall(null, 0.05));
        assertThrows(IllegalArgumentException.class, () -> Trend.mannKendall(new double[] {1, 2, 3, 4}, 0));
        assertThrows(IllegalArgumentException.class, () -> Trend.mannKendall(new double[Trend.MAX_VALUES + 1], 0.05));
    }

    @Test
    void should_see_a_real_upward_drift_in_28_days() {
        // +0.02 a day on Gaussian noise of sd 0.1: called UP in at least 90% of 500 series
        Random random = new Random(20261205L);
        int up = 0, runs = 500;
        for (int run = 0; run < runs; run++) {
            double[] v = new double[28];
            for (int day = 0; day < v.length; day++) {
                v[day] = 0.02 * day + 0.1 * random.nextGaussian();
            }
            if (Trend.mannKendall(v, 0.05).direction() == Direction.UP) {
                up++;
            }
        }
        System.out.printf("Mann-Kendall, drift +0.02/day on noise sd 0.1, 28 days: UP in %d of %d (%.1f%%)%n", up, runs, 100.0 * up / runs);
        assertTrue(up >= 0.9 * runs, up + " of " + runs);
    }

    @Test
    void should_call_no_trend_on_pure_noise_at_least_95_percent_of_the_time() {
        // Pure Gaussian noise, 28 days, alpha 0.05. The exact size of this test (continuity-corrected normal
        // approximation, n = 28, no ties; from the exact null distribution of S) is 0.0453: 95.47% NONE is expected.
        // Over 2000 series the observed share has a standard deviation of 0.46 points, as large as the margin above
        // 95%, so a correct test falls below 95% in about one seed of seven; 20000 series (sd 0.15 points) make the
        // check meaningful. The share after the first 2000 is printed too.
        Random random = new Random(20261206L);
        int none = 0, noneOfFirst2000 = 0, runs = 20_000;
        for (int run = 0; run < runs; run++) {
            double[] v = new double[28];
            for (int day = 0; day < v.length; day++) {
                v[day] = random.nextGaussian();
            }
            if (Trend.mannKendall(v, 0.05).direction() == Direction.NONE) {
                none++;
            }
            if (run == 1999) {
                noneOfFirst2000 = none;
            }
        }
        System.out.printf("Mann-Kendall, pure noise, 28 days, alpha 0.05: NONE in %d of 2000 (%.2f%%), in %d of %d (%.2f%%)%n",
                noneOfFirst2000, 100.0 * noneOfFirst2000 / 2000, none, runs, 100.0 * none / runs);
        assertTrue(none >= 0.95 * runs, none + " of " + runs);
        // and not conservative either: the false UP/DOWN share within 3 standard deviations of the exact size
        double size = 0.04526, falseCalls = 1 - none / (double) runs;
        assertEquals(size, falseCalls, 3 * Math.sqrt(size * (1 - size) / runs));
    }

    private static double[] reversed(double[] v) {
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = v[v.length - 1 - i];
        }
        return r;
    }
}
