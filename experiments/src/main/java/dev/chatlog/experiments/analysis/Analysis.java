package dev.chatlog.experiments.analysis;

import dev.chatlog.experiments.Experiment;
import dev.chatlog.experiments.Plan;
import dev.chatlog.experiments.analysis.ArmReader.ArmData;
import dev.chatlog.experiments.stats.Holm;
import dev.chatlog.experiments.stats.SampleRatio;
import dev.chatlog.experiments.stats.Sequential;
import dev.chatlog.experiments.stats.Summary;
import dev.chatlog.experiments.stats.Welch;
import dev.chatlog.quality.stats.Interval;
import dev.chatlog.quality.stats.Proportions;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.commons.statistics.distribution.NormalDistribution;

/**
 * An experiment read from its arms' data: each arm's metrics with intervals, each variant against the control on the
 * primary and guardrail metrics with the test that fits ({@link Test}), Holm's correction over every test of the
 * experiment, the sample-ratio check, and the verdict.
 *
 * <p>How peeking is handled: without a {@link Plan} the primary metric is read by an always-valid (sequential) test, so
 * it may be read every minute; with a plan it is read by the fixed-horizon test, no winner is called before every arm
 * has the plan's units, and from then on the reading is the one at that sample ({@link Analyses} reads the turns up to
 * the moment it was reached), so reading again later is not a second test. Guardrails are always read sequentially:
 * they are watched all the time, and stop an arm.
 *
 * <p>No silent $0: a cost metric is not tested while an arm has turns with unpriced calls (their cost is unknown, not
 * zero); the test says so and cannot be significant.
 */
public final class Analysis {
    public static final double ALPHA = 0.05;
    private static final NormalDistribution NORMAL = NormalDistribution.of(0, 1);
    private static final double Z = NORMAL.inverseSurvivalProbability(ALPHA / 2);

    /** One arm's metric: its value (a rate, a mean, a geometric mean for times) and interval at 95%. */
    public record Estimate(Double value, Interval interval, long units, double observations, String note) {}

    /** One arm as analysed. */
    public record Arm(String variant, String arm, BigDecimal percent, long units, long turns, BigDecimal cost, long unpricedTurns,
                      Map<String, Estimate> metrics) {}

    /**
     * A variant against the control on one metric. {@code difference} is variant minus control (for times, of
     * geometric means), {@code relative} the change in share of the control's value; {@code interval} bounds the
     * difference (for times, the relative change) from the test used; {@code test} is {@code two_proportion_z},
     * {@code fisher_exact}, {@code welch_t} or {@code delta_z} (fixed horizon) or {@code sequential}.
     */
    public record Test(String variant, String metric, String role, boolean higherIsBetter, Double control, Double value,
                       Double difference, Double relative, Interval interval, String test, double pValue, double adjustedPValue,
                       boolean significant, String direction, String note) {
        boolean worse() { return significant && "worse".equals(direction); }
        boolean better() { return significant && "better".equals(direction); }
    }

    /** The sample-ratio check on units per arm ({@code null} p-value: no units yet). */
    public record Srm(Map<String, Long> observed, Map<String, Double> expectedShares, Double chiSquare, Double pValue, boolean mismatch) {}

    /** What the data say: a winner (a variant name) when decided, whether to stop (a guardrail breached) and why. */
    public record Verdict(String winner, boolean decided, String reason, boolean stop, String stopReason) {}

    public record Result(String mode, double alpha, Long plannedUnitsPerArm, List<Arm> arms, Srm srm, List<Test> tests, Verdict verdict) {}

    private Analysis() {}

