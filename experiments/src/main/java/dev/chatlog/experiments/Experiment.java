package dev.chatlog.experiments;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An experiment on models and prompts: its name, a salt (a new salt reshuffles who gets which arm), its variants (the
 * first is the control; shares adding up to 100%), the metric it is decided on and the guardrail metrics no arm may be
 * significantly worse on, an optional {@link Plan} (the sample each arm needs), and when it runs. Outside its run — not started, stopped, past its end — every unit gets the
 * control.
 */
public record Experiment(String name, String salt, List<Variant> variants, String primaryMetric, List<String> guardrails,
                         Plan plan, Instant start, Instant end, Instant stoppedAt) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    /** The metrics an experiment may be decided on: a rate, a score by name, a time, tokens, a cost. */
    public static final Set<String> METRICS = Set.of("success_rate", "latency_ms", "ttft_ms", "tokens", "cost_per_turn", "cost_per_successful_turn");

    public Experiment {
        if (name == null || !NAME.matcher(name).matches()) throw new IllegalArgumentException("an experiment's name is 1 to 64 of letters, digits and . _ : -");
        salt = salt == null || salt.isEmpty() ? name : salt;
        if (salt.length() > 64) throw new IllegalArgumentException("a salt is at most 64 characters");
        variants = List.copyOf(Objects.requireNonNull(variants, "variants"));
        if (variants.size() < 2 || variants.size() > 10) throw new IllegalArgumentException("an experiment has 2 to 10 variants");
        Set<String> names = new HashSet<>();
        int total = 0;
        for (Variant v : variants) {
            if (!names.add(v.name().toLowerCase(java.util.Locale.ROOT))) {
                throw new IllegalArgumentException("two variants are named " + v.name() + " (names that differ in case only are one name)");
            }
            total += v.basisPoints();
        }
        if (total != 10_000) throw new IllegalArgumentException("the variants' shares add up to " + BigDecimal.valueOf(total, 2) + "%, not 100%");
        checkMetric(primaryMetric, "primary metric");
        guardrails = guardrails == null ? List.of() : List.copyOf(guardrails);
        for (String g : guardrails) checkMetric(g, "guardrail");
        if (start != null && end != null && !start.isBefore(end)) throw new IllegalArgumentException("an experiment ends after it starts");
        if (plan != null && plan.baseline() != null && !primaryMetric.equals("success_rate")) {
            throw new IllegalArgumentException("a plan with a baseline rate is for the primary metric success_rate; a mean's plan states an sd");
        }
    }

    private static void checkMetric(String m, String what) {
        if (m == null || !(METRICS.contains(m) || m.startsWith("score:") && m.substring(6).matches("[A-Za-z0-9._:-]{1,100}"))) {
            throw new IllegalArgumentException("the " + what + " is one of " + new java.util.TreeSet<>(METRICS) + " or score:<name>, got " + m);
        }
    }

    /** The control: the first variant. */
    public Variant control() {
        return variants.get(0);
    }

    /**
     * Whether units are split at {@code now}: started, not stopped, not past its end. A start a little ahead of this
     * instance's clock (another instance started it) still counts: the split does not wait for the clocks to agree.
     */
    public boolean running(Instant now) {
        return start != null && stoppedAt == null && (end == null || now.isBefore(end));
    }

    public Optional<Variant> variant(String name) {
        return variants.stream().filter(v -> v.name().equals(name)).findFirst();
    }
}
