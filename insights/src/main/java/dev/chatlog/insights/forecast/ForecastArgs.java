package dev.chatlog.insights.forecast;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/** The arguments of {@link SpendForecast#forecast}, checked: each refusal names its argument. */
final class ForecastArgs {
    private ForecastArgs() {}

    static void check(SortedMap<LocalDate, Double> dailySpend, List<LocalDate> horizon, double level) {
        if (dailySpend == null) {
            throw new IllegalArgumentException("dailySpend is null");
        }
        for (Map.Entry<LocalDate, Double> e : dailySpend.entrySet()) {
            if (e.getKey() == null) {
                throw new IllegalArgumentException("dailySpend has a null day");
            }
            Double v = e.getValue();
            if (v == null || !(v >= 0) || v.isInfinite()) {
                throw new IllegalArgumentException("dailySpend on " + e.getKey() + " is " + v
                        + ": a day's spend must be a finite amount of at least 0");
            }
        }
        if (!(level > 0 && level < 1)) {
            throw new IllegalArgumentException("level must be in (0, 1), was " + level);
        }
        if (horizon == null) {
            throw new IllegalArgumentException("horizon is null");
        }
        LocalDate previous = null; // the history's last day, then each horizon day
        for (LocalDate day : dailySpend.keySet()) {
            previous = previous == null || day.isAfter(previous) ? day : previous;
        }
        for (int k = 0; k < horizon.size(); k++) {
            LocalDate day = horizon.get(k);
            if (day == null) {
                throw new IllegalArgumentException("horizon[" + k + "] is null");
            }
            if (previous != null && !day.isAfter(previous)) {
                throw new IllegalArgumentException("horizon[" + k + "] " + day + (k == 0
                        ? " is not after the history's last day " + previous
                        : " is not after the day before it, " + previous + " (the horizon must be ascending)"));
            }
            previous = day;
        }
    }
}