    /** The analysis of {@code e} over its arms' data (in the experiment's order, the control first). */
    public static Result of(Experiment e, List<ArmData> data, Predicate<String> booleanScore) {
        List<String> metrics = new ArrayList<>(new LinkedHashSet<>(concat(e.primaryMetric(), e.guardrails())));
        Map<String, Metric> kinds = new LinkedHashMap<>();
        for (String m : metrics) kinds.put(m, Metric.of(m, m.startsWith("score:") && booleanScore.test(m.substring(6))));
        Plan plan = e.plan();
        boolean fixed = plan != null;
        List<Arm> arms = data.stream().map(a -> arm(a, kinds)).toList();
        ArmData control = data.get(0);
        long fewest = data.stream().filter(a -> a.variant().percent().signum() > 0).mapToLong(ArmData::units).min().orElse(0);
        boolean horizon = fixed && fewest >= plan.perArm();
        List<Test> raw = new ArrayList<>();
        for (ArmData a : data.subList(1, data.size())) {
            for (String m : metrics) {
                boolean primary = m.equals(e.primaryMetric());
                Test t = test(a, control, kinds.get(m), primary ? "primary" : "guardrail", primary && fixed);
                if (COST.contains(m) && (a.unpricedTurns() > 0 || control.unpricedTurns() > 0)) t = unpriced(t, a, control);
                raw.add(t);
            }
        }
        double[] adjusted = Holm.adjust(raw.stream().mapToDouble(Test::pValue).toArray());
        List<Test> tests = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            Test t = raw.get(i);
            boolean held = t.role().equals("primary") && fixed && !horizon;
            boolean significant = !held && adjusted[i] <= ALPHA && t.difference() != null;
            String note = held ? "held back: the plan's " + plan.perArm() + " units per arm are not reached (fewest: " + fewest + ")" : t.note();
            tests.add(new Test(t.variant(), t.metric(), t.role(), t.higherIsBetter(), t.control(), t.value(), t.difference(), t.relative(),
                    t.interval(), t.test(), t.pValue(), adjusted[i], significant, t.direction(), note));
        }
        Srm srm = srm(e, data);
        return new Result(fixed ? "fixed_horizon" : "sequential", ALPHA, fixed ? plan.perArm() : null, arms, srm, tests,
                verdict(e, tests, srm, fixed, horizon, fewest));
    }

    private static final java.util.Set<String> COST = java.util.Set.of("cost_per_turn", "cost_per_successful_turn");

    /** A cost test not made: some turns' cost is unknown. */
    private static Test unpriced(Test t, ArmData a, ArmData control) {
        return new Test(t.variant(), t.metric(), t.role(), t.higherIsBetter(), t.control(), t.value(), null, null, null, t.test(), 1, 1, false,
                "none", "not tested: " + (a.unpricedTurns() > 0 ? a.unpricedTurns() + " turn(s) of " + a.variant().name() : "")
                        + (a.unpricedTurns() > 0 && control.unpricedTurns() > 0 ? " and " : "")
                        + (control.unpricedTurns() > 0 ? control.unpricedTurns() + " turn(s) of " + control.variant().name() : "")
                        + " have unpriced calls: their cost is unknown, not $0 (add the model's price)");
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> all = new ArrayList<>();
        all.add(first);
        all.addAll(rest);
        return all;
    }

    private static Arm arm(ArmData a, Map<String, Metric> kinds) {
        Map<String, Estimate> out = new LinkedHashMap<>();
        kinds.forEach((name, m) -> out.put(name, estimate(a.metrics().getOrDefault(name, UnitSums.EMPTY), m)));
        return new Arm(a.variant().name(), a.arm(), a.variant().percent(), a.units(), a.turns(), a.cost(), a.unpricedTurns(), out);
    }

    static Estimate estimate(UnitSums s, Metric m) {
        if (s.n() == 0) return new Estimate(null, null, s.units(), 0, "no observations");
        double r = s.ratio();
        if (m.kind() == Metric.Kind.RATE && s.oneEach() && s.n() <= Integer.MAX_VALUE) {
            return new Estimate(r, Proportions.wilson(Math.round(s.y()), Math.round(s.n()), 1 - ALPHA), s.units(), s.n(), null);
        }
        double v = s.varianceOfRatio();
        if (!Double.isFinite(v)) return new Estimate(value(m, r), null, s.units(), s.n(), "an interval needs 2 units or more");
        double half = Z * Math.sqrt(v);
        Interval i = m.kind() == Metric.Kind.LOG_MEAN ? new Interval(Math.exp(r - half), Math.exp(r + half)) : new Interval(r - half, r + half);
        return new Estimate(value(m, r), i, s.units(), s.n(), null);
    }

    private static double value(Metric m, double r) {
        return m.kind() == Metric.Kind.LOG_MEAN ? Math.exp(r) : r;
    }

    static Test test(ArmData arm, ArmData control, Metric m, String role, boolean fixed) {
        UnitSums a = arm.metrics().getOrDefault(m.name(), UnitSums.EMPTY), c = control.metrics().getOrDefault(m.name(), UnitSums.EMPTY);
        String variant = arm.variant().name();
        if (a.units() < 2 || c.units() < 2 || a.n() == 0 || c.n() == 0) {
            return new Test(variant, m.name(), role, m.higherIsBetter(), c.n() == 0 ? null : value(m, c.ratio()), a.n() == 0 ? null : value(m, a.ratio()),
                    null, null, null, fixed ? "fixed_horizon" : "sequential", 1, 1, false, "none", "each side needs 2 units or more");
        }
        boolean log = m.kind() == Metric.Kind.LOG_MEAN;
        double d = a.ratio() - c.ratio(), v = a.varianceOfRatio() + c.varianceOfRatio();
        double p;
        Interval interval;
        String name;
        if (fixed) {
            if (m.kind() == Metric.Kind.RATE && a.oneEach() && c.oneEach() && a.n() <= Integer.MAX_VALUE && c.n() <= Integer.MAX_VALUE) {
                Proportions.Difference x = Proportions.compare(Math.round(a.y()), Math.round(a.n()), Math.round(c.y()), Math.round(c.n()), 1 - ALPHA);
                p = x.pValue();
                interval = x.interval();
                name = x.test() == Proportions.Test.FISHER_EXACT ? "fisher_exact" : "two_proportion_z";
            } else if (m.kind() != Metric.Kind.RATE && a.oneEach() && c.oneEach()) {
                Welch.Difference x = Welch.compare(Summary.of(c.units(), c.y(), c.yy()), Summary.of(a.units(), a.y(), a.yy()), 1 - ALPHA);
                p = x.defined() ? x.pValue() : 1;
                interval = x.interval();
                name = "welch_t";
            } else {
                double se = Math.sqrt(v);
                p = se == 0 ? 1 : 2 * NORMAL.survivalProbability(Math.abs(d) / se);
                interval = se == 0 ? Interval.UNDEFINED : new Interval(d - Z * se, d + Z * se);
                name = "delta_z";
            }
        } else {
            // the mixture's scale, tau: the smallest difference worth finding — 5 points of a rate, 10% of a time, 10% of a
            // mean (of the larger arm's: the one number read from the data, so the bound is valid as the means settle)
            double tau = m.kind() == Metric.Kind.RATE ? 0.05 : log ? 0.1 : 0.1 * Math.max(Math.abs(c.ratio()), Math.abs(a.ratio()));
            if (!(tau > 0)) tau = 1e-12;
            Sequential seq = Sequential.forEffect(ALPHA, tau);
            p = seq.pValue(d, v);
            interval = seq.interval(d, v).interval();
            name = "sequential";
        }
        if (!Double.isFinite(p)) p = 1;
        double cv = value(m, c.ratio()), av = value(m, a.ratio());
        Double relative = log ? Math.expm1(d) : cv == 0 ? null : (av - cv) / Math.abs(cv);
        if (log && interval != null && !Double.isNaN(interval.lower())) interval = new Interval(Math.expm1(interval.lower()), Math.expm1(interval.upper()));
        String direction = d == 0 ? "none" : (d > 0) == m.higherIsBetter() ? "better" : "worse";
        return new Test(variant, m.name(), role, m.higherIsBetter(), cv, av, av - cv, relative, interval, name, p, p, false, direction,
                log ? "compared on the logarithm: the interval bounds the relative change" : null);
    }

    private static Srm srm(Experiment e, List<ArmData> data) {
        Map<String, Long> observed = new LinkedHashMap<>();
        Map<String, Double> shares = new LinkedHashMap<>();
        List<Long> counts = new ArrayList<>();
        List<Double> expected = new ArrayList<>();
        for (ArmData a : data) {
            observed.put(a.variant().name(), a.units());
            double share = a.variant().percent().doubleValue() / 100;
            shares.put(a.variant().name(), share);
            if (share > 0) {
                counts.add(a.units());
                expected.add(share);
            }
        }
        long total = counts.stream().mapToLong(Long::longValue).sum();
        if (total == 0 || counts.size() < 2) return new Srm(observed, shares, null, null, false);
        SampleRatio.Check check = SampleRatio.check(counts.stream().mapToLong(Long::longValue).toArray(),
                expected.stream().mapToDouble(Double::doubleValue).toArray());
        return new Srm(observed, shares, check.statistic(), check.pValue(), check.mismatch());
    }

    private static Verdict verdict(Experiment e, List<Test> tests, Srm srm, boolean fixed, boolean horizon, long fewest) {
        List<String> breaches = new ArrayList<>();
        for (Test t : tests) {
            if (t.role().equals("guardrail") && t.worse()) {
                breaches.add(t.variant() + ": " + t.metric() + " significantly worse (" + change(t) + ", adjusted p = " + p(t.adjustedPValue()) + ")");
            }
        }
        boolean stop = !breaches.isEmpty();
        String stopReason = stop ? "guardrail breached: " + String.join("; ", breaches) : null;
        if (srm.mismatch()) {
            return new Verdict(null, false, "sample ratio mismatch (p = " + p(srm.pValue()) + "): the arms did not get their shares, so no "
                    + "result can be trusted; look for what drops or moves turns of one arm", stop, stopReason);
        }
        Test best = null;
        int worseOnPrimary = 0, variants = e.variants().size() - 1;
        for (Test t : tests) {
            if (!t.role().equals("primary")) continue;
            if (t.worse()) worseOnPrimary++;
            boolean guarded = tests.stream().anyMatch(g -> g.variant().equals(t.variant()) && g.role().equals("guardrail") && g.worse());
            if (t.better() && !guarded && (best == null || Math.abs(t.difference()) > Math.abs(best.difference()))) best = t;
        }
        if (best != null) {
            return new Verdict(best.variant(), true, best.variant() + " is better than " + e.control().name() + " on " + best.metric() + " ("
                    + change(best) + ", adjusted p = " + p(best.adjustedPValue()) + ") and no guardrail is significantly worse", stop, stopReason);
        }
        if (variants > 0 && worseOnPrimary == variants) {
            return new Verdict(e.control().name(), true, "every variant is significantly worse than " + e.control().name() + " on "
                    + e.primaryMetric(), stop, stopReason);
        }
        String reason = fixed && !horizon
                ? "collecting: a winner is called once every arm has the plan's " + e.plan().perArm() + " units (fewest so far: " + fewest + ")"
                : "no significant difference on " + e.primaryMetric() + (fixed ? " at the planned sample" : " yet (sequential: it may be read at any time)");
        return new Verdict(null, false, reason, stop, stopReason);
    }

    private static String change(Test t) {
        if (t.relative() != null) return String.format(java.util.Locale.ROOT, "%+.1f%%", 100 * t.relative());
        return String.format(java.util.Locale.ROOT, "%+.4g", t.difference());
    }

    private static String p(double p) {
        return String.format(java.util.Locale.ROOT, "%.3g", p);
    }
}
