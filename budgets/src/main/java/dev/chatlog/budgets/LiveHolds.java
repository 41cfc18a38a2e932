package dev.chatlog.budgets;

import dev.chatlog.core.budget.BudgetGate;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The holds of one {@link JdbcBudgetGate}'s calls while they matter: a running call's leases are
 * renewed (only a dead holder's lease runs out and lapses), and a settlement or release that could
 * not be written when its call ended (the database unreachable at that moment) is kept and written
 * again on the next round, its lease renewed meanwhile, not lost.
 */
final class LiveHolds {
    /** The longest a call's leases are renewed: a hold never settled nor released past it lapses like a dead holder's. */
    static final Duration MAX_CALL = Duration.ofHours(1);

    private final BudgetLedger ledger;
    private final Duration lease;
    private final Clock clock;
    private final Consumer<String> warn;
    private final Set<Hold> live = ConcurrentHashMap.newKeySet();

    LiveHolds(BudgetLedger ledger, Duration lease, Clock clock, Consumer<String> warn) {
        this.ledger = ledger;
        this.lease = lease;
        this.clock = clock;
        this.warn = warn;
    }

    /** The hold of a call admitted with {@code held}, live until its end is written. */
    BudgetGate.Hold hold(List<BudgetLedger.Reservation> held) {
        Hold h = new Hold(held);
        live.add(h);
        return h;
    }

    /**
     * One round: first the running calls' leases renewed (one statement), then the ends not yet
     * written tried again, stopping at the first that fails (the database is still away: one
     * connection timeout per round, not one per hold).
     */
    void keepLive() {
        Instant now = clock.instant();
        List<BudgetLedger.Reservation> running = new ArrayList<>();
        List<Hold> unwritten = new ArrayList<>();
        for (Hold h : live) {
            if (h.pending != null) unwritten.add(h);
            else if (Duration.between(h.since, now).compareTo(MAX_CALL) < 0) running.addAll(h.held);
            else live.remove(h); // a call never ended (its model threw past the guard?): its lease runs out, counted at its worst case
        }
        try {
            ledger.renew(running, now.plus(lease));
        } catch (RuntimeException e) {
            warn.accept("budget leases could not be renewed: " + e);
            return;
        }
        for (Hold h : unwritten) {
            if (!h.retry(now)) return;
        }
    }

    private final class Hold implements BudgetGate.Hold {
        private final List<BudgetLedger.Reservation> held;
        private final AtomicBoolean ended = new AtomicBoolean();
        /** How the call ended, while some of it is still to be written (null: still running, or all written). */
        private volatile Consumer<BudgetLedger.Reservation> pending;
        private final Set<String> done = ConcurrentHashMap.newKeySet();
        private final Instant since = clock.instant();

        Hold(List<BudgetLedger.Reservation> held) {
            this.held = held;
        }

        @Override
        public void settle(BigDecimal costUsd) {
            if (!ended.compareAndSet(false, true)) return;
            BigDecimal cost = costUsd == null ? BigDecimal.ZERO : costUsd.max(BigDecimal.ZERO);
            end(r -> ledger.settle(r, cost, clock.instant()), "settled");
        }

        @Override
        public void release() {
            if (ended.compareAndSet(false, true)) end(r -> ledger.release(r, clock.instant()), "released");
        }

        /** Writes the end once on the caller's thread; what fails is left to the background rounds (no renewal here). */
        private void end(Consumer<BudgetLedger.Reservation> how, String what) {
            pending = how;
            retry(null);
            if (pending != null) warn.accept("a budget reservation could not be " + what + " now; it is written again every few seconds");
        }

        /**
         * Writes what is not written yet; false if some of it failed. {@code now} null: the caller's
         * thread, which does not renew the leases of what is left (the background round does).
         */
        boolean retry(Instant now) {
            Consumer<BudgetLedger.Reservation> how = pending;
            if (how == null) return true;
            boolean all = true;
            for (BudgetLedger.Reservation r : held) {
                if (done.contains(r.id())) continue;
                try {
                    how.accept(r);
                    done.add(r.id());
                } catch (RuntimeException e) {
                    all = false;
                    break; // the database is away: the rest waits for the next round
                }
            }
            if (all) {
                pending = null;
                live.remove(this);
                return true;
            }
            if (now != null) {
                try {
                    ledger.renew(held.stream().filter(r -> !done.contains(r.id())).toList(), now.plus(lease));
                } catch (RuntimeException e) {
                    // the database is still away: the next round tries again
                }
            }
            return false;
        }
    }
}
