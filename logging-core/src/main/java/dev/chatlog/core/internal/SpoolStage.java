package dev.chatlog.core.internal;

import dev.chatlog.core.internal.spool.DiskSpool;
import dev.chatlog.core.internal.spool.SpoolPosition;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable half of the logger's pipeline: the spool, the spooler thread that appends to it (and its fsync thread),
 * and the shipper thread that writes it to the store. Started when built; {@link #stop} after the spooler has drained.
 */
public final class SpoolStage {
    private static final Logger log = LoggerFactory.getLogger("dev.chatlog.core.ChatLogger");

    private final DiskSpool spool;
    private final Spooler spooler;
    private final SpoolShipper shipper;
    private final Thread spoolerThread;
    private final Thread syncerThread;
    private final Thread shipperThread;

    public SpoolStage(DiskSpool spool, Handoff handoff, RecordConverter converter, StoreWriter store, LoggerCounters counters,
                      Lifecycle lifecycle, int batchSize, Duration checkpointLag, int fsyncEvery, Duration fsyncInterval) {
        this.spool = spool;
        this.shipper = new SpoolShipper(spool, store, counters, lifecycle, batchSize, checkpointLag);
        this.spooler = new Spooler(handoff, converter, spool, store, counters, lifecycle, batchSize, fsyncEvery, fsyncInterval.toNanos());
        handoff.onOffer(spooler::wake);
        this.spoolerThread = daemon(spooler, "chatlog-spooler");
        this.syncerThread = daemon(spooler.syncer(), "chatlog-fsync");
        this.shipperThread = daemon(shipper, "chatlog-shipper");
    }

    /** Starts {@code r} on a daemon thread named {@code name}. */
    public static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** The thread that takes the caller's records (the spooler). */
    public Thread intake() {
        return spoolerThread;
    }

    public DiskSpool spool() {
        return spool;
    }

    /** Waits for a barrier while helping the spooler get there (see {@link Spooler#awaitHelping}). */
    public boolean awaitHelping(Handoff.Barrier barrier, long deadlineNanos) throws InterruptedException {
        return spooler.awaitHelping(barrier, deadlineNanos);
    }

    /** Waits until everything appended so far is in the store; false past {@code deadlineNanos}. */
    public boolean awaitShipped(Lifecycle lifecycle, long deadlineNanos) throws InterruptedException {
        SpoolPosition end = spool.appendPosition();
        while (spool.shipped().compareTo(end) < 0) {
            if (!lifecycle.awaitProgress(deadlineNanos)) return false;
        }
        return true;
    }

    /** How long the oldest record not yet in the store has waited (0: none). */
    public long backlogMillis() {
        return shipper.backlogMillis();
    }

    /** Stops the fsync and shipper threads and closes the spool; what is left in it is written at the next start. */
    public void stop(Duration closeTimeout) throws InterruptedException {
        spooler.stopSyncer();
        syncerThread.join(5000);
        shipper.stop();
        shipperThread.interrupt();
        shipperThread.join(Math.max(1000, closeTimeout.toMillis()));
        spool.close();
        long pending = spool.pendingBytes();
        if (pending > 0) {
            log.warn("chatlog closed with {} bytes of records still in the spool {}: they are written at the next start",
                    pending, "(database unreachable)");
        }
    }
}
