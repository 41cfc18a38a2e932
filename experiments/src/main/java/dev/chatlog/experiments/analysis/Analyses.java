package dev.chatlog.experiments.analysis;

import dev.chatlog.experiments.Experiment;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/**
 * Experiments analysed from the log: the turns of their arms since they started (a minute's grace before the start,
 * for the clocks of other instances) — up to the planned sample for an experiment with a plan ({@link ArmReader#until})
 * — through {@link ArmReader} and {@link Analysis}.
 */
public final class Analyses {
    private static final Duration GRACE = Duration.ofMinutes(1);
    private final ArmReader reader;
    private final Clock clock;

    public Analyses(Jdbi jdbi, Clock clock) {
        this.reader = new ArmReader(jdbi);
        this.clock = clock;
    }

    /** The analysis of {@code e} now (a draft has no turns: every arm empty). */
    public Analysis.Result of(Experiment e) {
        List<String> metrics = new ArrayList<>();
        metrics.add(e.primaryMetric());
        metrics.addAll(e.guardrails());
        Instant now = clock.instant();
        Instant from = e.start() == null ? now : e.start().minus(GRACE);
        Instant to = reader.until(e, from, now.plus(GRACE));
        return Analysis.of(e, reader.read(e, metrics, from, to), reader::booleanScore);
    }
}
