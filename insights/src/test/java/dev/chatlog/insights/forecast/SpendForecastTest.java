package dev.chatlog.insights.forecast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.insights.forecast.SpendForecast.DayForecast;
import dev.chatlog.insights.forecast.SpendForecast.Forecast;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.commons.statistics.distribution.TDistribution;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The spend forecast: its intervals' coverage on simulated histories, exact recovery of a noiseless pattern, the
 * interval against the textbook formulas, the smaller models of short histories, the run-out days and invalid input.
 */
class SpendForecastTest {
    /** A Monday, so that day indexes and weekdays are easy to read. */
    private static final LocalDate START = LocalDate.of(2025, 3, 3);

    // the generating process: weekdays at 100 + 0.5 USD/day, weekends 60 USD below (40% of weekdays at the start),
    // Gaussian noise of sd 10; additive, as the model, so that the intervals' coverage should be the nominal one
    private static final double BASE = 100;
    private static final double SLOPE = 0.5;
    private static final double WEEKEND = -60;
    private static final double NOISE = 10;

    private static double mean(int t) {
        DayOfWeek d = START.plusDays(t).getDayOfWeek();
        return BASE + SLOPE * t + (d == DayOfWeek.SATURDAY || d == DayOfWeek.SUNDAY ? WEEKEND : 0);
    }

    private static double draw(Random random, int t) {
        double v = mean(t) + NOISE * random.nextGaussian();
        assertTrue(v >= 0, "the process must not need clamping"); // 4 sd below the lowest mean (40): never in practice
        return v;
    }

    private static SortedMap<LocalDate, Double> history(double[] values) {
        SortedMap<LocalDate, Double> m = new TreeMap<>();
        for (int t = 0; t < values.length; t++) {
            m.put(START.plusDays(t), values[t]);
        }
        return m;
    }

    /** {@code count} days from day index {@code from}. */
    private static List<LocalDate> days(int from, int count) {
        return START.plusDays(from).datesUntil(START.plusDays(from + count)).toList();
    }

    @Test
    void should_cover_the_true_sum_at_the_nominal_level_and_be_unbiased() {
        int runs = 2_000, n = 56, h = 20;
        Random random = new Random(20250303L);
        List<LocalDate> horizon = days(n, h);
        int covered95 = 0, covered80 = 0;
        double errors = 0, truths = 0, width95 = 0;
        for (int run = 0; run < runs; run++) {
            double[] y = new double[n];
            for (int t = 0; t < n; t++) {
                y[t] = draw(random, t);
            }
            double truth = 0;
            for (int t = n; t < n + h; t++) {
                truth += draw(random, t);
            }
            SortedMap<LocalDate, Double> history = history(y);
            Forecast f95 = SpendForecast.forecast(history, horizon, 0.95);
            Forecast f80 = SpendForecast.forecast(history, horizon, 0.80);
            assertEquals(SpendForecast.TREND_WEEKDAY, f95.method());
            assertEquals(n, f95.historyDays());
            assertEquals(f95.pointTotal(), f80.pointTotal(), 1e-9);
            covered95 += f95.lower() <= truth && truth <= f95.upper() ? 1 : 0;
            covered80 += f80.lower() <= truth && truth <= f80.upper() ? 1 : 0;
            errors += f95.pointTotal() - truth;
            truths += truth;
            width95 += f95.upper() - f95.lower();
        }
        double coverage95 = 100.0 * covered95 / runs, coverage80 = 100.0 * covered80 / runs;
        double meanError = errors / runs, meanTruth = truths / runs;
        System.out.printf("SpendForecast coverage over %d histories of %d days, %d-day sum: 95%% -> %.2f%%, 80%% -> %.2f%%;"
                        + " mean error %.3f USD on a mean sum of %.1f USD (%.3f%%); mean 95%% width %.1f USD%n",
                runs, n, h, coverage95, coverage80, meanError, meanTruth, 100 * meanError / meanTruth, width95 / runs);
        assertEquals(95, coverage95, 2.5, "95% coverage");
        assertEquals(80, coverage80, 4, "80% coverage");
        // the error of one sum has an sd of about 85 USD (the 95% width / 3.9): its mean over 2,000 runs about 1.9 USD
        assertTrue(Math.abs(meanError) < 0.005 * meanTruth, "mean error " + meanError + " on " + meanTruth);
    }

