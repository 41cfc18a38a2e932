package dev.chatlog.budgets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.budgets.Budget;
import dev.chatlog.budgets.BudgetPeriod;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.DatabaseConfig;
import dev.chatlog.sql.TestDatabase;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Admission that cannot overshoot, on the real database, with several instances (pools) at once. */
class BudgetLedgerTest {
    private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");

    private static Budget budget(String name, String limit, BudgetPeriod period) {
        return new Budget(name, Budget.Scope.GLOBAL, null, period, ZoneOffset.UTC, new BigDecimal(limit), null, Budget.Action.ENFORCE);
    }

    @Test
    void should_never_pass_the_limit_with_three_instances_of_sixteen_threads_on_one_budget() throws Exception {
        DatabaseConfig cfg = TestDatabase.freshSchema();
        List<Database> instances = List.of(Database.open(cfg, 6), Database.open(cfg, 6), Database.open(cfg, 6));
        try {
            raceOnOneBudget(instances, 16);
        } finally {
            instances.forEach(Database::close);
        }
    }

    /**
     * {@code threads} threads per instance reserve $0.02 of one $1.00 day budget until refused 20 times in a row, and
     * settle each admission at its real cost (or release it): never over the limit, not over-cautious, every reservation
     * settled, the counters equal to their ledger.
     */
    static void raceOnOneBudget(List<Database> instances, int threads) throws Exception {
        Budget b = budget("hot", "1.00", BudgetPeriod.DAY);
        BigDecimal worstCase = new BigDecimal("0.02");
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(instances.size() * threads);
        long started = System.nanoTime();
        try {
            List<Future<?>> work = new ArrayList<>();
            for (Database db : instances) {
                BudgetLedger ledger = new BudgetLedger(db.jdbi());
                for (int t = 0; t < threads; t++) {
                    work.add(pool.submit(() -> {
                        int refusalsInARow = 0;
                        while (refusalsInARow < 20) {
                            BudgetLedger.Admission a = ledger.reserve(b, worstCase, NOW, Duration.ofMinutes(5));
                            if (!a.admitted()) {
                                refused.incrementAndGet();
                                refusalsInARow++;
                                Thread.sleep(2);
                                continue;
                            }
                            refusalsInARow = 0;
                            admitted.incrementAndGet();
                            Thread.sleep(ThreadLocalRandom.current().nextInt(3));
                            if (ThreadLocalRandom.current().nextInt(10) == 0) {
                                assertTrue(ledger.release(a.reservation(), NOW)); // a failed call: nothing spent
                            } else { // the real cost is below the worst case
                                BigDecimal cost = new BigDecimal("0.010").add(BigDecimal.valueOf(ThreadLocalRandom.current().nextInt(100), 4));
                                assertTrue(ledger.settle(a.reservation(), cost, NOW));
                            }
                        }
                        return null;
                    }));
                }
            }
            for (Future<?> f : work) f.get();
        } finally {
            pool.shutdownNow();
        }
        BudgetLedger ledger = new BudgetLedger(instances.get(0).jdbi());
        BudgetLedger.WindowState w = ledger.window(b, NOW);
        System.out.printf("budget race on %d instance(s): %d admitted, %d refused in %d ms, spent %s of 1.00, reserved %s%n", instances.size(), admitted.get(), refused.get(), (System.nanoTime() - started) / 1_000_000, w.spent(), w.reserved());
        assertTrue(w.spent().compareTo(new BigDecimal("1.00")) <= 0, "never over the limit: " + w.spent());
        assertTrue(w.spent().compareTo(new BigDecimal("0.90")) >= 0, "not over-cautious: " + w.spent());
        assertEquals(0, w.reserved().signum(), "every reservation settled or released");
        assertEquals(List.of(), ledger.audit(), "the counters equal their ledger");
    }

