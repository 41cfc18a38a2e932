package dev.chatlog.budgets;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.TemporalAdjusters;
import java.util.Locale;

/**
 * The period a budget's limit applies to, in a time zone (UTC unless the budget says otherwise).
 * Every instant falls in exactly one window with a stable index, so a budget's counter for a
 * window is one row keyed by that index: a new period is a new row, and no reset job exists to
 * miss a reset. Windows follow the zone's calendar: a day is 23 or 25 hours across a DST change,
 * a month ends on its last day (December rolls into the next year, February 29 exists), a week
 * starts on Monday; hours start where the zone's local minute is 0 (half-hour zones included).
 */
public enum BudgetPeriod {
    HOUR, DAY, WEEK, MONTH;

    /** One window: its index (unique within the period and zone) and its bounds, end exclusive. */
    public record Window(long index, Instant start, Instant end) {
        /** Its real length: a zoned day across a DST change is 23 or 25 hours, a month 28 to 31 days. */
        public Duration length() {
            return Duration.between(start, end);
        }

        /**
         * The spend at the window's end if it goes on at the rate so far: {@code spent} over the time
         * elapsed at {@code now}, but over no less than a 24th of the window (an hour of a day, 31
         * hours of a 31-day month, 2.5 minutes of an hour), so the first minutes of a period do not
         * multiply a few calls into a huge figure. Real instants, so DST days, December and leap
         * Februaries need no special case.
         */
        public BigDecimal project(BigDecimal spent, Instant now) {
            if (!now.isBefore(end)) return spent;
            long elapsed = Math.max(Duration.between(start, now).toMillis(), length().toMillis() / 24);
            long remaining = Duration.between(now, end).toMillis();
            return spent.add(spent.multiply(BigDecimal.valueOf(remaining)).divide(BigDecimal.valueOf(elapsed), 10, RoundingMode.HALF_UP));
        }

        /** Whether a 24th of the window has passed at {@code now}: from then on a projection is worth an alert. */
        public boolean projectionSettled(Instant now) {
            return Duration.between(start, now).compareTo(length().dividedBy(24)) >= 0;
        }

        /** The window before this one in {@code period} and {@code zone}. */
        public Window previous(BudgetPeriod period, ZoneId zone) {
            return period.window(start.minusMillis(1), zone);
        }
    }

    public static BudgetPeriod parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("period must be hour, day, week or month, got '" + s + "'");
        }
    }

    /** The window holding {@code at}. */
    public Window window(Instant at, ZoneId zone) {
        if (this == HOUR) {
            // local hours start at minute 0 of the zone's offset (a +05:30 zone's hours start at :30 UTC)
            long shift = Math.floorMod(zone.getRules().getOffset(at).getTotalSeconds(), 3600);
            long index = Math.floorDiv(at.getEpochSecond() - shift, 3600);
            Instant start = Instant.ofEpochSecond(index * 3600 + shift);
            return new Window(index, start, start.plusSeconds(3600));
        }
        LocalDate day = at.atZone(zone).toLocalDate();
        LocalDate first = switch (this) {
            case DAY -> day;
            case WEEK -> day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
            default -> day.withDayOfMonth(1);
        };
        LocalDate next = switch (this) {
            case DAY -> first.plusDays(1);
            case WEEK -> first.plusWeeks(1);
            default -> first.plusMonths(1);
        };
        long index = switch (this) {
            case DAY -> first.toEpochDay();
            case WEEK -> Math.floorDiv(first.toEpochDay() + 3, 7); // 1970-01-01 was a Thursday: weeks from its Monday
            default -> first.getYear() * 12L + first.getMonthValue() - 1;
        };
        return new Window(index, start(first, zone), start(next, zone));
    }

    /** The first instant of a local day (midnight, or the first instant after a DST gap that skips it). */
    private static Instant start(LocalDate d, ZoneId zone) {
        return d.atStartOfDay(zone).toInstant();
    }
}