    @Test
    void should_forecast_a_noiseless_trend_and_weekday_pattern_exactly() {
        double[] y = new double[40];
        for (int t = 0; t < y.length; t++) {
            y[t] = mean(t);
        }
        Forecast f = SpendForecast.forecast(history(y), days(40, 25), 0.95);
        assertEquals(SpendForecast.TREND_WEEKDAY, f.method());
        assertNull(f.reason());
        double total = 0;
        for (int k = 0; k < 25; k++) {
            DayForecast d = f.days().get(k);
            assertEquals(START.plusDays(40 + k), d.day());
            assertEquals(mean(40 + k), d.point(), 1e-6, d.day().toString());
            total += mean(40 + k);
            assertEquals(d.cumulativeUpper(), d.cumulativeLower(), 1e-6);
        }
        assertEquals(total, f.pointTotal(), 1e-6);
        assertEquals(total, f.lower(), 1e-6);
        assertEquals(total, f.upper(), 1e-6);
        // a gap before the horizon is counted in the trend: day 70 alone
        Forecast later = SpendForecast.forecast(history(y), days(70, 1), 0.95);
        assertEquals(mean(70), later.pointTotal(), 1e-6);
    }

    @Test
    void should_give_the_textbook_interval_of_the_mean_and_of_the_trend() {
        // mean of 1..5: 3, s² = 2.5; the sum of 3 new days: 9 ± t(0.975, 4)·sqrt(2.5·(3 + 3²/5)) = 9 ± 2.776445·sqrt(12)
        Forecast mean = SpendForecast.forecast(history(new double[] {1, 2, 3, 4, 5}), days(5, 3), 0.95);
        assertEquals(SpendForecast.MEAN, mean.method());
        assertEquals(9, mean.pointTotal(), 1e-12);
        assertEquals(0, mean.lower()); // 9 - 9.618, clamped
        assertEquals(9 + 2.776445 * Math.sqrt(12), mean.upper(), 1e-5);

        // the trend: Var of the sum of h new days = σ²·(h + h²·(1/n + (mean of horizon t - mean of t)² / Sxx))
        Random random = new Random(7);
        int n = 15, h = 10;
        double[] y = new double[n];
        for (int t = 0; t < n; t++) {
            y[t] = 50 + 2 * t + 5 * random.nextGaussian();
        }
        double tBar = (n - 1) / 2.0, yBar = 0, sxx = 0, sxy = 0;
        for (double v : y) {
            yBar += v / n;
        }
        for (int t = 0; t < n; t++) {
            sxx += (t - tBar) * (t - tBar);
            sxy += (t - tBar) * (y[t] - yBar);
        }
        double b = sxy / sxx, a = yBar - b * tBar, rss = 0;
        for (int t = 0; t < n; t++) {
            rss += Math.pow(y[t] - a - b * t, 2);
        }
        double hBar = n + (h - 1) / 2.0;
        double sum = h * (a + b * hBar);
        double var = rss / (n - 2) * (h + h * h * (1.0 / n + (hBar - tBar) * (hBar - tBar) / sxx));
        double half = TDistribution.of(n - 2).inverseCumulativeProbability(0.95) * Math.sqrt(var);
        Forecast trend = SpendForecast.forecast(history(y), days(n, h), 0.90);
        assertEquals(SpendForecast.TREND, trend.method());
        assertEquals(sum, trend.pointTotal(), 1e-9);
        assertEquals(sum - half, trend.lower(), 1e-9);
        assertEquals(sum + half, trend.upper(), 1e-9);
        // the last day's cumulative interval is the total's; the first day's is that of one day
        DayForecast last = trend.days().get(h - 1), first = trend.days().get(0);
        assertEquals(trend.lower(), last.cumulativeLower(), 1e-9);
        assertEquals(trend.upper(), last.cumulativeUpper(), 1e-9);
        double var1 = rss / (n - 2) * (1 + 1.0 / n + (n - tBar) * (n - tBar) / sxx);
        double half1 = TDistribution.of(n - 2).inverseCumulativeProbability(0.95) * Math.sqrt(var1);
        assertEquals(a + b * n + half1, first.cumulativeUpper(), 1e-9);
    }

