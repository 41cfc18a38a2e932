package dev.chatlog.experiments.stats;

import dev.chatlog.quality.stats.Interval;

/**
 * An always-valid (anytime-valid) confidence sequence for a difference of two means or two proportions: it may be read
 * after every observation, every minute, as often as one likes, and stopped whenever it excludes 0, and still the
 * chance that it EVER excludes the true difference is at most alpha. A fixed-horizon interval ({@link Welch}) read
 * that way excludes 0 far more often than alpha when there is no difference at all.
 *
 * <p>The sequence is the normal-mixture boundary of Robbins (1970, "Statistical methods related to the law of the
 * iterated logarithm", Annals of Mathematical Statistics 41:1397–1409), as in Howard, Ramdas, McAuliffe &amp; Sekhon
 * (2021, "Time-uniform, nonparametric, nonasymptotic confidence sequences", Annals of Statistics 49:1055–1080, the
 * two-sided normal mixture), in the form of the mixture sequential probability ratio test (mSPRT) of Johari, Koomen,
 * Pekelis &amp; Walsh (2017, "Peeking at A/B tests", KDD '17; 2022, "Always valid inference", Operations Research
 * 70:1806–1821). For an estimate {@code d} with variance {@code v} and a normal mixing distribution N(0, tau²) over the
 * true difference, the mixture likelihood ratio against difference {@code theta} is
 * {@code Λ = sqrt(v / (v + tau²)) exp(tau² (d - theta)² / (2 v (v + tau²)))}; the set of {@code theta} with
 * {@code Λ < 1/alpha} is the interval implemented here:
 *
 * <pre>  d ± sqrt( v (v + tau²) / tau² · ln((v + tau²) / (v alpha²)) )</pre>
 *
 * <p>It is exact for normal data with known variances; with the variances estimated from the data (as here) it holds
 * asymptotically (in this package's tests, normal and 0/1 data looked at every 100 observations per arm from 100 on,
 * it excluded a zero difference in under 2% of experiments at alpha 0.05). The sequence is always wider
 * than the fixed-horizon normal interval at the same alpha (because {@code 2 ln(1/alpha) > z²(1 - alpha/2)}): that
 * is the price of peeking. Its width depends on tau², which should be fixed before the experiment starts: see
 * {@link #forEffect}.
 *
 * @param alpha the chance, over the whole experiment, that the sequence ever excludes the true difference
 * @param tauSquared the variance of the normal mixing distribution, in the squared unit of the difference
 */
public record Sequential(double alpha, double tauSquared) {
    /** @throws IllegalArgumentException when {@code alpha} is not in (0, 1) or {@code tauSquared} not finite and &gt; 0 */
    public Sequential {
        Args.openUnit("alpha", alpha);
        Args.positive("tauSquared", tauSquared);
    }

    /**
     * The sequence tuned to the smallest difference worth detecting, {@code tau² = minimumDetectableEffect²} (the
     * default this project uses). Why: at a given variance v the interval is narrowest for {@code tau² = r v} with
     * {@code r} the root of {@code r = ln(1 + r) + 2 ln(1/alpha)} (about 8.2 at alpha 0.05); an experiment planned
     * with {@link SampleSize} for 90% power at level 0.05 ends at {@code v ≈ mde² / (1.96 + 1.28)² ≈ mde² / 10.5}, so
     * {@code tau² = mde²} makes the sequence close to its narrowest (within 1%) where the experiment is planned to end.
     *
     * @param minimumDetectableEffect in the unit of the difference (a share, for proportions); its sign is ignored
     * @throws IllegalArgumentException when {@code alpha} is not in (0, 1) or the effect is 0 or not finite
     */
    public static Sequential forEffect(double alpha, double minimumDetectableEffect) {
        if (Args.finite("minimumDetectableEffect", minimumDetectableEffect) == 0) {
            throw new IllegalArgumentException("minimumDetectableEffect is 0: tau² would be 0");
        }
        return new Sequential(alpha, minimumDetectableEffect * minimumDetectableEffect);
    }

