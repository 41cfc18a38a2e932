package dev.chatlog.quality.stats;

import org.apache.commons.statistics.distribution.NormalDistribution;

/** The argument checks and the normal quantile the statistics share. */
final class Checks {
    static final NormalDistribution STANDARD_NORMAL = NormalDistribution.of(0, 1);

    private Checks() {}

    /** The two-sided standard normal critical value for {@code confidence}, e.g. 1.959964 for 0.95. */
    static double zCritical(double confidence) {
        if (!(confidence > 0 && confidence < 1)) {
            throw new IllegalArgumentException("confidence must be in (0, 1), was " + confidence);
        }
        return STANDARD_NORMAL.inverseSurvivalProbability((1 - confidence) / 2);
    }

    static void finite(String name, double[] values) {
        if (values == null) {
            throw new IllegalArgumentException(name + " is null");
        }
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) {
                throw new IllegalArgumentException(name + "[" + i + "] is " + values[i] + ": every value must be a finite number");
            }
        }
    }
}
