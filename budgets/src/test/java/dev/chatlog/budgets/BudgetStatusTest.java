package dev.chatlog.budgets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Projections and states of a budget's window, on the calendar's awkward days. */
class BudgetStatusTest {
    private static Budget budget(BudgetPeriod period, ZoneId zone, String limit) {
        return new Budget("b", Budget.Scope.GLOBAL, null, period, zone, new BigDecimal(limit), List.of(new BigDecimal("0.5"),
                new BigDecimal("0.8")), Budget.Action.ENFORCE);
    }

    private static BudgetStatus status(Budget b, String spent, String now) {
        Instant at = Instant.parse(now);
        return BudgetStatus.of(b, b.period().window(at, b.zone()), new BigDecimal(spent), BigDecimal.ZERO, at);
    }

    private static void assertUsd(String expected, BigDecimal actual) {
        assertEquals(0, new BigDecimal(expected).compareTo(actual), "expected " + expected + ", got " + actual);
    }

    @Test
    void should_project_december_over_its_31_days_into_the_new_year() {
        BudgetStatus s = status(budget(BudgetPeriod.MONTH, ZoneOffset.UTC, "100"), "15", "2026-12-16T00:00:00Z");
        assertEquals(Instant.parse("2027-01-01T00:00:00Z"), s.window().end());
        assertUsd("31", s.projected()); // $15 in 15 days: $1 a day for 31 days
    }

    @Test
    void should_project_a_leap_february_over_29_days() {
        BudgetStatus s = status(budget(BudgetPeriod.MONTH, ZoneOffset.UTC, "100"), "14", "2028-02-15T00:00:00Z");
        assertUsd("29", s.projected());
        BudgetStatus common = status(budget(BudgetPeriod.MONTH, ZoneOffset.UTC, "100"), "14", "2027-02-15T00:00:00Z");
        assertUsd("28", common.projected());
    }

    @Test
    void should_not_multiply_the_first_hours_of_a_month_into_a_huge_figure() {
        // 6 hours into January with $1 spent: the rate is taken over 31 hours (a 24th of the month), not 6
        BudgetStatus s = status(budget(BudgetPeriod.MONTH, ZoneOffset.UTC, "100"), "1", "2027-01-01T06:00:00Z");
        assertUsd("24.806452", s.projected()); // 1 + 1 x 738 h / 31 h
        assertFalse(s.projectedToExceed(), "too early to say");
        BudgetStatus later = status(budget(BudgetPeriod.MONTH, ZoneOffset.UTC, "20"), "1", "2027-01-02T08:00:00Z");
        assertUsd("23.25", later.projected()); // 32 h elapsed: 1 + 1 x 712 / 32
        assertTrue(later.projectedToExceed());
    }

    @Test
    void should_project_the_first_minutes_of_an_hour_and_the_first_day_of_a_week() {
        BudgetStatus hour = status(budget(BudgetPeriod.HOUR, ZoneOffset.UTC, "10"), "0.5", "2026-12-01T10:01:00Z");
        assertUsd("12.3", hour.projected()); // over 2.5 minutes, not 1: 0.5 + 0.5 x 59 / 2.5
        BudgetStatus week = status(budget(BudgetPeriod.WEEK, ZoneOffset.UTC, "10"), "1", "2026-11-30T14:00:00Z"); // a Monday
        assertUsd("12", week.projected()); // 14 h of 168: 1 + 1 x 154 / 14
    }

    @Test
    void should_project_a_zoned_day_of_23_hours_across_the_dst_change() {
        Budget paris = budget(BudgetPeriod.DAY, ZoneId.of("Europe/Paris"), "100");
        // 2026-03-29 in Paris: 00:00 CET (23:00 UTC the day before) to 00:00 CEST (22:00 UTC): 23 hours
        BudgetStatus s = status(paris, "11", "2026-03-29T10:00:00Z"); // 11 hours in
        assertEquals(23, s.window().length().toHours());
        assertUsd("23", s.projected());
        Budget ny = budget(BudgetPeriod.DAY, ZoneId.of("America/New_York"), "100");
        BudgetStatus fall = status(ny, "10", "2026-11-01T14:00:00Z"); // 25-hour day, 10 hours in
        assertEquals(25, fall.window().length().toHours());
        assertUsd("25", fall.projected());
    }

    @Test
    void should_say_ok_warning_and_exceeded_from_the_lowest_threshold_and_the_limit() {
        Budget b = budget(BudgetPeriod.DAY, ZoneOffset.UTC, "10");
        assertEquals(BudgetStatus.State.OK, status(b, "4.99", "2026-12-01T23:00:00Z").state());
        assertEquals(BudgetStatus.State.WARNING, status(b, "5", "2026-12-01T23:00:00Z").state());
        BudgetStatus full = status(b, "10", "2026-12-01T23:00:00Z");
        assertEquals(BudgetStatus.State.EXCEEDED, full.state());
        assertUsd("100", full.percent());
        assertUsd("0", full.remaining());
        BudgetStatus held = BudgetStatus.of(b, b.period().window(Instant.parse("2026-12-01T12:00:00Z"), ZoneOffset.UTC),
                new BigDecimal("6"), new BigDecimal("5"), Instant.parse("2026-12-01T12:00:00Z"));
        assertUsd("0", held.remaining()); // reservations count against what remains, never below zero
    }

    @org.junit.jupiter.api.Test
    void should_refuse_a_warning_threshold_its_event_could_not_store() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new Budget("b", Budget.Scope.GLOBAL, null, BudgetPeriod.DAY, java.time.ZoneOffset.UTC, BigDecimal.TEN,
                        List.of(new BigDecimal("0.83333")), Budget.Action.ALERT));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("at most 4 decimals"), e.getMessage());
        new Budget("b", Budget.Scope.GLOBAL, null, BudgetPeriod.DAY, java.time.ZoneOffset.UTC, BigDecimal.TEN,
                List.of(new BigDecimal("0.83330000")), Budget.Action.ALERT); // trailing zeros are not decimals
    }
}
