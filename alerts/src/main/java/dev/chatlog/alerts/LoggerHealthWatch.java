package dev.chatlog.alerts;

import dev.chatlog.core.LoggerStats;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What the {@code logger_health} rules watch on this instance: its logger's losses (dropped + rejected + lost) at each
 * evaluation, kept for the longest window, and when the database was last found unreachable.
 */
final class LoggerHealthWatch {
    private final Supplier<LoggerStats> logger;
    private final String instance;
    private final Deque<long[]> losses = new ArrayDeque<>();
    private volatile Instant downAt;
    private volatile Instant downSince;

    LoggerHealthWatch(Supplier<LoggerStats> logger, String instance) {
        this.logger = logger;
        this.instance = instance;
    }

    void databaseDown(Instant now) {
        if (downSince == null) downSince = now;
        downAt = now;
    }

    /** When the current outage began (null: none known). */
    Instant downSince() {
        return downSince;
    }

    Instant downAt() {
        return downAt;
    }

    /** An evaluation reached the database: the outage, if any, is over (its last moment stays for the rules' windows). */
    void reachable() {
        downSince = null;
    }

    /** Samples this instance's logger (null when none is watched) and keeps its losses for the windows. */
    LoggerStats sample(Instant now) {
        LoggerStats s = logger.get();
        if (s == null) return null;
        long lossTotal = s.dropped() + s.rejected() + s.lost();
        synchronized (losses) {
            losses.addLast(new long[] {now.toEpochMilli(), lossTotal});
            while (losses.size() > 2 && now.toEpochMilli() - losses.peekFirst()[0] > AlertRule.MAX_WINDOW.toMillis()) losses.removeFirst();
        }
        return s;
    }

    /** The rule's observation of this instance: losses in its window, the spool's fill, the database found down. */
    AlertEvaluator.Observation observe(AlertRule r, LoggerStats s, Instant now) {
        Map<String, Object> f = new LinkedHashMap<>();
        AlertState st = AlertState.OK;
        BigDecimal fraction = BigDecimal.ZERO;
        List<String> why = new ArrayList<>();
        if (s != null) {
            long lossNow = s.dropped() + s.rejected() + s.lost();
            long lossThen = lossNow;
            synchronized (losses) {
                for (long[] sample : losses) {
                    if (now.toEpochMilli() - sample[0] <= r.window().toMillis()) {
                        lossThen = sample[1];
                        break;
                    }
                }
            }
            long lostInWindow = lossNow - lossThen;
            f.put("records_lost_in_window", lostInWindow);
            f.put("dropped_total", s.dropped());
            f.put("rejected_total", s.rejected());
            f.put("lost_total", s.lost());
            f.put("queue_depth", s.queueDepth());
            if (s.spoolMaxBytes() > 0) {
                fraction = BigDecimal.valueOf(s.spoolPendingBytes()).divide(BigDecimal.valueOf(s.spoolMaxBytes()), 4, RoundingMode.HALF_UP);
                f.put("spool_bytes", s.spoolPendingBytes());
                f.put("spool_max_bytes", s.spoolMaxBytes());
            }
            if (lostInWindow > 0) {
                st = AlertState.ALERT;
                why.add(lostInWindow + " records dropped, rejected or lost");
            }
            AlertState spool = r.stateOf(fraction);
            if (spool != AlertState.OK) why.add("spool at " + fraction.movePointRight(2).stripTrailingZeros().toPlainString() + "% of its cap");
            if (spool.ordinal() > st.ordinal()) st = spool;
        }
        Instant down = downAt;
        if (down != null && Duration.between(down, now).compareTo(r.window()) <= 0) {
            st = AlertState.ALERT;
            why.add("database unreachable (last at " + down + ")");
            f.put("database_unreachable_at", down.toString());
        }
        f.put("reasons", why);
        return new AlertEvaluator.Observation(instance, fraction, 0, f, st);
    }

}
