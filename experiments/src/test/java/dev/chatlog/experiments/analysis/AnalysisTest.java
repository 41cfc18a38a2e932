package dev.chatlog.experiments.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.experiments.Experiment;
import dev.chatlog.experiments.Plan;
import dev.chatlog.experiments.Variant;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The verdict's rules on arms given as sums: no silent $0, a share-0 arm, one turn per unit against many. */
class AnalysisTest {
    /** {@code k} units of one turn each, values {@code base} and {@code base + step} alternating. */
    static UnitSums sums(long k, double base, double step) {
        double y = 0, yy = 0;
        for (int i = 0; i < k; i++) {
            double v = base + (i % 2) * step;
            y += v;
            yy += v * v;
        }
        return new UnitSums(k, k, k, y, yy, y);
    }

    static ArmReader.ArmData arm(Experiment e, int i, long units, double cost, long unpriced) {
        Variant v = e.variants().get(i);
        return new ArmReader.ArmData(v, e.name() + "/" + v.name(), units, units, BigDecimal.valueOf(cost * units), unpriced,
                Map.of("cost_per_turn", sums(units, cost, cost / 10), "success_rate", sums(units, 0, 1)));
    }

    static Experiment experiment(List<Variant> variants, Plan plan) {
        return new Experiment("unit", null, variants, "cost_per_turn", List.of("success_rate"), plan, java.time.Instant.EPOCH, null, null);
    }

    @Test
    void should_not_call_a_cheaper_arm_the_winner_while_its_calls_are_unpriced() {
        Experiment e = experiment(List.of(new Variant("a", new BigDecimal("50"), null, null, null), new Variant("b", new BigDecimal("50"), null, null, null)), null);
        Analysis.Result priced = Analysis.of(e, List.of(arm(e, 0, 2000, 0.01, 0), arm(e, 1, 2000, 0.002, 0)), s -> false);
        assertEquals("b", priced.verdict().winner(), "priced, b is 80% cheaper: " + priced.verdict());
        Analysis.Result unpriced = Analysis.of(e, List.of(arm(e, 0, 2000, 0.01, 0), arm(e, 1, 2000, 0.002, 700)), s -> false);
        assertNull(unpriced.verdict().winner(), unpriced.verdict().toString());
        Analysis.Test cost = unpriced.tests().stream().filter(t -> t.metric().equals("cost_per_turn")).findFirst().orElseThrow();
        assertFalse(cost.significant());
        assertTrue(cost.note().contains("700 turn(s) of b have unpriced calls"), cost.note());
    }

    @Test
    void should_wait_for_the_arms_with_a_share_only() {
        Experiment e = experiment(List.of(new Variant("a", new BigDecimal("50"), null, null, null), new Variant("b", new BigDecimal("50"), null, null, null),
                new Variant("parked", new BigDecimal("0"), null, null, null)), Plan.of(0.001, null, 0.01, 0.8));
        Analysis.Result r = Analysis.of(e, List.of(arm(e, 0, 2000, 0.01, 0), arm(e, 1, 2000, 0.002, 0), arm(e, 2, 0, 0.01, 0)), s -> false);
        assertTrue(e.plan().perArm() < 2000, "the plan is reached: " + e.plan().perArm());
        assertEquals("b", r.verdict().winner(), "a parked arm holds nothing back: " + r.verdict());
        assertEquals("welch_t", r.tests().get(0).test(), "one turn per unit: Welch's t");
    }
}
