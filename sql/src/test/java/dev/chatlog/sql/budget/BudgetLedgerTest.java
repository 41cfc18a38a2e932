package dev.chatlog.sql.budget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.core.budget.Budget;
import dev.chatlog.core.budget.BudgetPeriod;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.DatabaseConfig;
import dev.chatlog.sql.TestDatabase;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
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
        Budget b = budget("hot", "1.00", BudgetPeriod.DAY);
        BigDecimal worstCase = new BigDecimal("0.02");
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(48);
        try {
            List<Future<?>> work = new ArrayList<>();
            for (Database db : instances) {
                BudgetLedger ledger = new BudgetLedger(db.jdbi());
                for (int t = 0; t < 16; t++) {
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
        System.out.println("budget race: " + admitted + " admitted, " + refused + " refused, spent " + w.spent() + " of 1.00, reserved " + w.reserved());
        assertTrue(w.spent().compareTo(new BigDecimal("1.00")) <= 0, "never over the limit: " + w.spent());
        assertTrue(w.spent().compareTo(new BigDecimal("0.90")) >= 0, "not over-cautious: " + w.spent());
        assertEquals(0, w.reserved().signum(), "every reservation settled or released");
        assertEquals(List.of(), ledger.audit(), "the counters equal their ledger");
        instances.forEach(Database::close);
    }

    @Test
    void should_free_the_headroom_of_a_dead_holder_after_its_lease_and_count_a_late_settlement_once() {
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
            BudgetLedger.Admission again = ledger.reserve(b, new BigDecimal("0.01"), NOW.plusSeconds(33), Duration.ofSeconds(30));
            assertTrue(again.admitted(), "the freed headroom is usable by any instance");
            // the holder was only slow: its call did happen, and is counted once
            assertTrue(ledger.settle(dead, new BigDecimal("0.04"), NOW.plusSeconds(40)));
            assertFalse(ledger.settle(dead, new BigDecimal("0.04"), NOW.plusSeconds(41)), "settled twice counts once");
            assertTrue(ledger.release(again.reservation(), NOW.plusSeconds(42)));
            assertFalse(ledger.release(again.reservation(), NOW.plusSeconds(43)));
            assertFalse(ledger.settle(again.reservation(), new BigDecimal("0.01"), NOW.plusSeconds(44)), "nothing after a release");
            BudgetLedger.WindowState w = ledger.window(b, NOW);
            assertEquals(0, new BigDecimal("0.04").compareTo(w.spent()));
            assertEquals(0, w.reserved().signum());
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
