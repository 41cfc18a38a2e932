package dev.chatlog.budgets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Windows roll over exactly: hours, days, ISO weeks, calendar months, in UTC and in zones with DST or half-hour offsets. */
class BudgetPeriodTest {

    @ParameterizedTest(name = "{0} {1} at {2}")
    @CsvSource({
            // period, zone, instant, expected start, expected end
            "HOUR,  UTC,           2026-12-31T23:59:59Z, 2026-12-31T23:00:00Z, 2027-01-01T00:00:00Z",
            "HOUR,  Asia/Kolkata,  2026-06-01T10:15:00Z, 2026-06-01T09:30:00Z, 2026-06-01T10:30:00Z",
            "DAY,   UTC,           2026-12-31T23:59:59Z, 2026-12-31T00:00:00Z, 2027-01-01T00:00:00Z",
            "DAY,   Europe/Paris,  2026-03-29T12:00:00Z, 2026-03-28T23:00:00Z, 2026-03-29T22:00:00Z",
            "DAY,   Europe/Paris,  2026-10-25T12:00:00Z, 2026-10-24T22:00:00Z, 2026-10-25T23:00:00Z",
            "WEEK,  UTC,           2026-12-02T05:00:00Z, 2026-11-30T00:00:00Z, 2026-12-07T00:00:00Z",
            "WEEK,  UTC,           2027-01-03T23:00:00Z, 2026-12-28T00:00:00Z, 2027-01-04T00:00:00Z",
            "MONTH, UTC,           2026-12-31T23:59:59Z, 2026-12-01T00:00:00Z, 2027-01-01T00:00:00Z",
            "MONTH, UTC,           2027-01-01T00:00:00Z, 2027-01-01T00:00:00Z, 2027-02-01T00:00:00Z",
            "MONTH, UTC,           2028-02-29T12:00:00Z, 2028-02-01T00:00:00Z, 2028-03-01T00:00:00Z",
            "MONTH, America/New_York, 2026-11-01T03:00:00Z, 2026-10-01T04:00:00Z, 2026-11-01T04:00:00Z",
            "MONTH, America/New_York, 2026-11-01T04:00:00Z, 2026-11-01T04:00:00Z, 2026-12-01T05:00:00Z"})
    void should_put_an_instant_in_the_window_of_its_zones_calendar(BudgetPeriod p, String zone, Instant at, Instant start, Instant end) {
        BudgetPeriod.Window w = p.window(at, ZoneId.of(zone));
        assertEquals(start, w.start());
        assertEquals(end, w.end());
        assertEquals(w, p.window(start, ZoneId.of(zone)), "the start belongs to its window");
        assertNotEquals(w.index(), p.window(end, ZoneId.of(zone)).index(), "the end belongs to the next one");
        assertEquals(w.index() + 1, p.window(end, ZoneId.of(zone)).index(), "consecutive windows have consecutive indexes");
    }

    @Test
    void should_give_every_hour_of_a_dst_change_its_own_window() {
        ZoneId paris = ZoneId.of("Europe/Paris");
        Instant t = Instant.parse("2026-10-24T20:00:00Z"); // the night the clocks go back: a 25-hour day
        long previous = BudgetPeriod.HOUR.window(t, paris).index();
        int hours = 0;
        for (Instant i = t.plus(Duration.ofHours(1)); i.isBefore(Instant.parse("2026-10-26T00:00:00Z")); i = i.plus(Duration.ofHours(1))) {
            long index = BudgetPeriod.HOUR.window(i, paris).index();
            assertEquals(previous + 1, index, "at " + i);
            previous = index;
            hours++;
        }
        assertEquals(27, hours);
        BudgetPeriod.Window day = BudgetPeriod.DAY.window(Instant.parse("2026-10-25T12:00:00Z"), paris);
        assertEquals(Duration.ofHours(25), Duration.between(day.start(), day.end()));
        assertEquals(BudgetPeriod.DAY.window(Instant.parse("2026-10-25T00:00:00Z"), ZoneOffset.UTC).index(),
                BudgetPeriod.DAY.window(Instant.parse("2026-10-25T12:00:00Z"), paris).index(), "day indexes are dates, in any zone");
    }

    @Test
    void should_refuse_an_unknown_period() {
        assertEquals(BudgetPeriod.MONTH, BudgetPeriod.parse(" Month "));
        assertThrows(IllegalArgumentException.class, () -> BudgetPeriod.parse("fortnight"));
    }
}
