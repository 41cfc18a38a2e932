package dev.chatlog.core.internal;

import dev.chatlog.core.Batch;
import dev.chatlog.core.ChatLogSink;
import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.LlmCall;

import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes batches through the {@link ChatLogSink} until they are stored: retryable failures are tried
 * again with exponential backoff for as long as the logger is open; failures that will not pass are
 * narrowed down to the single bad record, which is rejected and counted.
 */
public final class StoreWriter {
    private static final Logger log = LoggerFactory.getLogger(StoreWriter.class);

    private final ChatLogSink sink;
    private final LoggerCounters counters;
    private final Duration maxBackoff;
    private final Lifecycle lifecycle;
    /** When the current run of failed writes began (0: the last write passed); said once in the log, with its end. */
    private volatile long outageSince;

    public StoreWriter(ChatLogSink sink, LoggerCounters counters, Duration maxBackoff, Lifecycle lifecycle) {
        this.sink = sink;
        this.counters = counters;
        this.maxBackoff = maxBackoff;
        this.lifecycle = lifecycle;
    }

    /**
     * Writes until stored (or the bad records isolated and rejected). Gives up only when closing and
     * past the close deadline: then a durable (spooled) batch stays on disk, a memory-only batch is
     * counted lost. Returns whether the batch was dealt with.
     */
    public boolean write(Batch batch, boolean durable) {
        if (batch.size() == 0) {
            return true;
        }
        long backoffMs = 50;
        while (true) {
            try {
                sink.write(batch);
                counters.written.addAndGet(batch.size());
                if (outageSince != 0) {
                    log.info("chatlog: the database is reachable again after {} s; the records held meanwhile are being written",
                            (System.nanoTime() - outageSince) / 1_000_000_000L);
                    outageSince = 0;
                }
                return true;
            } catch (Exception e) {
                counters.failedWrites.incrementAndGet();
                counters.lastError = e.toString();
                boolean retryable;
                try {
                    retryable = sink.isRetryable(e);
                } catch (RuntimeException classifyFailure) {
                    retryable = true;
                }
                if (!retryable) {
                    return isolate(batch, e, durable);
                }
                if (lifecycle.pastCloseDeadline()) {
                    if (!durable) counters.lost(batch.size());
                    return false;
                }
                if (outageSince == 0) {
                    outageSince = System.nanoTime();
                    log.warn("chatlog: the database is unreachable ({}); records are held {} and written when it is back "
                            + "(retried every {} ms at most)", e.toString(), durable ? "in the spool, on disk" : "in memory only (no spool: "
                            + "lost if this process stops)", maxBackoff.toMillis());
                } else if (counters.failedWrites.get() % 20 == 1) {
                    log.warn("chatlog: the database is still unreachable after {} s; records are held {}: {}",
                            (System.nanoTime() - outageSince) / 1_000_000_000L, durable ? "in the spool" : "in memory", e.toString());
                }
                try {
                    Thread.sleep(backoffMs);
                } catch (InterruptedException ie) {
                    if (lifecycle.pastCloseDeadline()) {
                        if (!durable) counters.lost(batch.size());
                        return false;
                    }
                }
                backoffMs = Math.min(backoffMs * 2, maxBackoff.toMillis());
            }
        }
    }

    private boolean isolate(Batch batch, Exception cause, boolean durable) {
        if (batch.size() == 1) {
            if (durable) counters.rejected.incrementAndGet();
            else counters.refusedBeforeDurable(); // without a spool, a waiter on this record has not been answered yet
            long n = counters.rejected.get();
            if (Long.bitCount(n) == 1) {
                log.error("chatlog rejected a record the store refuses ({} so far): {}", n, cause.toString());
            }
            return true;
        }
        boolean all = true;
        for (LlmCall c : batch.calls()) {
            all &= write(new Batch(List.of(c), List.of()), durable);
        }
        for (ConversationMessage m : batch.messages()) {
            all &= write(new Batch(List.of(), List.of(m)), durable);
        }
        for (dev.chatlog.core.score.Score s : batch.scores()) {
            all &= write(new Batch(List.of(), List.of(), List.of(s)), durable);
        }
        return all;
    }
}
