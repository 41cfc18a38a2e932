package dev.chatlog.budgets;

import dev.chatlog.sql.Utc;

import dev.chatlog.budgets.Budget;
import dev.chatlog.budgets.BudgetPeriod;
import dev.chatlog.core.budget.BudgetSubject;
import dev.chatlog.core.Ids;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;

/**
 * A budget's counters and their ledger, safe across any number of application instances on one
 * database. A call is admitted by one atomic statement on its window's row
 * ({@code reserved = reserved + x WHERE spent + reserved + x <= limit}): no two instances can both
 * take the last headroom. A reservation is then settled to the real cost (the rest released),
 * released on failure, or, if its holder died, expired by any instance once its lease has passed.
 * Each of these moves the counters in the same transaction as its ledger row, so
 * {@code reserved = SUM(reserved_delta)} and {@code spent = SUM(spent_delta)} per window always
 * hold, and a reservation changes state once: settling or releasing twice counts nothing twice.
 */
public final class BudgetLedger {
    private final Jdbi jdbi;
    // one admission, settlement or release of a budget window at a time in this process: every call of the budget updates
    // the window's row; on a Galera cluster updates of it from several nodes at once are refused at commit, so this
    // process's threads queue here and only the instances contend across nodes (24 threads on 3 nodes ran out of retries)
    private final java.util.concurrent.ConcurrentHashMap<String, Object> windows = new java.util.concurrent.ConcurrentHashMap<>();

