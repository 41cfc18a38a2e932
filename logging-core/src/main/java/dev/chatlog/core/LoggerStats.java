package dev.chatlog.core;

/**
 * Counters of a {@link ChatLogger}: every record it was offered ends in exactly one of
 * {@code written}, {@code dropped}, {@code rejected} or {@code lost}, or is still pending.
 *
 * @param accepted        records taken into the queue
 * @param written         records the sink stored
 * @param dropped         records refused because the queue was full (never entered the queue)
 * @param rejected        records the sink refused for good (bad data), after isolating them
 * @param lost            records given up: past the spool's disk cap, or still in memory when
 *                        {@code close()} ran out of time
 * @param failedWrites    write attempts that failed (each retry counts)
 * @param resolveFailures deferred records whose conversion threw (counted as rejected too)
 * @param queueDepth      records waiting now in the in-memory hand-off
 * @param lastError       the last write error, or null
 * @param spooled         records appended to the spool (durable mode)
 * @param spoolOverflow   records lost because the spool was at its disk cap (also in {@code lost})
 * @param spoolPendingBytes bytes in the spool not yet in the database
 * @param synced          spooled records known to be on disk (fsynced)
 * @param corruptFrames   torn or corrupt spool frames found and skipped
 * @param spoolBacklogRecords records in the spool not yet in the database, including what an
 *                        earlier run left (read from the disk at start)
 * @param backlogMillis   how long the oldest record not yet in the database has waited in the spool
 * @param spoolMaxBytes   the spool's disk cap (0 without a spool)
 * @param handoffP50Micros median time from accepted to durable (in the spool; stored, without one),
 *                        over the last 4,096 records
 * @param handoffP99Micros its 99th percentile
 * @param lastLossAgoMillis how long ago a record was last dropped or lost; -1 if never since start
 */
public record LoggerStats(long accepted, long written, long dropped, long rejected, long lost,
                          long failedWrites, long resolveFailures, int queueDepth, String lastError,
                          long spooled, long spoolOverflow, long spoolPendingBytes, long synced, long corruptFrames,
                          long spoolBacklogRecords, long backlogMillis, long spoolMaxBytes,
                          long handoffP50Micros, long handoffP99Micros, long lastLossAgoMillis) {

    public long pending() {
        return accepted - written - rejected - lost;
    }
}
