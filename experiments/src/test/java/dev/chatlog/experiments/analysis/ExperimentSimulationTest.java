package dev.chatlog.experiments.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.core.ChatLogger;
import dev.chatlog.experiments.Experiment;
import dev.chatlog.experiments.Plan;
import dev.chatlog.experiments.analysis.SimulatedLog.Effect;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.chatlog.sql.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Experiments simulated through the real logger and read back by the analysis from the database, looked at five times
 * each (after a fifth, two fifths ... of their units), as a dashboard refreshed during the experiment would. With no
 * true difference the verdict must claim nothing more often than the nominal 5% — however often it is read — while the
 * same data read naively (the fixed-horizon test at every look) does; a real difference is found; a fixed-horizon
 * experiment calls nothing before its planned sample; a sample ratio mismatch is flagged.
 */
class ExperimentSimulationTest {
    static final int AA = 120, REAL = 20, FIXED = 60, UNITS = 160, LOOKS = 5;
    static Database db;
    static final List<Experiment> aa = new ArrayList<>(), real = new ArrayList<>(), fixed = new ArrayList<>();
    static Experiment skewed;
    static Plan plan;

    @BeforeAll
    static void write() {
        db = TestDatabase.freshDatabase();
        plan = Plan.of(0.15, 0.75, null, 0.8);
        try (ChatLogger logger = ChatLogger.builder(new JdbcChatLogStore(db.jdbi())).batchSize(500).queueCapacity(200_000).build()) {
            for (int i = 0; i < AA; i++) {
                Experiment e = SimulatedLog.experiment("aa-" + i, "success_rate", List.of("cost_per_turn", "latency_ms"), null);
                SimulatedLog.write(logger, e, UNITS, Effect.NONE, 1000 + i);
                aa.add(e);
            }
            for (int i = 0; i < REAL; i++) {
                Experiment e = SimulatedLog.experiment("real-" + i, "cost_per_turn", List.of("success_rate", "latency_ms"), null);
                SimulatedLog.write(logger, e, UNITS, new Effect(0, 1, 0.6, 0), 2000 + i);
                real.add(e);
            }
            for (int i = 0; i < FIXED; i++) {
                Experiment e = SimulatedLog.experiment("fixed-" + i, "success_rate", List.of("cost_per_turn"), plan);
                SimulatedLog.write(logger, e, units(plan), Effect.NONE, 3000 + i);
                fixed.add(e);
            }
            skewed = SimulatedLog.experiment("skewed", "success_rate", List.of(), null);
            SimulatedLog.write(logger, skewed, 600, new Effect(0, 1, 1, 0.4), 4000);
            assertTrue(logger.flush(Duration.ofMinutes(3)), logger.stats().toString());
        }
    }

    @AfterAll
    static void close() {
        db.close();
    }

    /** Units enough for every arm to pass the plan's sample at the last look (25% to spare for the split's luck). */
    static int units(Plan p) {
        return (int) Math.ceil(2.5 * p.perArm());
    }

    static Analysis.Result look(ArmReader reader, Experiment e, int units, int look) {
        int upTo = units * look / LOOKS;
        List<String> metrics = new ArrayList<>(List.of(e.primaryMetric()));
        metrics.addAll(e.guardrails());
        java.time.Instant from = SimulatedLog.BASE.minusSeconds(60);
        return Analysis.of(e, reader.read(e, metrics, from, reader.until(e, from, SimulatedLog.BASE.plusSeconds(upTo))), s -> false);
    }

