package dev.chatlog.experiments;

import dev.chatlog.experiments.stats.SampleSize;

/**
 * What an experiment is planned to detect: the smallest difference on its primary metric worth finding
 * ({@code effect}: in the metric's unit, a rate's difference in points of 1), and what the metric is like today —
 * for a rate its {@code baseline} (0.80), for a mean its standard deviation ({@code sd}) — with the {@code power}
 * wanted (0.8) at a two-sided 5% level. Its {@link #perArm()} is the sample each arm needs before a winner may be called.
 */
public record Plan(double effect, Double baseline, Double sd, double power) {
    public static final double ALPHA = 0.05;

    public Plan {
        if (!(effect > 0) || Double.isInfinite(effect)) throw new IllegalArgumentException("the minimum detectable effect is a positive number");
        if ((baseline == null) == (sd == null)) throw new IllegalArgumentException("a plan states a baseline (a rate's) or an sd (a mean's), one of them");
        if (baseline != null && !(baseline > 0 && baseline < 1 && baseline + effect < 1)) {
            throw new IllegalArgumentException("a rate's baseline and baseline + effect are between 0 and 1");
        }
        if (sd != null && !(sd > 0) || sd != null && Double.isInfinite(sd)) throw new IllegalArgumentException("sd is a positive number");
        if (!(power > 0.5 && power < 1)) throw new IllegalArgumentException("power is between 0.5 and 1, such as 0.8");
    }

    /** The sample per arm: two proportions (a rate) or two means, two-sided at 5%. */
    public long perArm() {
        return baseline != null ? SampleSize.twoProportions(baseline, baseline + effect, ALPHA, power).perArm()
                : SampleSize.twoMeans(sd, effect, ALPHA, power).perArm();
    }
}
