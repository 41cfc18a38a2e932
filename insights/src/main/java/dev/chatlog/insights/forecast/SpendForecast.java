package dev.chatlog.insights.forecast;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.function.ToDoubleFunction;
import org.apache.commons.statistics.distribution.TDistribution;

/**
 * The spend forecast of one scope (the whole application, a model, a function, a budget's scope) from its daily
 * history: the spend of each future day, a prediction interval for their sum, and the day a remaining budget runs out.
 *
 * <p>The model is ordinary least squares on {@code spend(d) = a + b·t + Σ c_k·weekday_k(d) + e}, with {@code t} the
 * day's index in the history and six weekday dummies (Monday is the base). It is fitted on at most the last {@link
 * #MAX_HISTORY_DAYS} days so that an old regime (a model switched, a feature launched) fades out. It shrinks with the
 * history: the weekday pattern needs {@link #WEEKDAY_MIN_DAYS} days (each weekday seen three times), the trend {@link
 * #TREND_MIN_DAYS}; from {@link #MEAN_MIN_DAYS} days on the forecast is the mean, below that there is none (method
 * {@value #NONE} with the reason). The weekday effect is additive (weekends cost so many dollars less), which is the
 * linear model; under a strong trend a multiplicative pattern would be fitted only approximately.
 *
 * <p>The interval is for the <em>sum</em> over the horizon, the figure a budget is compared with, not for each day:
 * {@code Var(Σ new spend - Σ forecast) = σ²·(h + 1ᵀ X_h (XᵀX)⁻¹ X_hᵀ 1)}, where {@code h} is the number of horizon days,
 * {@code X_h} their design rows and {@code σ² = RSS / (n - p)} the residual variance; the second term is the estimate's
 * own error, shared by all horizon days, which is why the interval of the sum is not the days' intervals added up. The
 * quantile is Student's t with {@code n - p} degrees of freedom. The same holds for each prefix of the horizon, which
 * gives each day's cumulative interval and the run-out day at the upper bound. The interval assumes independent daily
 * errors of constant variance: spend that comes in bursts (autocorrelated, heavy-tailed) makes it too narrow.
 *
 * <p>The least squares are solved here, by a Cholesky factorisation of the normal equations, because there are at most
 * 8 unknowns over at most 56 well-conditioned rows (day indexes 0..55, 0/1 dummies): a few dozen lines, where Apache
 * Commons Statistics has no regression at all and Commons Math would be a whole legacy library for one 8×8 solve. A
 * design found singular falls back to the next smaller model (which, with every day of the range counted, does not
 * happen; the fallback is there for safety).
 */
public final class SpendForecast {
    /** The most days fitted: the last 8 weeks, so that older spend no longer weighs on the forecast. */
    public static final int MAX_HISTORY_DAYS = 56;
    /** The fewest days for the weekday pattern: three weeks, each weekday seen three times. */
    public static final int WEEKDAY_MIN_DAYS = 21;
    /** The fewest days for a trend. */
    public static final int TREND_MIN_DAYS = 7;
    /** The fewest days for any forecast (the mean, with a residual variance on 1 degree of freedom). */
    public static final int MEAN_MIN_DAYS = 2;

    /** The method of a forecast: too short a history, none. */
    public static final String NONE = "none";
    /** The method of a forecast: the history's mean. */
    public static final String MEAN = "mean";
    /** The method of a forecast: intercept and linear trend. */
    public static final String TREND = "trend";
    /** The method of a forecast: intercept, linear trend and weekday pattern. */
    public static final String TREND_WEEKDAY = "trend+weekday";

    /** The weekday without a dummy: its effect is in the intercept. */
    private static final DayOfWeek BASE_WEEKDAY = DayOfWeek.MONDAY;
    /** A Cholesky pivot below this share of its diagonal entry means a (numerically) singular design. */
    private static final double SINGULAR = 1e-10;

    private SpendForecast() {}

    /**
     * One horizon day.
     *
     * @param day the day
     * @param point its point forecast in USD, at least 0
     * @param cumulativePoint the sum of the point forecasts from the first horizon day to this one
     * @param cumulativeLower the lower bound of the prediction interval for the spend from the first horizon day to
     *     this one, at least 0
     * @param cumulativeUpper its upper bound, at least {@code cumulativePoint}
     */
    public record DayForecast(LocalDate day, double point, double cumulativePoint, double cumulativeLower,
                              double cumulativeUpper) {}

