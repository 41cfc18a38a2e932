package dev.chatlog.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.experiments.stats.SampleRatio;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Sticky assignment: the split it promises, the same arm for a unit every time, independence between experiments. */
class AssignmentTest {
    private static final Instant START = Instant.parse("2026-12-01T00:00:00Z");
    private static final Instant NOW = Instant.parse("2026-12-05T12:00:00Z");

    private static Experiment experiment(String name, String salt, Instant stopped, double... percents) {
        List<Variant> vs = new java.util.ArrayList<>();
        for (int i = 0; i < percents.length; i++) {
            vs.add(new Variant(i == 0 ? "control" : "arm-" + i, BigDecimal.valueOf(percents[i]), i == 0 ? "gpt-4o-mini" : "gpt-4o", "v" + i, Map.of()));
        }
        return new Experiment(name, salt, vs, "success_rate", List.of("cost_per_turn", "score:helpfulness"), null, START, null, stopped);
    }

    @Test
    void should_split_as_declared_and_keep_each_unit_in_its_arm() {
        Experiment e = experiment("model-swap", null, null, 50, 25, 25);
        long[] counts = new long[3];
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            Variant v = Assignment.variantFor(e, "conversation-" + i, NOW);
            counts[e.variants().indexOf(v)]++;
            assertEquals(v, Assignment.variantFor(e, "conversation-" + i, NOW.plusSeconds(3600)), "sticky");
        }
        // the sample-ratio check the analysis runs: a fair hash is flagged (p < 0.001) once in a thousand experiments
        SampleRatio.Check srm = SampleRatio.check(counts, new double[] {0.5, 0.25, 0.25});
        System.out.printf("assignment of %d units at 50/25/25: %s, chi-square %.2f, p %.3f%n", n, java.util.Arrays.toString(counts),
                srm.statistic(), srm.pValue());
        assertTrue(!srm.mismatch(), srm.toString());
    }

    /** A child JVM's arms for 100,000 units, one line of variant names: what another instance of the application computes. */
    public static void main(String[] args) {
        Experiment e = experiment("model-swap", null, null, 50, 25, 25);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 100_000; i++) sb.append(Assignment.variantFor(e, "conversation-" + i, NOW).name()).append(',');
        System.out.println(sb);
    }

    @Test
    void should_give_every_unit_the_same_arm_in_another_jvm() throws Exception {
        Process child = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), AssignmentTest.class.getName()).redirectErrorStream(true).start();
        String theirs = new String(child.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
        assertEquals(0, child.waitFor());
        Experiment e = experiment("model-swap", null, null, 50, 25, 25);
        StringBuilder ours = new StringBuilder();
        for (int i = 0; i < 100_000; i++) ours.append(Assignment.variantFor(e, "conversation-" + i, NOW).name()).append(',');
        assertEquals(ours.toString(), theirs, "the same 100,000 arms in two JVMs");
    }

    @Test
    void should_split_two_experiments_independently_and_give_the_control_outside_the_run() {
        Experiment a = experiment("prompt-v2", null, null, 50, 50);
        Experiment b = experiment("model-swap", null, null, 50, 50);
        Experiment resalted = experiment("prompt-v2", "second-try", null, 50, 50);
        int both = 0, moved = 0, n = 20_000;
        for (int i = 0; i < n; i++) {
            String u = "user-" + i;
            boolean inA = !Assignment.variantFor(a, u, NOW).name().equals("control");
            if (inA && !Assignment.variantFor(b, u, NOW).name().equals("control")) both++;
            if (inA != !Assignment.variantFor(resalted, u, NOW).name().equals("control")) moved++;
        }
        assertTrue(Math.abs(both - n / 4) < 400, both + " of " + n + " in both treatment arms: about a quarter when independent");
        assertTrue(Math.abs(moved - n / 2) < 600, moved + " of " + n + " moved with a new salt: about half");
        Experiment stopped = experiment("prompt-v2", null, NOW.minusSeconds(60), 50, 50);
        Experiment draft = new Experiment("draft", null, a.variants(), "success_rate", List.of(), null, null, null, null);
        for (int i = 0; i < 100; i++) {
            assertEquals("control", Assignment.variantFor(stopped, "user-" + i, NOW).name(), "stopped: everyone on the control");
            assertEquals("control", Assignment.variantFor(draft, "user-" + i, NOW).name(), "not started");
        }
    }

    @Test
    void should_refuse_a_definition_that_cannot_split_naming_what_is_wrong() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> experiment("x", null, null, 50, 40)).getMessage().contains("90.00%"));
        assertThrows(IllegalArgumentException.class, () -> experiment("x", null, null, 100));
        assertThrows(IllegalArgumentException.class, () -> new Variant("a b", BigDecimal.TEN, null, null, null));
        assertThrows(IllegalArgumentException.class, () -> new Variant("a", new BigDecimal("33.333"), null, null, null));
        assertThrows(IllegalArgumentException.class, () -> new Experiment("x", null, List.of(new Variant("a", BigDecimal.valueOf(50), null, null, null),
                new Variant("a", BigDecimal.valueOf(50), null, null, null)), "success_rate", List.of(), null, START, null, null));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Experiment("x", null, List.of(new Variant("a", BigDecimal.valueOf(50), null, null, null),
                new Variant("b", BigDecimal.valueOf(50), null, null, null)), "happiness", List.of(), null, START, null, null)).getMessage().contains("primary metric"));
    }
}
