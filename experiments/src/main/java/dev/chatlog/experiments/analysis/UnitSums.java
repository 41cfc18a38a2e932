package dev.chatlog.experiments.analysis;

/**
 * One arm's metric as sums over its units (conversations: what assignment splits): {@code units} units, unit
 * {@code c} with {@code n_c} observations (turns, scores, calls) adding up to {@code y_c}. The metric is the ratio
 * {@code Σy / Σn} (a turn's mean), and its variance is the delta method's over units (Deng, Knoblich &amp; Lu 2018,
 * "Applying the Delta Method in Metric Analytics", KDD '18): turns of one conversation are not independent, the
 * conversations are. With one observation per unit it is the ordinary variance of a mean.
 */
public record UnitSums(long units, double n, double nn, double y, double yy, double ny) {
    public static final UnitSums EMPTY = new UnitSums(0, 0, 0, 0, 0, 0);

    /** The metric: Σy / Σn (NaN with no observation). */
    public double ratio() {
        return n == 0 ? Double.NaN : y / n;
    }

    /** Whether every unit has exactly one observation (Σn² = Σn for counts of at least 1): the classic tests apply. */
    public boolean oneEach() {
        return units > 0 && n == units && nn == units;
    }

    /**
     * The delta-method variance of {@link #ratio()}: {@code (s_y² − 2 R s_yn + R² s_n²) / (K n̄²)} with the sample
     * variances and covariance of the units' {@code y_c} and {@code n_c}; NaN below 2 units.
     */
    public double varianceOfRatio() {
        if (units < 2 || n == 0) return Double.NaN;
        double k = units, r = ratio(), nBar = n / k;
        double syy = (yy - y * y / k) / (k - 1);
        double snn = (nn - n * n / k) / (k - 1);
        double syn = (ny - y * n / k) / (k - 1);
        return Math.max(0, syy - 2 * r * syn + r * r * snn) / (k * nBar * nBar);
    }

    /** Sample variance of the per-observation values when {@link #oneEach()} (units are observations); NaN otherwise. */
    public double observationVariance() {
        if (!oneEach() || units < 2) return Double.NaN;
        return Math.max(0, (yy - y * y / units) / (units - 1));
    }
}