    /**
     * The forecast of a scope's spend over a horizon.
     *
     * @param method {@value #TREND_WEEKDAY}, {@value #TREND}, {@value #MEAN} or {@value #NONE}
     * @param historyDays the days fitted (from the first to the last day of the history, at most {@link
     *     #MAX_HISTORY_DAYS}, days without spend included); for {@value #NONE}, the days there were
     * @param pointTotal the sum of the days' point forecasts; NaN for {@value #NONE}
     * @param lower the lower bound of the prediction interval for the horizon's total spend, at least 0; NaN for
     *     {@value #NONE}. The interval is centred on the sum of the model's unclamped forecasts (which is what the
     *     variance is about); it differs from {@code pointTotal} only when some day's forecast was below 0
     * @param upper its upper bound, at least {@code pointTotal}; NaN for {@value #NONE}
     * @param level the interval's confidence level, such as 0.95
     * @param days each horizon day's forecast, in order; empty for {@value #NONE}
     * @param reason why the method is smaller than the full model (too short a history, a singular design), or why
     *     there is no forecast; null when the full model was fitted
     */
    public record Forecast(String method, int historyDays, double pointTotal, double lower, double upper, double level,
                           List<DayForecast> days, String reason) {
        /** Keeps an unmodifiable copy of {@code days}. */
        public Forecast {
            days = List.copyOf(days);
        }

        /**
         * The first horizon day by whose end the point forecast of the spend reaches {@code remainingUsd}; the first
         * horizon day when nothing remains ({@code remainingUsd <= 0}); empty when the horizon ends before, or there is
         * no forecast.
         *
         * @throws IllegalArgumentException when {@code remainingUsd} is NaN
         */
        public Optional<LocalDate> runOut(double remainingUsd) {
            return firstReaching(remainingUsd, DayForecast::cumulativePoint);
        }

        /**
         * As {@link #runOut}, by the upper bound of the interval of the spend to each day: the earliest the budget runs
         * out at this forecast's level (on or before {@link #runOut}).
         *
         * @throws IllegalArgumentException when {@code remainingUsd} is NaN
         */
        public Optional<LocalDate> runOutAtUpper(double remainingUsd) {
            return firstReaching(remainingUsd, DayForecast::cumulativeUpper);
        }

        private Optional<LocalDate> firstReaching(double remainingUsd, ToDoubleFunction<DayForecast> cumulative) {
            if (Double.isNaN(remainingUsd)) {
                throw new IllegalArgumentException("remainingUsd is NaN");
            }
            for (DayForecast d : days) {
                if (remainingUsd <= 0 || cumulative.applyAsDouble(d) >= remainingUsd) {
                    return Optional.of(d.day());
                }
            }
            return Optional.empty();
        }
    }

    /**
     * Forecasts the spend of the {@code horizon} days from {@code dailySpend}.
     *
     * @param dailySpend the spend in USD of complete past days; a day missing between the first and the last counts as
     *     0 (so a last day without spend must be given as 0); only the last {@link #MAX_HISTORY_DAYS} days are used
     * @param horizon the future days to forecast, ascending, each after the history's last day (gaps allowed: the
     *     trend counts the days between)
     * @param level the confidence level of the intervals, in (0, 1), such as 0.95
     * @throws IllegalArgumentException naming the argument: {@code dailySpend} null, or with a null day or a spend that
     *     is null, negative, NaN or infinite; {@code horizon} null, with a null day, not ascending or with a day not
     *     after the history's last; {@code level} not in (0, 1)
     */
    public static Forecast forecast(SortedMap<LocalDate, Double> dailySpend, List<LocalDate> horizon, double level) {
        ForecastArgs.check(dailySpend, horizon, level);
        if (dailySpend.isEmpty()) {
            return none(0, level, "no spend history: a forecast needs at least " + MEAN_MIN_DAYS + " days");
        }
        // the days' own order, not the map's: a map with another comparator is the same history
        LocalDate oldest = null;
        LocalDate last = null;
        for (LocalDate day : dailySpend.keySet()) {
            oldest = oldest == null || day.isBefore(oldest) ? day : oldest;
            last = last == null || day.isAfter(last) ? day : last;
        }
        LocalDate earliest = last.minusDays(MAX_HISTORY_DAYS - 1);
        LocalDate first = oldest.isAfter(earliest) ? oldest : earliest;
        int n = (int) ChronoUnit.DAYS.between(first, last) + 1;
        if (n < MEAN_MIN_DAYS) {
            return none(n, level, n + " day of history: a forecast needs at least " + MEAN_MIN_DAYS);
        }
        double[] y = new double[n];
        for (Map.Entry<LocalDate, Double> e : dailySpend.entrySet()) {
            if (!e.getKey().isBefore(first)) {
                y[(int) ChronoUnit.DAYS.between(first, e.getKey())] = e.getValue();
            }
        }

        int model = n >= WEEKDAY_MIN_DAYS ? 2 : n >= TREND_MIN_DAYS ? 1 : 0;
        String reason = switch (model) {
            case 2 -> null;
            case 1 -> n + " days of history: the weekday pattern needs at least " + WEEKDAY_MIN_DAYS;
            default -> n + " days of history: a trend needs at least " + TREND_MIN_DAYS + ", the forecast is their mean";
        };
        Fit fit = fit(model, first, y);
        while (fit == null) { // never for the mean: its XᵀX is n > 0
            String singular = "the " + METHODS[model] + " design is singular";
            reason = reason == null ? singular : reason + "; " + singular;
            fit = fit(--model, first, y);
        }
        return project(fit, first, horizon, level, n, reason);
    }

