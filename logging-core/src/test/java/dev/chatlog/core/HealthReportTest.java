package dev.chatlog.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class HealthReportTest {
    private static final HealthReport.Thresholds T = new HealthReport.Thresholds(1000, 30, 100);

    /** Stats with the fields the report reads; the rest zero. */
    private static LoggerStats stats(long dropped, long lost, int queue, long pendingBytes, long backlog, long backlogMillis,
                                     long maxBytes, long lossAgo) {
        return new LoggerStats(100, 90, dropped, 0, lost, 0, 0, queue, null, 100, 0, pendingBytes, 100, 0, backlog, backlogMillis,
                maxBytes, 10, 20, lossAgo);
    }

    @Test
    void should_be_ok_when_nothing_is_behind_or_lost() {
        HealthReport r = HealthReport.of(true, stats(0, 0, 3, 500, 10, 40, 1 << 20, -1), T);
        assertEquals("ok", r.status());
        assertEquals(List.of(), r.reasons());
        assertEquals(200, r.httpStatus());
    }

    @Test
    void should_fail_while_the_database_is_down_or_records_were_lost_within_the_minute() {
        HealthReport down = HealthReport.of(false, stats(0, 0, 0, 0, 0, 0, 1 << 20, -1), T);
        assertEquals(503, down.httpStatus());
        assertEquals(List.of("database unreachable"), down.reasons());
        HealthReport dropped = HealthReport.of(true, stats(7, 2, 0, 0, 0, 0, 1 << 20, 5_000), T);
        assertEquals(503, dropped.httpStatus());
        assertTrue(dropped.reasons().get(0).contains("7 dropped, 2 lost"), dropped.reasons().toString());
        HealthReport longAgo = HealthReport.of(true, stats(7, 2, 0, 0, 0, 0, 1 << 20, 61_000), T);
        assertEquals("ok", longAgo.status(), "a loss more than a minute ago is history, not the present");
    }

    @Test
    void should_be_degraded_but_200_while_everything_is_kept_but_behind() {
        HealthReport r = HealthReport.of(true, stats(0, 0, 51, 900_000, 1001, 31_000, 1_000_000, -1), T);
        assertEquals("degraded", r.status());
        assertEquals(200, r.httpStatus());
        assertEquals(4, r.reasons().size(), r.reasons().toString());
        assertTrue(r.reasons().get(0).startsWith("backlog of 1001 records"), r.reasons().toString());
        assertTrue(r.reasons().get(1).contains("waited 31 s"), r.reasons().toString());
        assertTrue(r.reasons().get(2).contains("spool at 90%"), r.reasons().toString());
        assertTrue(r.reasons().get(3).contains("queue 51% full"), r.reasons().toString());
        HealthReport atThresholds = HealthReport.of(true, stats(0, 0, 50, 799_999, 1000, 30_000, 1_000_000, -1), T);
        assertEquals("ok", atThresholds.status(), atThresholds.reasons().toString());
    }
}
