package dev.chatlog.core;

/**
 * Where the writer puts batches: the {@code sql} module's store in production, an in-memory list in
 * tests. Implementations must be idempotent: writing a batch again (a retry after an error whose
 * outcome was unknown) stores no duplicate and counts nothing twice.
 */
public interface ChatLogSink {

    /** Writes the whole batch atomically, or throws and writes nothing. */
    void write(Batch batch) throws Exception;

    /**
     * {@link #write}, returning the records this write stored for the first time: a record written
     * again (a replay from the spool after a crash, a retry) is left out, so what observes the
     * stored records (meters, spans, turn summaries) counts each once. A sink that cannot tell
     * returns the whole batch.
     */
    default Batch writeNew(Batch batch) throws Exception {
        write(batch);
        return batch;
    }

    /**
     * Whether a failure may go away by itself (connection lost, deadlock, timeout), so the same
     * batch should be tried again later. Non-retryable failures are isolated to single records,
     * and the records that still fail are rejected and counted.
     */
    default boolean isRetryable(Exception failure) {
        return true;
    }
}
