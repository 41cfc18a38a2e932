package dev.chatlog.experiments.stats;

/**
 * The count, mean and sample variance of one arm's values, as a rollup can give them without the values themselves.
 *
 * @param variance the sample variance, with denominator {@code n - 1}; NaN when {@code n == 1}
 */
public record Summary(long n, double mean, double variance) {
    /** The relative rounding error tolerated in {@code sumSquares - sum^2 / n} before the input is called inconsistent. */
    private static final double ROUNDING = 1e-10;

    /**
     * @throws IllegalArgumentException when {@code n < 1}, the mean is not finite, or the variance is negative or
     *     not finite ({@code n >= 2}) or not NaN ({@code n == 1})
     */
    public Summary {
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1, was " + n);
        }
        Args.finite("mean", mean);
        if (n == 1 ? !Double.isNaN(variance) : !(Args.finite("variance", variance) >= 0)) {
            throw new IllegalArgumentException("variance must be " + (n == 1 ? "NaN for a single value" : ">= 0")
                    + ", was " + variance);
        }
    }

    /**
     * From the rollup's count, sum and sum of squares: {@code mean = sum / n}, {@code variance = (sumSquares - sum^2 /
     * n) / (n - 1)}. This textbook formula loses precision by cancellation when the mean is large against the spread
     * (about {@code 1e-16 * mean^2 / variance} relative error: harmless for scores, latencies and token counts, not
     * for, say, epoch timestamps; there, roll up values minus a fixed offset). A difference below zero by rounding
     * only is taken as variance 0.
     *
     * @throws IllegalArgumentException when {@code n < 1}, {@code sum} or {@code sumSquares} is not finite, or
     *     {@code sumSquares} is smaller than {@code sum^2 / n} by more than rounding (no real values have such sums)
     */
    public static Summary of(long n, double sum, double sumSquares) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1, was " + n);
        }
        Args.finite("sum", sum);
        Args.finite("sumSquares", sumSquares);
        double mean = sum / n;
        double squares = sumSquares - sum * mean;
        if (squares < -ROUNDING * Math.max(sumSquares, 1)) {
            throw new IllegalArgumentException("sumSquares " + sumSquares + " is smaller than sum^2 / n = " + sum * mean
                    + ": not the sums of " + n + " real values");
        }
        return new Summary(n, mean, n == 1 ? Double.NaN : Math.max(0, squares) / (n - 1));
    }

    /** From the values themselves (for tests and small samples): the two-pass formula, without cancellation. */
    public static Summary of(double... values) {
        if (values == null || values.length == 0) {
            throw new IllegalArgumentException("no values");
        }
        double sum = 0;
        for (double v : values) {
            sum += Args.finite("a value", v);
        }
        double mean = sum / values.length, squares = 0;
        for (double v : values) {
            squares += (v - mean) * (v - mean);
        }
        return new Summary(values.length, mean, values.length == 1 ? Double.NaN : squares / (values.length - 1));
    }
}
