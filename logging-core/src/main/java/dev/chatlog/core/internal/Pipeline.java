package dev.chatlog.core.internal;

import dev.chatlog.core.internal.spool.DiskSpool;

import dev.chatlog.core.ChatLogSink;
import dev.chatlog.core.LoggerSettings;
import dev.chatlog.core.LoggerStats;
import dev.chatlog.core.SpoolSettings;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What is behind a {@code ChatLogger}: the caller's queue ({@link Handoff}), the conversion, and either the durable
 * stage (spool, spooler, shipper: {@link SpoolStage}) or, without a spool, one writer thread ({@link MemoryWriter});
 * their waits and their orderly stop. The logger is the API in front of it.
 */
public final class Pipeline {
    private static final Logger log = LoggerFactory.getLogger("dev.chatlog.core.ChatLogger");

    private final LoggerCounters counters = new LoggerCounters();
    private final Lifecycle lifecycle = new Lifecycle();
    private final Handoff handoff;
    private final RecordConverter converter;
    private final Duration closeTimeout;
    private final SpoolStage durable; // null without a spool
    private final Thread stage;

    /** Starts the pipeline: the spool is opened first (it may refuse: a directory another process holds). */
    public Pipeline(ChatLogSink sink, LoggerSettings s, SpoolSettings sp, CallEnricher enricher) {
        DiskSpool spool = sp == null ? null : new DiskSpool(sp.dir(), sp.maxBytes(), sp.segmentBytes());
        this.handoff = new Handoff(s.queueCapacity(), counters);
        this.closeTimeout = s.closeTimeout();
        this.converter = new RecordConverter(enricher, counters, s.converterThreads());
        StoreWriter store = new StoreWriter(sink, counters, s.maxBackoff(), lifecycle);
        if (spool != null) {
            this.durable = new SpoolStage(spool, handoff, converter, store, counters, lifecycle, s.batchSize(), sp.checkpointLag(),
                    sp.fsyncEvery(), sp.fsyncInterval());
            this.stage = durable.intake();
        } else {
            this.durable = null;
            this.stage = SpoolStage.daemon(new MemoryWriter(handoff, converter, store, counters, lifecycle, s.batchSize(),
                    s.flushInterval().toNanos()), "chatlog-writer");
        }
    }

    public Handoff handoff() {
        return handoff;
    }

    public LoggerCounters counters() {
        return counters;
    }

    /** Whether records go through a spool. */
    public boolean durable() {
        return durable != null;
    }

    /**
     * Waits until every record accepted before the call is durable (in the spool, or without one stored); true only
     * if, besides, the drop and loss counts are still {@code dropped} and {@code unkept} (see the logger's
     * {@code awaitDurable}).
     */
    public boolean awaitDurable(Duration timeout, long dropped, long unkept) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            Handoff.Barrier b = handoff.closing() ? null : handoff.barrier(timeout.toNanos());
            if (b == null) return false;
            // a record of this turn dropped at the queue was dropped before the barrier was queued (the turn's
            // threads offered it first); a record lost behind the queue is counted before the barrier is released
            boolean noneDropped = counters.droppedSeq.get() == dropped;
            boolean kept = durable != null ? durable.awaitHelping(b, deadline) : b.await(Math.max(0, deadline - System.nanoTime()));
            return kept && noneDropped && counters.unkeptAfterQueue.get() == unkept;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Waits until everything accepted before this call is in the database (or given up on). */
    public boolean flush(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (!stage.isAlive()) {
            return handoff.isEmpty() && (durable == null || durable.spool().pendingRecords() == 0); // closed: nothing will move
        }
        try {
            Handoff.Barrier b = handoff.barrier(timeout.toNanos());
            if (b == null) return false;
            if (!b.await(Math.max(0, deadline - System.nanoTime())) && durable == null) {
                return false;
            }
            return durable == null || durable.awaitShipped(lifecycle, deadline); // and the shipper has put it in the database
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Stops accepting, writes what is queued (waiting at most the close timeout), stops the threads; false if closed before. */
    public boolean close() {
        if (handoff.closing()) {
            return false;
        }
        long deadline = System.nanoTime() + closeTimeout.toNanos();
        handoff.close(); // accepts nothing more
        flush(closeTimeout);
        lifecycle.close(Math.max(0, deadline - System.nanoTime())); // the stages stop once the queue is empty
        if (durable == null) {
            // wakes a backoff sleep; never done with a spool: interrupting a thread inside FileChannel
            // I/O closes the channel (the spooler polls every millisecond once closing)
            stage.interrupt();
        }
        try {
            stage.join(Math.max(1000, closeTimeout.toMillis()));
            if (durable != null) durable.stop(closeTimeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        converter.close();
        long stillQueued = handoff.clear();
        if (stillQueued > 0) {
            counters.lost(stillQueued);
        }
        return true;
    }

    /** Logs what was not written, once the logger and its observers have closed. */
    public void closed() {
        if (counters.lost.get() > 0) {
            log.error("chatlog closed with {} record(s) not written (last error: {})", counters.lost.get(), counters.lastError);
        }
    }

    public LoggerStats stats() {
        return counters.snapshot(handoff.depth(), durable == null ? null : durable.spool(), durable == null ? 0 : durable.backlogMillis());
    }
}