    @Test
    void should_use_smaller_models_for_short_histories() {
        double[] y = {10, 12, 9, 11, 14, 8, 13, 12, 10, 11, 9, 12, 13, 11, 10, 12, 14, 9, 11, 10, 12, 13};
        assertEquals(SpendForecast.TREND_WEEKDAY, forecast(y, 21).method());
        assertNull(forecast(y, 21).reason());
        Forecast trend = forecast(y, 20);
        assertEquals(SpendForecast.TREND, trend.method());
        assertEquals(20, trend.historyDays());
        assertTrue(trend.reason().contains("weekday pattern needs at least 21"), trend.reason());
        assertEquals(SpendForecast.TREND, forecast(y, 7).method());
        Forecast mean = forecast(y, 6);
        assertEquals(SpendForecast.MEAN, mean.method());
        assertTrue(mean.reason().contains("trend needs at least 7"), mean.reason());
        assertEquals(SpendForecast.MEAN, forecast(y, 2).method());
        for (int n : new int[] {0, 1}) {
            Forecast none = forecast(y, n);
            assertEquals(SpendForecast.NONE, none.method());
            assertEquals(n, none.historyDays());
            assertTrue(none.reason().contains("at least 2"), none.reason());
            assertTrue(Double.isNaN(none.pointTotal()) && Double.isNaN(none.lower()) && Double.isNaN(none.upper()));
            assertTrue(none.days().isEmpty());
            assertEquals(Optional.empty(), none.runOut(0));
        }
    }

    private static Forecast forecast(double[] y, int n) {
        double[] head = Arrays.copyOf(y, n);
        return SpendForecast.forecast(history(head), days(n, 5), 0.95);
    }

    @Test
    void should_forecast_a_constant_history_flat_at_every_length() {
        for (int n : new int[] {3, 10, 30, 80}) {
            double[] y = new double[n];
            Arrays.fill(y, 12.5);
            Forecast f = SpendForecast.forecast(history(y), days(n, 9), 0.95);
            for (DayForecast d : f.days()) {
                assertEquals(12.5, d.point(), 1e-9, f.method() + " " + d);
            }
            assertEquals(9 * 12.5, f.pointTotal(), 1e-9);
            assertEquals(f.pointTotal(), f.lower(), 1e-6);
            assertEquals(f.pointTotal(), f.upper(), 1e-6);
        }
    }

    @Test
    void should_count_missing_days_as_zero_and_use_only_the_last_eight_weeks() {
        // spend every other day: missing days are 0, so the mean of 1..7 (10, 0, 10, 0, 10, 0, 10) is 40/7 per day
        SortedMap<LocalDate, Double> sparse = new TreeMap<>(Map.of(START, 10.0, START.plusDays(2), 10.0,
                START.plusDays(4), 10.0, START.plusDays(6), 10.0));
        Forecast f = SpendForecast.forecast(sparse, days(7, 7), 0.95);
        assertEquals(7, f.historyDays());
        assertEquals(SpendForecast.TREND, f.method());
        assertEquals(40.0, f.pointTotal(), 1e-9); // no trend in 10 0 10 0 10 0 10: 7 × 40/7
        // 100 days: 44 at 1,000 a day, then 56 at 20: the old regime is not fitted
        double[] y = new double[100];
        for (int t = 0; t < 100; t++) {
            y[t] = t < 44 ? 1_000 : 20;
        }
        Forecast recent = SpendForecast.forecast(history(y), days(100, 10), 0.95);
        assertEquals(SpendForecast.MAX_HISTORY_DAYS, recent.historyDays());
        assertEquals(200, recent.pointTotal(), 1e-6);
    }

    @Test
    void should_clamp_a_falling_forecast_at_zero() {
        double[] y = new double[10];
        for (int t = 0; t < 10; t++) {
            y[t] = 95 - 10 * t + (t % 2 == 0 ? 1 : -1); // 96 .. 4
        }
        Forecast f = SpendForecast.forecast(history(y), days(10, 5), 0.95);
        for (DayForecast d : f.days()) {
            assertEquals(0, d.point(), d.toString());
            assertTrue(d.cumulativeLower() == 0 && d.cumulativeUpper() >= d.cumulativePoint(), d.toString());
        }
        assertEquals(0, f.pointTotal());
        assertEquals(0, f.lower());
    }