    @Test
    void should_count_a_dead_holders_reservation_at_its_worst_case_until_its_late_settlement_and_never_pass_the_limit() {
        try (Database db = TestDatabase.freshDatabase()) {
            BudgetLedger ledger = new BudgetLedger(db.jdbi());
            Budget b = budget("small", "0.05", BudgetPeriod.HOUR);
            BudgetLedger.Reservation dead = ledger.reserve(b, new BigDecimal("0.05"), NOW, Duration.ofSeconds(30)).reservation();
            BudgetLedger.Admission refused = ledger.reserve(b, new BigDecimal("0.01"), NOW.plusSeconds(1), Duration.ofSeconds(30));
            assertFalse(refused.admitted());
            assertEquals(0, new BigDecimal("0.05").compareTo(refused.refusal().reserved()));
            assertEquals(Instant.parse("2026-12-02T11:00:00Z"), refused.refusal().resetsAt());
            assertEquals(0, ledger.expireLeases(NOW.plusSeconds(10)), "not before its lease ends");
            assertEquals(1, ledger.expireLeases(NOW.plusSeconds(31)));
            assertEquals(0, ledger.expireLeases(NOW.plusSeconds(32)), "once");
            // the provider may have billed the dead holder's call: its worst case still counts, no headroom is given away
            assertFalse(ledger.reserve(b, new BigDecimal("0.01"), NOW.plusSeconds(33), Duration.ofSeconds(30)).admitted());
            BudgetLedger.WindowState lapsed = ledger.window(b, NOW);
            assertEquals(0, new BigDecimal("0.05").compareTo(lapsed.spent()), lapsed.toString());
            assertEquals(0, lapsed.reserved().signum());
            // the holder was only slow: its settlement corrects the worst case to the real cost, once
            assertTrue(ledger.settle(dead, new BigDecimal("0.04"), NOW.plusSeconds(40)));
            assertFalse(ledger.settle(dead, new BigDecimal("0.04"), NOW.plusSeconds(41)), "settled twice counts once");
            assertEquals(0, new BigDecimal("0.04").compareTo(ledger.window(b, NOW).spent()));
            BudgetLedger.Admission again = ledger.reserve(b, new BigDecimal("0.01"), NOW.plusSeconds(42), Duration.ofSeconds(30));
            assertTrue(again.admitted(), "the corrected headroom is usable by any instance");
            assertTrue(ledger.release(again.reservation(), NOW.plusSeconds(42)));
            assertFalse(ledger.release(again.reservation(), NOW.plusSeconds(43)));
            assertFalse(ledger.settle(again.reservation(), new BigDecimal("0.01"), NOW.plusSeconds(44)), "nothing after a release");
            BudgetLedger.WindowState w = ledger.window(b, NOW);
            assertEquals(0, new BigDecimal("0.04").compareTo(w.spent()));
            assertTrue(w.spent().compareTo(b.limitUsd()) <= 0, "never over the limit: " + w);
            assertEquals(0, w.reserved().signum());
            assertEquals(List.of(), ledger.audit());
        }
    }

    @Test
    void should_take_a_lapsed_worst_case_back_when_its_live_holder_releases_and_not_lapse_a_renewed_lease() {
        try (Database db = TestDatabase.freshDatabase()) {
            BudgetLedger ledger = new BudgetLedger(db.jdbi());
            Budget b = budget("away", "0.05", BudgetPeriod.HOUR);
            BudgetLedger.Reservation failed = ledger.reserve(b, new BigDecimal("0.02"), NOW, Duration.ofSeconds(30)).reservation();
            BudgetLedger.Reservation running = ledger.reserve(b, new BigDecimal("0.01"), NOW, Duration.ofSeconds(30)).reservation();
            assertEquals(1, ledger.renew(List.of(running), NOW.plusSeconds(90)), "its holder is alive: the lease moves on");
            // the holder of the first could not reach the database past its lease (its call had failed): it lapses
            assertEquals(1, ledger.expireLeases(NOW.plusSeconds(31)));
            assertEquals(0, new BigDecimal("0.02").compareTo(ledger.window(b, NOW).spent()));
            assertTrue(ledger.release(failed, NOW.plusSeconds(40)), "the holder, back, writes the release it kept");
            assertFalse(ledger.release(failed, NOW.plusSeconds(41)), "once");
            BudgetLedger.WindowState w = ledger.window(b, NOW);
            assertEquals(0, w.spent().signum(), "a call that failed costs nothing, also after a lapse: " + w);
            assertEquals(0, new BigDecimal("0.01").compareTo(w.reserved()), "the renewed one is still held: " + w);
            assertEquals(List.of(), ledger.audit());
        }
    }

