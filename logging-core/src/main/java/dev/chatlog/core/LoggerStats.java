package dev.chatlog.core;

/**
 * Counters of a {@link ChatLogger}: every record it was offered ends in exactly one of
 * {@code written}, {@code dropped}, {@code rejected} or {@code lost}, or is still pending.
 *
 * @param accepted        records taken into the queue
 * @param written         records the sink stored
 * @param dropped         records refused because the queue was full (never entered the queue)
 * @param rejected        records the sink refused for good (bad data), after isolating them
 * @param lost            records still in memory when {@code close()} ran out of time
 * @param failedWrites    write attempts that failed (each retry counts)
 * @param resolveFailures deferred records whose conversion threw (counted as rejected too)
 * @param queueDepth      records waiting now
 * @param lastError       the last write error, or null
 * @param spooled         records appended to the spool (durable mode)
 * @param spoolOverflow   records lost because the spool was at its disk cap (also in {@code lost})
 * @param spoolPendingBytes bytes in the spool not yet in the database
 * @param synced          spooled records known to be on disk (fsynced)
 * @param corruptFrames   torn or corrupt spool frames found and skipped
 */
public record LoggerStats(long accepted, long written, long dropped, long rejected, long lost,
                          long failedWrites, long resolveFailures, int queueDepth, String lastError,
                          long spooled, long spoolOverflow, long spoolPendingBytes, long synced, long corruptFrames) {

    public long pending() {
        return accepted - written - rejected - lost;
    }
}
