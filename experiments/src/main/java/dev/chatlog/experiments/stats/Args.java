package dev.chatlog.experiments.stats;

import org.apache.commons.statistics.distribution.NormalDistribution;

/** The argument checks and the normal quantiles the experiment statistics share. */
final class Args {
    static final NormalDistribution STANDARD_NORMAL = NormalDistribution.of(0, 1);

    private Args() {}

    /** Throws unless {@code value} is in the open interval (0, 1). */
    static double openUnit(String name, double value) {
        if (!(value > 0 && value < 1)) {
            throw new IllegalArgumentException(name + " must be in (0, 1), was " + value);
        }
        return value;
    }

    static double finite(String name, double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException(name + " must be a finite number, was " + value);
        }
        return value;
    }

    static double positive(String name, double value) {
        if (!(finite(name, value) > 0)) {
            throw new IllegalArgumentException(name + " must be > 0, was " + value);
        }
        return value;
    }

    static double nonNegative(String name, double value) {
        if (!(finite(name, value) >= 0)) {
            throw new IllegalArgumentException(name + " must be >= 0, was " + value);
        }
        return value;
    }

    /** The upper {@code p} quantile of the standard normal distribution: {@code upperZ(0.025)} is 1.959964. */
    static double upperZ(double p) {
        return STANDARD_NORMAL.inverseSurvivalProbability(p);
    }
}