    @Test
    void should_take_what_a_settlement_adds_beyond_its_reservation_conditionally_and_record_an_overshoot_when_there_is_no_room() {
        try (Database db = TestDatabase.freshDatabase()) {
            BudgetLedger ledger = new BudgetLedger(db.jdbi());
            Budget b = budget("tight", "0.05", BudgetPeriod.HOUR);
            BudgetLedger.Reservation small = ledger.reserve(b, new BigDecimal("0.01"), NOW, Duration.ofSeconds(30)).reservation();
            assertTrue(ledger.settle(small, new BigDecimal("0.015"), NOW.plusSeconds(1)), "above its reservation, with room: taken");
            BudgetLedger.Reservation one = ledger.reserve(b, new BigDecimal("0.015"), NOW, Duration.ofSeconds(30)).reservation();
            BudgetLedger.Reservation two = ledger.reserve(b, new BigDecimal("0.02"), NOW, Duration.ofSeconds(30)).reservation();
            assertEquals(0, (int) db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM chatbot_budget_events").mapTo(Integer.class).one()));
            assertTrue(ledger.settle(one, new BigDecimal("0.025"), NOW.plusSeconds(2))); // 0.01 beyond, no room for it
            assertTrue(ledger.settle(two, new BigDecimal("0.005"), NOW.plusSeconds(3)));
            BudgetLedger.WindowState w = ledger.window(b, NOW);
            assertEquals(0, new BigDecimal("0.045").compareTo(w.spent()), "spent says what was billed: " + w);
            Map<String, Object> event = db.jdbi().withHandle(h -> h.createQuery(
                    "SELECT kind, spent, details FROM chatbot_budget_events WHERE budget_name = 'tight'").mapToMap().one());
            assertEquals("overshoot", event.get("kind"));
            assertEquals(0, new BigDecimal("0.04").compareTo((BigDecimal) event.get("spent")), event.toString()); // 0.015 + 0.025, with 0.02 still reserved
            assertTrue(String.valueOf(event.get("details")).contains(one.id()), event.toString());
            assertEquals(List.of(), ledger.audit());
        }
    }

    @Test
    void should_start_a_new_window_at_the_period_boundary_with_nothing_to_reset() {
        try (Database db = TestDatabase.freshDatabase()) {
            BudgetLedger ledger = new BudgetLedger(db.jdbi());
            Budget b = budget("daily", "0.03", BudgetPeriod.DAY);
            Instant lastSecond = Instant.parse("2026-12-31T23:59:59Z");
            assertTrue(ledger.reserve(b, new BigDecimal("0.03"), lastSecond, Duration.ofMinutes(1)).admitted());
            assertFalse(ledger.reserve(b, new BigDecimal("0.01"), lastSecond, Duration.ofMinutes(1)).admitted());
            assertTrue(ledger.reserve(b, new BigDecimal("0.03"), lastSecond.plusSeconds(1), Duration.ofMinutes(1)).admitted(),
                    "the new year's day is a new row");
            assertEquals(0, new BigDecimal("0.03").compareTo(ledger.window(b, lastSecond).reserved()));
            assertEquals(0, new BigDecimal("0.03").compareTo(ledger.window(b, lastSecond.plusSeconds(1)).reserved()));
            assertEquals(List.of(), ledger.audit());
        }
    }
}
