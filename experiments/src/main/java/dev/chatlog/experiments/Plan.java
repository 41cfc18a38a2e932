package dev.chatlog.experiments;

import dev.chatlog.experiments.stats.SampleSize;

/**
 * What an experiment is planned to detect: the smallest difference on its primary metric worth finding
 * ({@code effect}: in the metric's unit, a rate's difference in points of 1), and what the metric is like today —
 * for a rate its {@code baseline} (0.80), for a mean its standard deviation ({@code sd}) — with the {@code power}
 * wanted (0.8) at a two-sided 5% level. {@code perArm}: the sample each arm needs before a winner may be called (two
 * proportions for a rate, two means by the exact t method), computed by {@link #of}.
 */
public record Plan(double effect, Double baseline, Double sd, double power, long perArm) {
    public static final double ALPHA = 0.05;
    /** The most a plan may ask of each arm: a smaller effect is not worth planning for here. */
    public static final long MAX_PER_ARM = 100_000_000L;

    /** A plan, its sample per arm computed (and bounded: an effect too small to detect with 100 million per arm is refused). */
    public static Plan of(double effect, Double baseline, Double sd, double power) {
        Plan unsized = new Plan(effect, baseline, sd, power, 1);
        long n;
        try {
            SampleSize.Estimate e = baseline != null ? SampleSize.twoProportions(baseline, baseline + effect, ALPHA, power)
                    : SampleSize.twoMeans(sd, effect, ALPHA, power);
            n = Double.isFinite(e.unrounded()) && e.unrounded() <= MAX_PER_ARM ? e.perArm() : -1;
        } catch (RuntimeException x) { // too small an effect for the solver (or for a double: 0.5 + 1e-17 is 0.5)
            n = -1;
        }
        if (n < 1) throw new IllegalArgumentException("an effect this small needs more than " + MAX_PER_ARM + " per arm (or cannot be told apart): plan for a larger one");
        return new Plan(unsized.effect(), baseline, sd, power, n);
    }

    public Plan {
        if (!(effect > 0) || Double.isInfinite(effect)) throw new IllegalArgumentException("the minimum detectable effect is a positive number");
        if ((baseline == null) == (sd == null)) throw new IllegalArgumentException("a plan states a baseline (a rate's) or an sd (a mean's), one of them");
        if (baseline != null && !(baseline > 0 && baseline < 1 && baseline + effect < 1)) {
            throw new IllegalArgumentException("a rate's baseline and baseline + effect are between 0 and 1");
        }
        if (sd != null && !(sd > 0) || sd != null && Double.isInfinite(sd)) throw new IllegalArgumentException("sd is a positive number");
        if (!(power > 0.5 && power < 1)) throw new IllegalArgumentException("power is between 0.5 and 1, such as 0.8");
        if (perArm < 1) throw new IllegalArgumentException("a plan's sample per arm is at least 1");
    }
}
