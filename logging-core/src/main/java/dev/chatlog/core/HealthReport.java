package dev.chatlog.core;

import java.util.ArrayList;
import java.util.List;

/**
 * A logger's health, as the server's {@code GET /health} and the Spring Boot health indicator say it: {@code ok}, or {@code degraded} with one sentence per reason. The
 * database down, or records dropped or lost in the last minute, make it 503 (this instance is not
 * keeping its promise); a backlog over a threshold, a spool near its cap or a filling queue keep
 * it 200 (everything is kept, but behind).
 */
public record HealthReport(String status, List<String> reasons, int httpStatus) {
    public static final long LOSS_WINDOW_MS = 60_000;

    public record Thresholds(long backlogRecords, long backlogSeconds, int queueCapacity) {}

    public static HealthReport of(boolean databaseUp, LoggerStats s, Thresholds t) {
        List<String> reasons = new ArrayList<>();
        boolean failing = !databaseUp;
        if (!databaseUp) reasons.add("database unreachable");
        if (s.lastLossAgoMillis() >= 0 && s.lastLossAgoMillis() < LOSS_WINDOW_MS) {
            failing = true;
            reasons.add("records dropped or lost in the last minute (since start: " + s.dropped() + " dropped, " + s.lost() + " lost)");
        }
        if (s.spoolBacklogRecords() > t.backlogRecords()) {
            reasons.add("backlog of " + s.spoolBacklogRecords() + " records not yet in the database (threshold " + t.backlogRecords() + ")");
        }
        if (s.backlogMillis() > t.backlogSeconds() * 1000) {
            reasons.add("the oldest record not yet in the database has waited " + s.backlogMillis() / 1000 + " s (threshold "
                    + t.backlogSeconds() + " s)");
        }
        if (s.spoolMaxBytes() > 0 && s.spoolPendingBytes() >= s.spoolMaxBytes() * 8 / 10) {
            reasons.add("spool at " + (100 * s.spoolPendingBytes() / s.spoolMaxBytes()) + "% of its disk cap");
        }
        if (s.queueDepth() > t.queueCapacity() / 2) {
            reasons.add("in-memory queue " + (100L * s.queueDepth() / t.queueCapacity()) + "% full");
        }
        return new HealthReport(reasons.isEmpty() ? "ok" : "degraded", List.copyOf(reasons), failing ? 503 : 200);
    }

    /**
     * This report with more reasons that make it degraded but keep it serving (200 stays 200): the database node behind
     * its cluster, a read replica lagging.
     */
    public HealthReport with(List<String> more) {
        if (more.isEmpty()) return this;
        List<String> all = new ArrayList<>(reasons);
        all.addAll(more);
        return new HealthReport("degraded", List.copyOf(all), httpStatus);
    }
}
