package dev.chatlog.budgets;

import dev.chatlog.core.budget.BudgetUnavailableException;

import dev.chatlog.budgets.Budget;
import dev.chatlog.core.budget.BudgetExceededException;
import dev.chatlog.core.budget.BudgetGate;
import dev.chatlog.core.budget.BudgetSubject;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link BudgetGate} of every instance sharing one database: budgets come from
 * {@link BudgetDefinitions} (reloaded in the background, so a change made by any instance applies
 * everywhere within {@link Builder#refresh}), reservations go through the {@link BudgetLedger}.
 * A call covered by several budgets reserves in each, in name order; when one refuses, those
 * already taken are released before the refusal is thrown. Before refusing, stale leases are
 * expired once (at most once a second), so a dead holder's headroom comes back to the next caller.
 *
 * <p>When the database cannot be reached the call goes ahead unchecked (counted in
 * {@link #unchecked()}, warned about in the log) unless {@link Builder#failClosed} is set: an outage
 * of the log store does not stop the application.
 */
public final class JdbcBudgetGate implements BudgetGate, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JdbcBudgetGate.class);

    private final BudgetLedger ledger;
    private final BudgetDefinitions definitions;
    private final Duration lease;
    private final Clock clock;
    private final boolean failClosed;
    private final Duration admissionWait;
    private final ScheduledExecutorService housekeeping;
    private volatile List<Budget> budgets;
    private final AtomicLong lastExpiry = new AtomicLong();
    private final AtomicLong unchecked = new AtomicLong();
    private final AtomicLong lastWarning = new AtomicLong();
    private final LiveHolds live;

    private JdbcBudgetGate(Builder b) {
        this.ledger = new BudgetLedger(b.jdbi);
        this.definitions = new BudgetDefinitions(b.jdbi);
        this.lease = b.lease;
        this.clock = b.clock;
        this.failClosed = b.failClosed;
        this.admissionWait = b.admissionWait;
        this.budgets = load(List.of());
        this.live = new LiveHolds(ledger, lease, clock, this::warn);
        this.housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "chatlog-budgets");
            t.setDaemon(true);
            return t;
        });
        long every = b.refresh.toMillis();
        housekeeping.scheduleWithFixedDelay(this::housekeep, every, every, TimeUnit.MILLISECONDS);
        long renewEvery = Math.max(200, Math.min(every, lease.toMillis() / 3));
        housekeeping.scheduleWithFixedDelay(live::keepLive, renewEvery, renewEvery, TimeUnit.MILLISECONDS);
    }

    public static Builder builder(Jdbi jdbi) {
        return new Builder(jdbi);
    }

    @Override
    public Hold reserve(BudgetSubject subject, BigDecimal worstCaseUsd) {
        List<Budget> covering = covering(subject);
        if (covering.isEmpty()) return NONE;
        Instant now = clock.instant();
        if (worstCaseUsd == null) {
            for (Budget b : covering) {
                if (b.enforced()) {
                    throw new BudgetExceededException(b.name(), b.limitUsd(), null, null, null, b.period().window(now, b.zone()).end());
                }
            }
            return NONE; // alert-only budgets do not count what has no price
        }
        List<BudgetLedger.Reservation> held = new ArrayList<>(covering.size());
        long deadline = System.nanoTime() + admissionWait.toNanos(); // one admission wait for the call, whatever budgets cover it
        for (Budget b : covering) {
            BudgetLedger.Admission a;
            try {
                a = ledger.reserve(b, worstCaseUsd, now, lease, subject);
                if (!a.admitted()) a = awaitSettlements(b, worstCaseUsd, subject, a, deadline);
            } catch (RuntimeException e) {
                if (b.enforced() && failClosed) {
                    release(held, now);
                    throw new BudgetUnavailableException(b.name(), e);
                }
                unchecked.incrementAndGet();
                warn("budget '" + b.name() + "' could not be checked, the call goes ahead: " + e);
                continue;
            }
            if (!a.admitted()) {
                release(held, now);
                BudgetLedger.Refusal r = a.refusal();
                throw new BudgetExceededException(r.budget(), r.limit(), r.spent(), r.reserved(), worstCaseUsd, r.resetsAt());
            }
            held.add(a.reservation());
        }
        return held.isEmpty() ? NONE : live.hold(held);
    }

    /**
     * A call refused only because of other calls' reservations (what is spent leaves room for it)
     * waits for them to settle, up to the admission wait: most reservations are worst cases that
     * settle far lower. Tries again every 10-50 ms; refused for good once spending alone leaves no room.
     */
    private BudgetLedger.Admission awaitSettlements(Budget b, BigDecimal worstCaseUsd, BudgetSubject subject, BudgetLedger.Admission a,
                                                    long deadline) {
        long pauseMs = 10;
        while (!a.admitted() && a.refusal().spent().add(worstCaseUsd).compareTo(b.limitUsd()) <= 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(Math.min(pauseMs, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return a;
            }
            pauseMs = Math.min(50, pauseMs * 2);
            a = ledger.reserve(b, worstCaseUsd, clock.instant(), lease, subject);
        }
        return a;
    }

    @Override
    public boolean covers(BudgetSubject subject) {
        for (Budget b : budgets) {
            if (b.covers(subject)) return true;
        }
        return false;
    }

    @Override
    public Optional<BigDecimal> headroom(BudgetSubject subject) {
        Instant now = clock.instant();
        BigDecimal least = null;
        for (Budget b : covering(subject)) {
            if (!b.enforced()) continue;
            try {
                BudgetLedger.WindowState w = ledger.window(b, now);
                BigDecimal room = b.limitUsd().subtract(w.spent()).subtract(w.reserved()).max(BigDecimal.ZERO);
                least = least == null ? room : least.min(room);
            } catch (RuntimeException e) {
                warn("budget '" + b.name() + "' headroom could not be read: " + e);
            }
        }
        return Optional.ofNullable(least);
    }

    /** Calls let through without a check because the database could not be reached. */
    public long unchecked() {
        return unchecked.get();
    }

    /** The budgets in force as this instance last loaded them. */
    public List<Budget> budgets() {
        return budgets;
    }

    /** Reloads the definitions now (after this instance changed them). */
    public void refresh() {
        budgets = load(budgets);
    }

    private List<Budget> covering(BudgetSubject s) {
        List<Budget> all = budgets;
        if (all.isEmpty()) return List.of();
        List<Budget> out = new ArrayList<>(2);
        for (Budget b : all) {
            if (b.covers(s)) out.add(b);
        }
        return out;
    }

    private List<Budget> load(List<Budget> fallback) {
        try {
            return List.copyOf(definitions.list());
        } catch (RuntimeException e) {
            warn("budgets could not be loaded, the last ones known stay in force: " + e);
            return fallback;
        }
    }

    private void housekeep() {
        try {
            budgets = load(budgets);
            expireStale(clock.instant());
        } catch (RuntimeException e) {
            warn("budget housekeeping failed: " + e);
        }
    }

    /** Lapses stale leases (a dead holder's), at most once a second per instance; how many it lapsed. */
    private int expireStale(Instant now) {
        long last = lastExpiry.get();
        long ms = now.toEpochMilli();
        if (ms - last < 1000 || !lastExpiry.compareAndSet(last, ms)) return 0;
        return ledger.expireLeases(now);
    }

    /** Gives back what a refused call took in the budgets before the one that refused it (retried until written). */
    private void release(List<BudgetLedger.Reservation> held, Instant now) {
        if (!held.isEmpty()) live.hold(held).release();
    }

    private void warn(String message) {
        long now = System.nanoTime();
        long last = lastWarning.get();
        if (now - last > TimeUnit.SECONDS.toNanos(30) && lastWarning.compareAndSet(last, now)) log.warn("chatlog: {}", message);
    }

    /** Stops the background reload and lease expiry. */
    @Override
    public void close() {
        housekeeping.shutdownNow();
    }

    public static final class Builder {
        private final Jdbi jdbi;
        private Duration lease = Duration.ofMinutes(10);
        private Duration refresh = Duration.ofSeconds(5);
        private Clock clock = Clock.systemUTC();
        private boolean failClosed;
        private Duration admissionWait = Duration.ofSeconds(2);

        private Builder(Jdbi jdbi) {
            this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        }

        /** How long a reservation is held before any instance may release it (default 10 minutes: longer than any call). */
        public Builder lease(Duration d) {
            if (d == null || d.compareTo(Duration.ofSeconds(1)) < 0) throw new IllegalArgumentException("lease must be at least 1 s");
            this.lease = d;
            return this;
        }

        /** How often definitions are reloaded and stale leases expired (default 5 s). */
        public Builder refresh(Duration d) {
            if (d == null || d.compareTo(Duration.ofMillis(100)) < 0) throw new IllegalArgumentException("refresh must be at least 100 ms");
            this.refresh = d;
            return this;
        }

        /** Refuse enforced calls while the database is unreachable (default: let them through, counted). */
        public Builder failClosed(boolean on) {
            this.failClosed = on;
            return this;
        }

        /**
         * How long a call refused only because of other calls' reservations waits for them to settle
         * before it is refused (default 2 s; zero: refuse at once). A call the spending alone leaves
         * no room for is refused at once.
         */
        public Builder admissionWait(Duration d) {
            if (d == null || d.isNegative() || d.compareTo(Duration.ofMinutes(1)) > 0) {
                throw new IllegalArgumentException("admissionWait must be between 0 and 1 minute");
            }
            this.admissionWait = d;
            return this;
        }

        public Builder clock(Clock c) {
            this.clock = Objects.requireNonNull(c);
            return this;
        }

        public JdbcBudgetGate build() {
            return new JdbcBudgetGate(this);
        }
    }
}