    @Test
    void should_claim_no_difference_more_often_than_5_percent_when_read_at_every_look_while_the_naive_reading_does() {
        ArmReader reader = new ArmReader(db.jdbi());
        int claimed = 0, naive = 0, mismatches = 0;
        for (Experiment e : aa) {
            boolean any = false, anyNaive = false;
            for (int look = 1; look <= LOOKS; look++) {
                Analysis.Result r = look(reader, e, UNITS, look);
                any |= r.verdict().decided() || r.verdict().stop();
                if (look == LOOKS && r.srm().mismatch()) mismatches++;
                ArmReader.ArmData a = reader.read(e, List.of("success_rate"), SimulatedLog.BASE.minusSeconds(60),
                        SimulatedLog.BASE.plusSeconds((long) UNITS * look / LOOKS)).get(0);
                ArmReader.ArmData b = reader.read(e, List.of("success_rate"), SimulatedLog.BASE.minusSeconds(60),
                        SimulatedLog.BASE.plusSeconds((long) UNITS * look / LOOKS)).get(1);
                anyNaive |= Analysis.test(b, a, Metric.of("success_rate", false), "primary", true).pValue() < Analysis.ALPHA;
            }
            if (any) claimed++;
            if (anyNaive) naive++;
        }
        System.out.printf("A/A, %d experiments x %d looks: sequential verdict claimed a difference in %d (%.1f%%), the naive fixed-horizon "
                + "test at every look in %d (%.1f%%); sample ratio mismatches at the end: %d%n", AA, LOOKS, claimed, 100.0 * claimed / AA,
                naive, 100.0 * naive / AA, mismatches);
        assertTrue(claimed <= AA * 0.05, claimed + " of " + AA + " A/A experiments claimed a difference");
        assertTrue(naive > claimed, "peeking at a fixed-horizon test over-claims: " + naive + " vs " + claimed);
        assertTrue(mismatches <= 1, mismatches + " sample ratio mismatches in " + AA + " fair splits");
    }

    @Test
    void should_find_a_real_cost_difference_and_call_the_cheaper_arm_the_winner() {
        ArmReader reader = new ArmReader(db.jdbi());
        int found = 0;
        for (Experiment e : real) {
            Analysis.Result r = look(reader, e, UNITS, LOOKS);
            assertFalse("a".equals(r.verdict().winner()), "the dearer control never wins: " + r.verdict());
            if ("b".equals(r.verdict().winner())) found++;
            Analysis.Test cost = r.tests().stream().filter(t -> t.metric().equals("cost_per_turn")).findFirst().orElseThrow();
            assertEquals("sequential", cost.test());
            assertTrue(cost.relative() < -0.3 && cost.relative() > -0.5, "b costs about 40% less: " + cost);
        }
        System.out.printf("real difference (b 40%% cheaper), %d experiments: b called the winner in %d%n", REAL, found);
        assertTrue(found >= REAL * 0.9, found + " of " + REAL);
    }

    @Test
    void should_call_nothing_before_the_planned_sample_and_keep_the_final_reading_at_5_percent() {
        ArmReader reader = new ArmReader(db.jdbi());
        int claimed = 0;
        for (Experiment e : fixed) {
            int units = units(plan);
            for (int look = 1; look < LOOKS; look++) {
                Analysis.Result r = look(reader, e, units, look);
                if (r.arms().stream().anyMatch(a -> a.units() < plan.perArm())) {
                    assertFalse(r.verdict().decided(), "held back before the plan's sample: " + r.verdict());
                    Analysis.Test primary = r.tests().stream().filter(t -> t.role().equals("primary")).findFirst().orElseThrow();
                    assertFalse(primary.significant());
                    assertTrue(primary.note().startsWith("held back"), primary.note());
                }
            }
            Analysis.Result end = look(reader, e, units, LOOKS);
            assertEquals("fixed_horizon", end.mode());
            assertTrue(end.arms().stream().allMatch(a -> a.units() >= plan.perArm()), "the plan's sample is reached at the end");
            assertTrue(end.arms().stream().anyMatch(a -> a.units() == plan.perArm()), "read at the planned sample, not past it: " + end.arms());
            Analysis.Test primary = end.tests().stream().filter(t -> t.role().equals("primary")).findFirst().orElseThrow();
            assertTrue(List.of("delta_z", "two_proportion_z").contains(primary.test()), primary.test());
            if (end.verdict().decided() || end.verdict().stop()) claimed++;
        }
        System.out.printf("fixed horizon (plan %d units per arm), %d A/A experiments: a difference claimed at the planned sample in %d%n",
                plan.perArm(), FIXED, claimed);
        assertTrue(claimed <= FIXED * 0.05, claimed + " of " + FIXED);
    }

    @Test
    void should_flag_a_sample_ratio_mismatch_and_call_no_winner() {
        Analysis.Result r = Analysis.of(skewed, new ArmReader(db.jdbi()).read(skewed, List.of("success_rate"),
                SimulatedLog.BASE.minusSeconds(60), SimulatedLog.BASE.plusSeconds(601)), s -> false);
        assertTrue(r.srm().mismatch(), r.srm().toString());
        assertTrue(r.srm().pValue() < 0.001);
        assertNull(r.verdict().winner());
        assertTrue(r.verdict().reason().startsWith("sample ratio mismatch"), r.verdict().reason());
    }
}