    /**
     * The sequence's interval at one look. When the variance is 0 there is no interval ({@link Interval#UNDEFINED})
     * and {@code undefinedReason} says why; otherwise it is null.
     *
     * @param difference arm 2 minus arm 1
     * @param variance the estimated variance of {@code difference}
     */
    public record Estimate(double difference, double variance, Interval interval, double alpha, String undefinedReason) {
        /** Whether the interval is defined. */
        public boolean defined() {
            return undefinedReason == null;
        }

        /** Whether the interval is defined and 0 is outside it: a difference, at the sequence's alpha. */
        public boolean excludesZero() {
            return defined() && (interval.lower() > 0 || interval.upper() < 0);
        }
    }

    /**
     * The half-width {@code sqrt(v (v + tau²) / tau² · ln((v + tau²) / (v alpha²)))} at variance {@code v}.
     *
     * @throws IllegalArgumentException when {@code variance} is not a finite number &gt; 0
     */
    public double halfWidth(double variance) {
        double v = Args.positive("variance", variance);
        return Math.sqrt(v * (v + tauSquared) / tauSquared * (Math.log1p(tauSquared / v) - 2 * Math.log(alpha)));
    }

    /**
     * The interval around {@code difference}, whose estimated variance is {@code variance}.
     *
     * @throws IllegalArgumentException when {@code difference} is not finite or {@code variance} is negative or not
     *     finite
     */
    public Estimate interval(double difference, double variance) {
        Args.finite("difference", difference);
        Args.nonNegative("variance", variance);
        if (variance == 0) {
            return new Estimate(difference, 0, Interval.UNDEFINED, alpha, "the variance is 0: no spread to bound the difference with");
        }
        double half = halfWidth(variance);
        return new Estimate(difference, variance, new Interval(difference - half, difference + half), alpha, null);
    }

    /**
     * The interval for {@code mean2 - mean1}, variance {@code var1 / n1 + var2 / n2}.
     *
     * @throws IllegalArgumentException when an arm is null or has fewer than 2 values
     */
    public Estimate means(Summary arm1, Summary arm2) {
        if (arm1 == null || arm2 == null) {
            throw new IllegalArgumentException("both arms' summaries are required");
        }
        if (arm1.n() < 2 || arm2.n() < 2) {
            throw new IllegalArgumentException("each arm needs at least 2 values for a variance, got " + arm1.n()
                    + " and " + arm2.n());
        }
        return interval(arm2.mean() - arm1.mean(), arm1.variance() / arm1.n() + arm2.variance() / arm2.n());
    }

    /**
     * The interval for {@code s2/n2 - s1/n1}, variance {@code p1 (1 - p1) / n1 + p2 (1 - p2) / n2}. Undefined while
     * both proportions are 0 (or both 1): no variance to estimate yet.
     *
     * @throws IllegalArgumentException when a count of trials is below 1 or successes are outside [0, trials]
     */
    public Estimate proportions(long s1, long n1, long s2, long n2) {
        counts("1", s1, n1);
        counts("2", s2, n2);
        double p1 = (double) s1 / n1, p2 = (double) s2 / n2;
        return interval(p2 - p1, p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2);
    }

    /**
     * The always-valid p-value of "no difference": {@code min(1, 1 / Λ(0))}. It may be read at every look, like the
     * interval, and is below {@code alpha} exactly when the interval at {@code alpha} excludes 0; always-valid p-values
     * of several metrics may be adjusted together ({@link Holm}). 1 when the variance is 0.
     */
    public double pValue(double difference, double variance) {
        Args.finite("difference", difference);
        Args.nonNegative("variance", variance);
        if (variance == 0) return 1;
        return Math.min(1, 1 / likelihoodRatio(difference, variance, 0));
    }

    /** The mixture likelihood ratio Λ of the difference {@code theta} (the interval is where it is below 1/alpha). */
    double likelihoodRatio(double difference, double variance, double theta) {
        double d = difference - theta, sum = variance + tauSquared;
        return Math.sqrt(variance / sum) * Math.exp(tauSquared * d * d / (2 * variance * sum));
    }

    private static void counts(String which, long successes, long trials) {
        if (trials < 1) {
            throw new IllegalArgumentException("n" + which + " must be >= 1, was " + trials);
        }
        if (successes < 0 || successes > trials) {
            throw new IllegalArgumentException("s" + which + " must be in [0, n" + which + " = " + trials + "], was " + successes);
        }
    }
}
