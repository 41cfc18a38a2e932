package dev.chatlog.experiments;

import dev.chatlog.core.MessageTurn;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts turns in experiment arms, on the application's side: it holds the experiments of the store in memory (read again
 * every {@code refresh} on its own daemon thread, so a start or a stop made on any instance reaches this one within that
 * time, and the caller's thread never waits on the database) and assigns a unit with {@link Assignment} — the same arm
 * on every instance, nothing stored. Only a running experiment puts a turn in an arm: before its start and after its
 * stop or end, {@link #enter} answers the control and leaves the turn out of the experiment, so its rows do not count in
 * the analysis. Close it to stop the refresh.
 */
public final class ExperimentRouter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ExperimentRouter.class);
    private final Experiments store;
    private final Clock clock;
    private final ScheduledExecutorService refresher;
    private volatile Map<String, Experiment> known = Map.of();
    private volatile boolean warned;

    /** Reads the store once now (a failure leaves none known until the next read) and then every {@code refresh}. */
    public ExperimentRouter(Experiments store, Clock clock, Duration refresh) {
        this.store = store;
        this.clock = clock;
        refresh();
        this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "chatlog-experiments");
            t.setDaemon(true);
            return t;
        });
        long ms = Math.max(100, refresh.toMillis());
        refresher.scheduleWithFixedDelay(this::refresh, ms, ms, TimeUnit.MILLISECONDS);
    }

    /** Reads the experiments again now (after a start or stop made here); keeps the last ones read when the store fails. */
    public synchronized void refresh() { // one read at a time: an older read cannot overwrite a newer one
        try {
            known = store.list().stream().collect(Collectors.toUnmodifiableMap(Experiment::name, Function.identity()));
            warned = false;
        } catch (RuntimeException e) {
            if (!warned) LOG.warn("chatlog: experiments could not be read ({}); the last ones read stay in force", e.toString());
            warned = true;
        }
    }

    /** The experiment of that name as last read, running or not. */
    public Optional<Experiment> experiment(String name) {
        return Optional.ofNullable(known.get(name));
    }

    /**
     * The arm of {@code unit} (a conversation or a user id) in a running experiment; empty when the experiment is
     * unknown or not running (the application then runs its control, outside the experiment).
     */
    public Optional<Variant> assign(String experiment, String unit) {
        Experiment e = known.get(experiment);
        java.time.Instant now = clock.instant(); // once: the end cannot fall between the check and the assignment
        if (e == null || unit == null || unit.isEmpty() || !e.running(now)) return Optional.empty();
        return Optional.of(Assignment.variantFor(e, unit, now));
    }

    /**
     * Puts the turn in its arm of {@code experiment} by {@code unit} ({@link MessageTurn#arm}): its message and every
     * call made in it from now on carry {@code <experiment>/<variant>}. Answers the arm to run: the assigned one while
     * the experiment runs, else the control (the turn is then in no arm); empty when no experiment has that name. A turn
     * is in one experiment: a turn already in another's arm stays there, and gets this one's control. The analysis
     * counts conversations as units: pass the conversation id (a user id keeps a user's conversations together, which
     * the analysis does not know, and its intervals are then too narrow).
     */
    public Optional<Variant> enter(MessageTurn turn, String experiment, String unit) {
        String already = turn.context().arm();
        if (already != null && !already.startsWith(experiment + '/')) return experiment(experiment).map(Experiment::control);
        Optional<Variant> arm = assign(experiment, unit);
        if (arm.isPresent()) {
            turn.arm(experiment, arm.get().name());
            return arm;
        }
        return experiment(experiment).map(Experiment::control);
    }

    @Override
    public void close() {
        refresher.shutdownNow();
    }
}
