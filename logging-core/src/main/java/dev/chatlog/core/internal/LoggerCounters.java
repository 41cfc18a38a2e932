package dev.chatlog.core.internal;

import dev.chatlog.core.internal.spool.DiskSpool;

import dev.chatlog.core.LoggerStats;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The counters of one {@link ChatLogger}, shared by its stages, and the snapshot of them that
 * {@link ChatLogger#stats()} returns. Also keeps the last 4,096 hand-off latencies (accepted to
 * spooled, or to stored without a spool) for their percentiles.
 */
public final class LoggerCounters {
    public final AtomicLong accepted = new AtomicLong();
    public final AtomicLong written = new AtomicLong();
    public final AtomicLong dropped = new AtomicLong();
    public final AtomicLong rejected = new AtomicLong();
    public final AtomicLong lost = new AtomicLong();
    public final AtomicLong failedWrites = new AtomicLong();
    public final AtomicLong resolveFailures = new AtomicLong();
    public final AtomicLong spooled = new AtomicLong();
    public final AtomicLong spoolOverflow = new AtomicLong();
    /**
     * Records that will not be stored, by where they went: refused at the queue (dropped) and lost
     * or refused after it, before they were durable (spool cap, a failed conversion, a batch the
     * fallback write could not store). {@link ChatLogger#awaitDurable(java.time.Duration, ChatLogger.Mark)}
     * compares them with a {@link ChatLogger.Mark} taken before the turn: any change fails it.
     */
    public final AtomicLong droppedSeq = new AtomicLong();
    public final AtomicLong unkeptAfterQueue = new AtomicLong();
    private volatile long lastLossNanos;
    private volatile boolean anyLoss;
    public volatile String lastError;

    private final long[] handoff = new long[4096];
    private long handoffCount; // written by one stage thread only

    public void dropped(long n) {
        dropped.addAndGet(n);
        droppedSeq.addAndGet(n);
        lossNow();
    }

    public void lost(long n) {
        lost.addAndGet(n);
        unkeptAfterQueue.addAndGet(n);
        lossNow();
    }

    private void lossNow() {
        lastLossNanos = System.nanoTime();
        anyLoss = true;
    }

    /** A record refused before it was durable (it could not be converted, or stored without a spool). */
    public void refusedBeforeDurable() {
        rejected.incrementAndGet();
        unkeptAfterQueue.incrementAndGet();
    }

    /** One record's time from being accepted to being durable (stage thread only). */
    public void handoff(long nanos) {
        handoff[(int) (handoffCount++ & (handoff.length - 1))] = nanos;
    }

    private long handoffMicros(long[] sorted, double q) {
        if (sorted.length == 0) return 0;
        return sorted[Math.min(sorted.length - 1, (int) (q * sorted.length))] / 1000;
    }

    public LoggerStats snapshot(int queueDepth, DiskSpool spool, long backlogMillis) {
        long[] h = Arrays.copyOf(handoff, (int) Math.min(handoffCount, handoff.length));
        Arrays.sort(h);
        return new LoggerStats(accepted.get(), written.get(), dropped.get(), rejected.get(), lost.get(),
                failedWrites.get(), resolveFailures.get(), queueDepth, lastError, spooled.get(), spoolOverflow.get(),
                spool == null ? 0 : spool.pendingBytes(), spool == null ? 0 : spool.groupSync().synced(),
                spool == null ? 0 : spool.corruptFrames(), spool == null ? 0 : spool.pendingRecords(), backlogMillis,
                spool == null ? 0 : spool.maxBytes(), handoffMicros(h, 0.50), handoffMicros(h, 0.99),
                anyLoss ? (System.nanoTime() - lastLossNanos) / 1_000_000 : -1);
    }
}
