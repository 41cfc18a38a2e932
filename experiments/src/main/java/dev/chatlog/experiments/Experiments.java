package dev.chatlog.experiments;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatlog.sql.Utc;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The experiments in chatlog's database ({@code chatbot_experiments}): defined, started, stopped. A started experiment's
 * definition does not change — its units would move between arms mid-way —: stop it and define another (or the same
 * with a new salt). Its status: {@code draft} (not started), {@code running}, {@code ended} (past its end) or
 * {@code stopped}.
 */
public final class Experiments {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Jdbi jdbi;
    private final Clock clock;

    /** A started experiment cannot be redefined, nor a stopped one started again. */
    public static final class Conflict extends IllegalStateException {
        Conflict(String message) {
            super(message);
        }
    }

    public Experiments(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    /** Stores {@code e}'s definition (its run times are the store's); true when new. One statement each way: no lock to race on. */
    public boolean put(Experiment e) {
        String definition = ExperimentJson.json(e).toString();
        return jdbi.withHandle(h -> {
            java.time.LocalDateTime now = Utc.time(clock.instant());
            h.createQuery("SELECT name FROM chatbot_experiments WHERE LOWER(name) = LOWER(:n) AND name <> :n").bind("n", e.name())
                    .mapTo(String.class).findFirst().ifPresent(other -> {
                        throw new Conflict("experiment " + other + " differs from " + e.name() + " in case only: their arms would mix in the rollups");
                    });
            if (h.createUpdate("INSERT IGNORE INTO chatbot_experiments (name, definition, updated_at) VALUES (:n, :d, :at)")
                    .bind("n", e.name()).bind("d", definition).bind("at", now).execute() == 1) {
                return true;
            }
            if (h.createUpdate("UPDATE chatbot_experiments SET definition = :d, updated_at = :at WHERE name = :n AND start_at IS NULL")
                    .bind("n", e.name()).bind("d", definition).bind("at", now).execute() == 1) {
                return false;
            }
            String stored = h.createQuery("SELECT definition FROM chatbot_experiments WHERE name = :n").bind("n", e.name()).mapTo(String.class).one();
            try {
                if (JSON.readTree(stored).equals(JSON.readTree(definition))) return false; // the same definition again: nothing changes
            } catch (com.fasterxml.jackson.core.JsonProcessingException x) {
                throw new IllegalStateException(x);
            }
            throw new Conflict("experiment " + e.name() + " has started: its units would change arms; stop it and define another");
        });
    }

    public Optional<Experiment> get(String name) {
        return jdbi.withHandle(h -> get(h, name, false));
    }

    /** Every experiment whose stored definition still reads (one that no longer does is left out, and logged: fix or delete it). */
    public List<Experiment> list() {
        return jdbi.withHandle(h -> h.createQuery("SELECT name FROM chatbot_experiments ORDER BY name").mapTo(String.class).list()
                .stream().flatMap(n -> {
                    try {
                        return get(h, n, false).stream();
                    } catch (IllegalArgumentException | IllegalStateException bad) {
                        org.slf4j.LoggerFactory.getLogger(Experiments.class).warn("experiment {} is left out: its stored definition no longer reads ({})", n, bad.getMessage());
                        return java.util.stream.Stream.empty();
                    }
                }).toList());
    }

    public boolean delete(String name) {
        return jdbi.withHandle(h -> h.createUpdate("DELETE FROM chatbot_experiments WHERE name = :n").bind("n", name).execute() > 0);
    }

    /** Starts it now (a running one stays as it is); empty when there is none of that name. */
    public Optional<Experiment> start(String name) {
        return dev.chatlog.sql.SqlFailures.retryingLockConflicts(() -> jdbi.inTransaction(h -> {
            Optional<Experiment> e = get(h, name, true);
            if (e.isEmpty()) return e;
            if (e.get().stoppedAt() != null) throw new Conflict("experiment " + name + " was stopped: define another (or this one with a new salt)");
            if (e.get().start() == null && e.get().end() != null && !clock.instant().isBefore(e.get().end())) {
                throw new Conflict("experiment " + name + " ends at " + e.get().end() + ", which has passed: give it a later end");
            }
            if (e.get().start() == null) {
                h.createUpdate("UPDATE chatbot_experiments SET start_at = :t, updated_at = :t WHERE name = :n")
                        .bind("t", Utc.time(clock.instant())).bind("n", name).execute();
            }
            return get(h, name, false);
        }));
    }

    /** Who stopped an experiment: a person (the route, the API), or chatlog on its own when a guardrail or an arm's budget said so. */
    public enum StoppedBy { USER, GUARDRAIL, BUDGET;
        public String dbValue() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Stops it now (every unit back to the control), with the reason; empty when there is none of that name. */
    public Optional<Experiment> stop(String name, String reason) {
        return stop(name, reason, StoppedBy.USER);
    }

    /**
     * Stops it now, saying who did; a stop by a guardrail or a budget is what an {@code experiment} alert rule notifies.
     * An experiment already stopped stays as it was (its first stop is the one recorded).
     */
    public Optional<Experiment> stop(String name, String reason, StoppedBy by) {
        return dev.chatlog.sql.SqlFailures.retryingLockConflicts(() -> jdbi.inTransaction(h -> {
            Optional<Experiment> e = get(h, name, true);
            if (e.isEmpty() || e.get().stoppedAt() != null) return e;
            h.createUpdate("UPDATE chatbot_experiments SET stopped_at = :t, stop_reason = :r, stopped_by = :by, updated_at = :t WHERE name = :n")
                    .bind("t", Utc.time(clock.instant())).bind("r", reason == null ? null : reason.length() > 500 ? reason.substring(0, 497) + "..." : reason)
                    .bind("by", by.dbValue()).bind("n", name).execute();
            return get(h, name, false);
        }));
    }

    /** Why it was stopped (null when it was not). */
    public Optional<String> stopReason(String name) {
        return jdbi.withHandle(h -> h.createQuery("SELECT stop_reason FROM chatbot_experiments WHERE name = :n").bind("n", name)
                .mapTo(String.class).findOne());
    }

    /** Who stopped it ({@code user}, {@code guardrail}, {@code budget}); empty when it was not stopped. */
    public Optional<String> stoppedBy(String name) {
        return jdbi.withHandle(h -> h.createQuery("SELECT stopped_by FROM chatbot_experiments WHERE name = :n AND stopped_by IS NOT NULL").bind("n", name)
                .mapTo(String.class).findOne());
    }

    /** {@code draft}, {@code running}, {@code ended} or {@code stopped}, at {@code now}. */
    public static String status(Experiment e, Instant now) {
        if (e.stoppedAt() != null) return "stopped";
        if (e.start() == null) return "draft";
        return e.running(now) ? "running" : "ended";
    }

    private static Optional<Experiment> get(Handle h, String name, boolean lock) {
        return h.createQuery("SELECT name, definition, start_at, stopped_at FROM chatbot_experiments WHERE name = :n" + (lock ? " FOR UPDATE" : ""))
                .bind("n", name).map((rs, ctx) -> {
                    try { // the stored name: the one its units are hashed with
                        return ExperimentJson.parse(rs.getString(1), JSON.readTree(rs.getString(2)), instant(rs.getObject(3, LocalDateTime.class)),
                                instant(rs.getObject(4, LocalDateTime.class)));
                    } catch (com.fasterxml.jackson.core.JsonProcessingException x) {
                        throw new IllegalStateException("experiment " + name + ": its stored definition is not JSON", x);
                    }
                }).findOne();
    }

    private static Instant instant(LocalDateTime t) {
        return t == null ? null : Utc.instant(t);
    }
}
