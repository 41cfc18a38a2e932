package dev.chatlog.budgets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.budgets.Budget;
import dev.chatlog.budgets.BudgetPeriod;
import dev.chatlog.core.budget.BudgetSubject;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.TestDatabase;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Budget definitions and events on the real database: each event once, with its causes; spikes only when they mean something. */
class BudgetMonitorTest {
    private static final Instant NOW = Instant.parse("2026-12-02T10:30:00Z");
    private static Database db;
    private static BudgetLedger ledger;
    private static BudgetDefinitions definitions;

    @BeforeAll
    static void start() {
        db = TestDatabase.freshDatabase();
        ledger = new BudgetLedger(db.jdbi());
        definitions = new BudgetDefinitions(db.jdbi());
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    @BeforeEach
    void clean() {
        db.jdbi().useHandle(h -> {
            for (String t : List.of("chatbot_budgets", "chatbot_budget_windows", "chatbot_budget_reservations", "chatbot_budget_ledger",
                    "chatbot_budget_events")) {
                h.execute("DELETE FROM " + t);
            }
        });
    }

    private static Budget budget(String name, String limit, Budget.Action action) {
        return new Budget(name, Budget.Scope.GLOBAL, null, BudgetPeriod.DAY, ZoneOffset.UTC, new BigDecimal(limit),
                List.of(new BigDecimal("0.5"), new BigDecimal("0.8")), action);
    }

    /** A call of {@code conversation} at {@code at} that cost {@code cost}. */
    private static void spend(Budget b, String cost, Instant at, String conversation) {
        BudgetLedger.Admission a = ledger.reserve(b, new BigDecimal(cost), at, Duration.ofMinutes(5),
                new BudgetSubject("u-" + conversation, conversation, null, null, "gpt-4o-mini", Set.of(), null));
        assertTrue(a.admitted(), "admitted");
        ledger.settle(a.reservation(), new BigDecimal(cost), at);
    }

    private static List<Map<String, Object>> events() {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT budget_name, kind, threshold, spent, details FROM chatbot_budget_events "
                + "ORDER BY id").mapToMap().list());
    }

    @Test
    void should_record_each_threshold_and_the_limit_once_whatever_the_number_of_instances() {
        Budget b = budget("team", "1", Budget.Action.ENFORCE);
        spend(b, "0.30", NOW.minusSeconds(3600), "big");
        spend(b, "0.25", NOW.minusSeconds(60), "small");
        BudgetMonitor one = new BudgetMonitor(db.jdbi(), 20);
        BudgetMonitor two = new BudgetMonitor(db.jdbi(), 20);
        List<BudgetMonitor.Recorded> first = one.evaluate(List.of(b), NOW);
        // 55%: the 50% threshold; and $0.55 by 10:30 goes to $1.26 by midnight
        assertEquals(List.of("warning", "projected"), first.stream().map(BudgetMonitor.Recorded::kind).toList());
        assertEquals(List.of(), two.evaluate(List.of(b), NOW), "another instance records nothing twice");
        spend(b, "0.45", NOW, "big");
        List<BudgetMonitor.Recorded> more = two.evaluate(List.of(b), NOW.plusSeconds(1));
        assertEquals(List.of("warning", "exceeded"), more.stream().map(BudgetMonitor.Recorded::kind).toList());
        assertEquals(0, new BigDecimal("0.8").compareTo(more.get(0).threshold()));
        assertEquals(List.of(), one.evaluate(List.of(b), NOW.plusSeconds(2)));
        Map<String, Object> exceeded = events().get(3);
        String details = String.valueOf(exceeded.get("details"));
        assertTrue(details.contains("\"top_conversations\"") && details.indexOf("\"big\"") < details.indexOf("\"small\""),
                "the conversation that spent most comes first: " + details);
        assertTrue(details.contains("calls are refused until 2026-12-03T00:00:00Z"), details);
        assertEquals(4, events().size());
    }

    @Test
    void should_record_a_projection_over_the_limit_once_the_window_has_run_a_while() {
        Budget b = budget("proj", "10", Budget.Action.ALERT);
        spend(b, "0.9", Instant.parse("2026-12-02T00:10:00Z"), "c"); // $0.9 by 00:30: projected far over $10
        BudgetMonitor m = new BudgetMonitor(db.jdbi(), 20);
        assertEquals(List.of(), m.evaluate(List.of(b), Instant.parse("2026-12-02T00:30:00Z")), "half an hour is too early to say");
        List<BudgetMonitor.Recorded> later = m.evaluate(List.of(b), Instant.parse("2026-12-02T02:00:00Z"));
        assertEquals(List.of("projected"), later.stream().map(BudgetMonitor.Recorded::kind).toList()); // 0.9 + 0.9 x 22 / 2 = 10.8
    }

    @Test
    void should_see_a_spike_but_not_a_steady_high_load_nor_a_few_calls() {
        Budget b = budget("spiky", "1000", Budget.Action.ALERT);
        Instant hour = Instant.parse("2026-12-02T10:00:00Z");
        for (int h = 1; h <= 24; h++) {
            for (int i = 0; i < 20; i++) spend(b, "0.01", hour.minusSeconds(3600L * h - i * 60L), "steady");
        }
        for (int i = 0; i < 20; i++) spend(b, "0.01", hour.plusSeconds(i * 60L), "steady"); // this hour like the others
        BudgetMonitor m = new BudgetMonitor(db.jdbi(), 20);
        assertTrue(m.evaluate(List.of(b), NOW).stream().noneMatch(r -> r.kind().equals("spike")), "a steady load is no spike");
        for (int i = 0; i < 40; i++) spend(b, "0.01", hour.plusSeconds(1200 + i * 10L), "burst"); // $0.60 this hour, average $0.20
        List<BudgetMonitor.Recorded> spike = m.evaluate(List.of(b), NOW);
        assertEquals(List.of("spike"), spike.stream().map(BudgetMonitor.Recorded::kind).toList());
        assertEquals(0, new BigDecimal("0.60").compareTo(spike.get(0).spent()));
        assertEquals(List.of(), m.evaluate(List.of(b), NOW.plusSeconds(60)), "one spike event per hour");
        String details = String.valueOf(events().get(events().size() - 1).get("details"));
        assertTrue(details.contains("3.0x the average hour"), details);

        Budget quiet = budget("quiet", "1000", Budget.Action.ALERT);
        for (int h = 1; h <= 3; h++) spend(quiet, "0.01", hour.minusSeconds(3600L * h), "q");
        spend(quiet, "5", hour.plusSeconds(60), "q");
        spend(quiet, "5", hour.plusSeconds(120), "q"); // 2 calls: far over the average, but too few calls to mean anything
        assertTrue(m.evaluate(List.of(quiet), NOW).stream().noneMatch(r -> r.kind().equals("spike")));
    }

    @Test
    void should_keep_a_names_period_and_its_spend_across_deletion() {
        Budget b = budget("kept", "1", Budget.Action.ENFORCE);
        assertTrue(definitions.put(b), "created");
        assertFalse(definitions.put(b), "replaced");
        spend(b, "0.4", Instant.now(), "c");
        assertTrue(definitions.delete("kept"));
        assertFalse(definitions.delete("kept"), "deleted once");
        assertTrue(definitions.get("kept").isEmpty());
        assertTrue(definitions.put(b), "defined again");
        assertEquals(0, new BigDecimal("0.4").compareTo(ledger.window(b, Instant.now()).spent()), "the window's spend is still there");
        Budget hourly = new Budget("kept", Budget.Scope.GLOBAL, null, BudgetPeriod.HOUR, ZoneOffset.UTC, BigDecimal.ONE, null, null);
        BudgetDefinitions.PeriodChange e = assertThrows(BudgetDefinitions.PeriodChange.class, () -> definitions.put(hourly));
        assertTrue(e.getMessage().contains("counts day windows"), e.getMessage());
        Budget zoned = new Budget("kept", Budget.Scope.USER, "alice", BudgetPeriod.DAY, java.time.ZoneId.of("Europe/Paris"),
                new BigDecimal("2.5"), List.of(new BigDecimal("0.9")), Budget.Action.ALERT);
        definitions.put(zoned);
        assertEquals(zoned, definitions.get("kept").orElseThrow());
    }
}