    public BudgetLedger(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /**
     * A held reservation: what to settle or release. {@code limit} is the budget's limit when it is
     * enforced (a settlement above the reservation takes its extra conditionally), null otherwise.
     */
    public record Reservation(String id, String budget, long windowIndex, BigDecimal amount, Instant leaseUntil, BigDecimal limit) {}

    /** Refused: the budget's window has no room for the amount asked. */
    public record Refusal(String budget, BigDecimal limit, BigDecimal spent, BigDecimal reserved, Instant resetsAt) {}

    /** The outcome of {@link #reserve}: a reservation, or why not. */
    public record Admission(Reservation reservation, Refusal refusal) {
        public boolean admitted() {
            return reservation != null;
        }
    }

    /** A window's counters. */
    public record WindowState(long index, Instant start, Instant end, BigDecimal spent, BigDecimal reserved) {}

    /** {@link #reserve(Budget, BigDecimal, Instant, Duration, BudgetSubject)} for nobody in particular. */
    public Admission reserve(Budget budget, BigDecimal amount, Instant at, Duration lease) {
        return reserve(budget, amount, at, lease, null);
    }

    /**
     * Reserves {@code amount} of {@code budget}'s window holding {@code at} for a call of
     * {@code who}, held for {@code lease}. An enforced budget refuses (nothing written) when
     * {@code spent + reserved + amount} would pass the limit; an alert-only budget counts every call.
     */
    public Admission reserve(Budget budget, BigDecimal amount, Instant at, Duration lease, BudgetSubject who) {
        if (amount.signum() < 0) throw new IllegalArgumentException("a reservation is not negative: " + amount);
        BudgetPeriod.Window w = budget.period().window(at, budget.zone());
        Reservation r = new Reservation(Ids.newId(), budget.name(), w.index(), amount, at.plus(lease),
                budget.enforced() ? budget.limitUsd() : null);
        return oneAtATime(budget.name(), w.index(), () -> retrying(() -> jdbi.inTransaction(TransactionIsolationLevel.READ_COMMITTED, h -> {
            // the rows only this call touches first; the window's row, which every call of the budget needs, last:
            // its lock is held from the update to the commit, not across the other statements
            h.createUpdate("INSERT INTO chatbot_budget_reservations (reservation_id, budget_name, window_index, amount, state, "
                            + "lease_until, created_at, conversation_id, user_id, model) "
                            + "VALUES (:id, :b, :w, :x, 'held', :lease, :at, :conv, :user, :model)")
                    .bind("id", r.id()).bind("b", r.budget()).bind("w", r.windowIndex()).bind("x", amount)
                    .bind("lease", Utc.time(r.leaseUntil())).bind("at", Utc.time(at))
                    .bind("conv", who == null ? null : cut(who.conversationId())).bind("user", who == null ? null : cut(who.userId()))
                    .bind("model", who == null ? null : cut(who.model())).execute();
            ledger(h, r.budget(), r.windowIndex(), r.id(), "reserve", amount, BigDecimal.ZERO, at);
            int admitted = take(h, budget, w, amount);
            if (admitted == 0 && !exists(h, budget.name(), w)) { // the window's first call: its row is made once, by whoever comes first
                h.createUpdate("INSERT IGNORE INTO chatbot_budget_windows (budget_name, window_index, starts_at, ends_at) "
                        + "VALUES (:b, :w, :s, :e)").bind("b", budget.name()).bind("w", w.index()).bind("s", Utc.time(w.start()))
                        .bind("e", Utc.time(w.end())).execute();
                admitted = take(h, budget, w, amount);
            }
            if (admitted == 0) {
                h.rollback(); // refused: the reservation and its ledger row are undone, nothing is written
                WindowState s = state(h, budget.name(), w);
                return new Admission(null, new Refusal(budget.name(), budget.limitUsd(), s.spent(), s.reserved(), w.end()));
            }
            return new Admission(r, null);
        })));
    }

    /**
     * The one admission statement: headroom is checked and taken in the same row update (an
     * alert-only budget takes it unchecked: it counts, it does not refuse).
     */
    private static int take(Handle h, Budget budget, BudgetPeriod.Window w, BigDecimal amount) {
        return h.createUpdate("UPDATE chatbot_budget_windows SET reserved = reserved + :x "
                        + "WHERE budget_name = :b AND window_index = :w" + (budget.enforced() ? " AND spent + reserved + :x <= :limit" : ""))
                .bind("x", amount).bind("b", budget.name()).bind("w", w.index()).bind("limit", budget.limitUsd()).execute();
    }

    private static String cut(String v) {
        return v == null || v.length() <= 255 ? v : v.substring(0, 255);
    }

    private static boolean exists(Handle h, String budget, BudgetPeriod.Window w) {
        return h.createQuery("SELECT 1 FROM chatbot_budget_windows WHERE budget_name = :b AND window_index = :w")
                .bind("b", budget).bind("w", w.index()).mapTo(Integer.class).findOne().isPresent();
    }

    private <T> T oneAtATime(String budget, long window, java.util.function.Supplier<T> tx) {
        synchronized (windows.computeIfAbsent(budget + '\u0000' + window, k -> new Object())) {
            return tx.get();
        }
    }

    /**
     * A transaction retried when the database broke a lock wait or a deadlock (two first calls of a new window), or a
     * Galera cluster refused it at commit (another node took the same window's row first).
     */
    private static <T> T retrying(java.util.function.Supplier<T> tx) {
        return dev.chatlog.sql.SqlFailures.retryingLockConflicts(tx::get);
    }

    /**
     * Settles a reservation to what the call really cost: the reservation leaves {@code reserved},
     * the cost joins {@code spent}. A reservation that lapsed (its holder looked dead: its worst case
     * was counted as spent) is corrected to the real cost. A reservation released by an older
     * version's expiry adds only its cost. What a settlement adds beyond what was reserved for it is
     * taken conditionally, like a reservation, under an enforced budget's limit; when there is no
     * room, it is added all the same (spent says what the provider billed) and the window gets an
     * {@code overshoot} event. Settling a second time, or after a release, changes nothing.
     */
    public boolean settle(Reservation r, BigDecimal cost, Instant at) {
        return oneAtATime(r.budget(), r.windowIndex(), () -> retrying(() -> jdbi.inTransaction(TransactionIsolationLevel.READ_COMMITTED, h -> {
            BigDecimal unreserve, spend;
            if (claim(h, r, "held", "settled", cost)) {
                unreserve = r.amount();
                spend = cost;
            } else if (claim(h, r, "lapsed", "settled", cost)) {
                unreserve = BigDecimal.ZERO; // its worst case is in spent already: correct it to the cost
                spend = cost.subtract(r.amount());
            } else if (claim(h, r, "expired", "settled", cost)) {
                unreserve = BigDecimal.ZERO; // released by an older version's expiry
                spend = cost;
            } else {
                return false;
            }
            ledger(h, r.budget(), r.windowIndex(), r.id(), "settle", unreserve.negate(), spend, at);
            boolean beyond = spend.subtract(unreserve).signum() > 0; // the window's total grows
            int moved = h.createUpdate("UPDATE chatbot_budget_windows SET reserved = reserved - :u, spent = spent + :s "
                            + "WHERE budget_name = :b AND window_index = :w" + (beyond && r.limit() != null
                            ? " AND spent + reserved - :u + :s <= :limit" : ""))
                    .bind("u", unreserve).bind("s", spend).bind("b", r.budget()).bind("w", r.windowIndex()).bind("limit", r.limit())
                    .execute();
            if (moved == 0) { // no room for what it cost beyond its reservation: the truth is recorded, and said
                h.createUpdate("UPDATE chatbot_budget_windows SET reserved = reserved - :u, spent = spent + :s "
                                + "WHERE budget_name = :b AND window_index = :w")
                        .bind("u", unreserve).bind("s", spend).bind("b", r.budget()).bind("w", r.windowIndex()).execute();
                overshoot(h, r, cost, at);
            }
            return true;
        })));
    }

    /** The window's {@code overshoot} event (once per window: the table's key), naming the settlement that passed the limit. */
    private static void overshoot(Handle h, Reservation r, BigDecimal cost, Instant at) {
        BigDecimal spent = h.createQuery("SELECT spent FROM chatbot_budget_windows WHERE budget_name = :b AND window_index = :w")
                .bind("b", r.budget()).bind("w", r.windowIndex()).mapTo(BigDecimal.class).one();
        String details = "{\"reason\": \"a call cost more than its reservation and the window had no room left for the difference\", "
                + "\"reservation_id\": \"" + r.id() + "\", \"reserved\": " + r.amount().toPlainString() + ", \"cost\": "
                + cost.toPlainString() + "}";
        h.createUpdate("INSERT IGNORE INTO chatbot_budget_events (budget_name, window_index, kind, threshold, limit_usd, spent, "
                        + "projected, details, created_at) VALUES (:b, :w, 'overshoot', 0, :l, :s, NULL, :d, :at)")
                .bind("b", r.budget()).bind("w", r.windowIndex()).bind("l", r.limit()).bind("s", spent).bind("d", details)
                .bind("at", Utc.time(at)).execute();
    }

    /**
     * Releases a reservation (the call failed before the provider billed it): nothing is spent. A
     * reservation that lapsed while its holder could not reach the database has its worst case taken
     * back out of spent. Once only.
     */
    public boolean release(Reservation r, Instant at) {
        return oneAtATime(r.budget(), r.windowIndex(), () -> retrying(() -> jdbi.inTransaction(TransactionIsolationLevel.READ_COMMITTED, h -> {
            if (claim(h, r, "held", "released", BigDecimal.ZERO)) {
                move(h, r, r.amount().negate(), BigDecimal.ZERO, "release", at);
            } else if (claim(h, r, "lapsed", "released", BigDecimal.ZERO)) {
                move(h, r, BigDecimal.ZERO, r.amount().negate(), "release", at); // its worst case was counted while its holder was away
            } else {
                return false;
            }
            return true;
        })));
    }

    /**
     * Lapses the reservations whose lease ended before {@code now}: their holder died or hung (a live
     * holder renews its leases), and the provider may have billed their calls, so each counts at its
     * worst case: its reservation moves into {@code spent}, where a late settlement corrects it to
     * the real cost. Any instance may run it; each reservation lapses once. Returns how many lapsed.
     */
    public int expireLeases(Instant now) {
        List<Reservation> stale = jdbi.withHandle(h -> h.createQuery("SELECT reservation_id, budget_name, window_index, amount, lease_until "
                        + "FROM chatbot_budget_reservations WHERE state = 'held' AND lease_until < :now ORDER BY lease_until LIMIT 1000")
                .bind("now", Utc.time(now))
                .map((rs, ctx) -> new Reservation(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getBigDecimal(4),
                        rs.getObject(5, LocalDateTime.class).toInstant(ZoneOffset.UTC), null)).list());
        int n = 0;
        for (Reservation r : stale) {
            boolean lapsed = retrying(() -> jdbi.inTransaction(TransactionIsolationLevel.READ_COMMITTED, h -> {
                // still past its lease: a holder that renewed it meanwhile is alive
                if (h.createUpdate("UPDATE chatbot_budget_reservations SET state = 'lapsed', cost = :c "
                        + "WHERE reservation_id = :id AND state = 'held' AND lease_until < :now")
                        .bind("c", r.amount()).bind("id", r.id()).bind("now", Utc.time(now)).execute() != 1) return false;
                move(h, r, r.amount().negate(), r.amount(), "lapse", now);
                return true;
            }));
            if (lapsed) n++;
        }
        return n;
    }

    /** Extends the leases of reservations still held by a live holder (the call is running); returns how many. */
    public int renew(List<Reservation> live, Instant leaseUntil) {
        if (live.isEmpty()) return 0;
        return jdbi.withHandle(h -> h.createUpdate("UPDATE chatbot_budget_reservations SET lease_until = :until "
                        + "WHERE state = 'held' AND reservation_id IN (<ids>)")
                .bind("until", Utc.time(leaseUntil)).bindList("ids", live.stream().map(Reservation::id).toList()).execute());
    }

    /** The counters of {@code budget}'s window holding {@code at} (zero when nothing was reserved in it yet). */
    public WindowState window(Budget budget, Instant at) {
        BudgetPeriod.Window w = budget.period().window(at, budget.zone());
        return jdbi.withHandle(h -> state(h, budget.name(), w));
    }

    /** Windows whose counters differ from the sums of their ledger rows (empty: the ledger and the counters agree). */
    public List<String> audit() {
        return jdbi.withHandle(h -> h.createQuery("""
                SELECT CONCAT(w.budget_name, '#', w.window_index, ': spent ', w.spent, ' reserved ', w.reserved,
                              ', ledger ', COALESCE(l.spent, 0), ' / ', COALESCE(l.reserved, 0))
                FROM chatbot_budget_windows w
                LEFT JOIN (SELECT budget_name, window_index, SUM(spent_delta) spent, SUM(reserved_delta) reserved
                           FROM chatbot_budget_ledger GROUP BY budget_name, window_index) l
                       ON l.budget_name = w.budget_name AND l.window_index = w.window_index
                WHERE w.spent <> COALESCE(l.spent, 0) OR w.reserved <> COALESCE(l.reserved, 0)""").mapTo(String.class).list());
    }

    private static WindowState state(Handle h, String budget, BudgetPeriod.Window w) {
        Optional<WindowState> s = h.createQuery("SELECT spent, reserved FROM chatbot_budget_windows WHERE budget_name = :b AND window_index = :w")
                .bind("b", budget).bind("w", w.index())
                .map((rs, ctx) -> new WindowState(w.index(), w.start(), w.end(), rs.getBigDecimal(1), rs.getBigDecimal(2))).findOne();
        return s.orElse(new WindowState(w.index(), w.start(), w.end(), BigDecimal.ZERO, BigDecimal.ZERO));
    }

    /**
     * Moves a reservation from state {@code from} to {@code to} (with what it cost) if it is in
     * {@code from}: one conditional update, so of two instances settling, releasing or expiring
     * the same reservation exactly one wins.
     */
    private static boolean claim(Handle h, Reservation r, String from, String to, BigDecimal cost) {
        return h.createUpdate("UPDATE chatbot_budget_reservations SET state = :to, cost = :c WHERE reservation_id = :id AND state = :from")
                .bind("to", to).bind("c", cost).bind("id", r.id()).bind("from", from).execute() == 1;
    }

    /** The ledger row, then the window's counters (last: the lock every call of the budget needs is held shortest). */
    private static void move(Handle h, Reservation r, BigDecimal reservedDelta, BigDecimal spentDelta, String kind, Instant at) {
        ledger(h, r.budget(), r.windowIndex(), r.id(), kind, reservedDelta, spentDelta, at);
        h.createUpdate("UPDATE chatbot_budget_windows SET reserved = reserved + :r, spent = spent + :s "
                        + "WHERE budget_name = :b AND window_index = :w")
                .bind("r", reservedDelta).bind("s", spentDelta).bind("b", r.budget()).bind("w", r.windowIndex()).execute();
    }

    private static void ledger(Handle h, String budget, long window, String reservation, String kind, BigDecimal reservedDelta,
                               BigDecimal spentDelta, Instant at) {
        h.createUpdate("INSERT INTO chatbot_budget_ledger (budget_name, window_index, reservation_id, kind, reserved_delta, spent_delta, at) "
                        + "VALUES (:b, :w, :r, :k, :rd, :sd, :at)")
                .bind("b", budget).bind("w", window).bind("r", reservation).bind("k", kind).bind("rd", reservedDelta)
                .bind("sd", spentDelta).bind("at", Utc.time(at)).execute();
    }
}