    @Test
    void should_find_the_run_out_day() {
        double[] y = new double[28];
        Arrays.fill(y, 10);
        Forecast f = SpendForecast.forecast(history(y), days(28, 10), 0.95);
        assertEquals(Optional.of(START.plusDays(28 + 3)), f.runOut(35)); // 10, 20, 30, 40: the 4th day
        LocalDate atUpper = f.runOutAtUpper(35).orElseThrow();
        assertTrue(!atUpper.isAfter(START.plusDays(31)), atUpper.toString());
        assertEquals(Optional.of(START.plusDays(28)), f.runOut(0)); // nothing left: the first day
        assertEquals(Optional.of(START.plusDays(28)), f.runOutAtUpper(-5));
        assertEquals(Optional.empty(), f.runOut(101)); // 100 over the horizon
        assertEquals(Optional.empty(), f.runOutAtUpper(Double.POSITIVE_INFINITY));

        // with noise, the upper bound runs out earlier
        Random random = new Random(11);
        double[] noisy = new double[28];
        for (int t = 0; t < 28; t++) {
            noisy[t] = Math.max(0, 10 + 4 * random.nextGaussian());
        }
        Forecast g = SpendForecast.forecast(history(noisy), days(28, 10), 0.95);
        LocalDate point = g.runOut(55).orElseThrow(), upper = g.runOutAtUpper(55).orElseThrow();
        assertTrue(upper.isBefore(point), upper + " vs " + point);
    }

    @Test
    void should_reject_invalid_input_naming_the_argument() {
        SortedMap<LocalDate, Double> ok = history(new double[] {1, 2, 3});
        List<LocalDate> horizon = days(3, 2);
        assertNames("dailySpend", () -> SpendForecast.forecast(null, horizon, 0.95));
        assertNames("dailySpend", () -> SpendForecast.forecast(history(new double[] {1, -2, 3}), horizon, 0.95));
        assertNames("dailySpend", () -> SpendForecast.forecast(history(new double[] {1, Double.NaN, 3}), horizon, 0.95));
        assertNames("dailySpend", () -> SpendForecast.forecast(history(new double[] {1, Double.POSITIVE_INFINITY}), horizon, 0.95));
        SortedMap<LocalDate, Double> nullValue = new TreeMap<>(ok);
        nullValue.put(START, null);
        assertNames("dailySpend", () -> SpendForecast.forecast(nullValue, horizon, 0.95));
        for (double level : new double[] {0, 1, -0.5, 1.5, Double.NaN}) {
            assertNames("level", () -> SpendForecast.forecast(ok, horizon, level));
        }
        assertNames("horizon", () -> SpendForecast.forecast(ok, null, 0.95));
        assertNames("horizon", () -> SpendForecast.forecast(ok, days(2, 2), 0.95)); // day 2 is the history's last
        assertNames("horizon", () -> SpendForecast.forecast(ok, List.of(START.plusDays(5), START.plusDays(4)), 0.95));
        assertNames("horizon", () -> SpendForecast.forecast(ok, List.of(START.plusDays(5), START.plusDays(5)), 0.95));
        List<LocalDate> withNull = new ArrayList<>(horizon);
        withNull.add(null);
        assertNames("horizon", () -> SpendForecast.forecast(ok, withNull, 0.95));
        Forecast f = SpendForecast.forecast(ok, horizon, 0.95);
        assertNames("remainingUsd", () -> f.runOut(Double.NaN));
        assertNames("remainingUsd", () -> f.runOutAtUpper(Double.NaN));
        // an empty horizon is no error: nothing to spend
        Forecast empty = SpendForecast.forecast(ok, List.of(), 0.95);
        assertEquals(0, empty.pointTotal());
        assertEquals(Optional.empty(), empty.runOut(0));
    }

    private static void assertNames(String argument, Executable call) {
        String message = assertThrows(IllegalArgumentException.class, call).getMessage();
        assertTrue(message.startsWith(argument), message);
    }

    @Test
    void should_read_the_days_in_date_order_whatever_the_maps_order() {
        Random random = new Random(3);
        double[] y = new double[30];
        SortedMap<LocalDate, Double> reversed = new TreeMap<>(Comparator.reverseOrder());
        for (int t = 0; t < 30; t++) {
            y[t] = 20 + random.nextDouble() + t;
            reversed.put(START.plusDays(t), y[t]);
        }
        assertEquals(SpendForecast.forecast(history(y), days(30, 5), 0.95),
                SpendForecast.forecast(reversed, days(30, 5), 0.95));
        assertNames("horizon", () -> SpendForecast.forecast(reversed, days(20, 5), 0.95));
    }
}