    private static final String[] METHODS = {MEAN, TREND, TREND_WEEKDAY};

    /** A fitted model: its kind (0 mean, 1 trend, 2 trend and weekdays), coefficients, factor and residual variance. */
    private record Fit(int model, double[] beta, double[][] cholesky, double sigma2, int df) {}

    private static Fit fit(int model, LocalDate first, double[] y) {
        int n = y.length;
        int p = columns(model);
        double[][] xtx = new double[p][p];
        double[] xty = new double[p];
        double[][] rows = new double[n][];
        for (int t = 0; t < n; t++) {
            double[] x = rows[t] = row(model, t, first.plusDays(t));
            for (int i = 0; i < p; i++) {
                xty[i] += x[i] * y[t];
                for (int j = 0; j <= i; j++) {
                    xtx[i][j] += x[i] * x[j];
                }
            }
        }
        double[][] l = Cholesky.factor(xtx, SINGULAR);
        if (l == null) {
            return null;
        }
        double[] beta = Cholesky.backward(l, Cholesky.forward(l, xty));
        double rss = 0;
        for (int t = 0; t < n; t++) {
            double r = y[t] - Cholesky.dot(rows[t], beta);
            rss += r * r;
        }
        int df = n - p;
        return new Fit(model, beta, l, rss / df, df);
    }

    private static Forecast project(Fit fit, LocalDate first, List<LocalDate> horizon, double level, int n,
                                    String reason) {
        int p = fit.beta().length;
        double t = TDistribution.of(fit.df()).inverseCumulativeProbability(0.5 + level / 2);
        double[] rowSum = new double[p];
        double raw = 0; // the unclamped sum: the centre of the interval
        double point = 0;
        double lower = 0;
        double upper = 0;
        List<DayForecast> days = new ArrayList<>(horizon.size());
        for (int k = 0; k < horizon.size(); k++) {
            LocalDate day = horizon.get(k);
            double[] x = row(fit.model(), (int) ChronoUnit.DAYS.between(first, day), day);
            double f = Cholesky.dot(x, fit.beta());
            for (int i = 0; i < p; i++) {
                rowSum[i] += x[i];
            }
            raw += f;
            point += Math.max(0, f);
            double[] z = Cholesky.forward(fit.cholesky(), rowSum); // 1ᵀX_h (XᵀX)⁻¹ X_hᵀ1 = |L⁻¹ X_hᵀ1|²
            double half = t * Math.sqrt(fit.sigma2() * (k + 1 + Cholesky.dot(z, z)));
            lower = Math.max(0, raw - half);
            upper = Math.max(point, raw + half);
            days.add(new DayForecast(day, Math.max(0, f), point, lower, upper));
        }
        return new Forecast(METHODS[fit.model()], n, point, lower, upper, level, days, reason);
    }

    private static Forecast none(int historyDays, double level, String reason) {
        return new Forecast(NONE, historyDays, Double.NaN, Double.NaN, Double.NaN, level, List.of(), reason);
    }

    private static int columns(int model) {
        return model == 0 ? 1 : model == 1 ? 2 : 8;
    }

    /** The design row: 1, then t, then a 0/1 dummy for each weekday but the base one. */
    private static double[] row(int model, int t, LocalDate day) {
        double[] x = new double[columns(model)];
        x[0] = 1;
        if (model >= 1) {
            x[1] = t;
        }
        if (model == 2) {
            int k = Math.floorMod(day.getDayOfWeek().getValue() - BASE_WEEKDAY.getValue(), 7); // 0 for the base
            if (k > 0) {
                x[1 + k] = 1;
            }
        }
        return x;
    }

}
