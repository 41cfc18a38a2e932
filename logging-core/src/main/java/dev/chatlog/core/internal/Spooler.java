package dev.chatlog.core.internal;

import dev.chatlog.core.internal.spool.DiskSpool;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stage between the hand-off queue and the spool (one thread, so the spool keeps queue order):
 * takes whatever is queued, with no lingering (the database batching happens behind the spool),
 * converts it, appends it, and only then releases the barriers taken with it: a caller waiting on
 * one knows its records are in the spool (the OS page cache: they survive a crash of this process).
 * Fsyncs in groups. Past the disk cap a batch is lost, loudly; a failing disk falls back to writing
 * the batch straight to the store.
 */
public final class Spooler implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Spooler.class);

    private final Handoff handoff;
    private final RecordConverter converter;
    private final DiskSpool spool;
    private final StoreWriter direct;
    private final LoggerCounters counters;
    private final Lifecycle lifecycle;
    private final int batchSize;
    private final int fsyncEvery;
    private final long fsyncIntervalNanos;

    public Spooler(Handoff handoff, RecordConverter converter, DiskSpool spool, StoreWriter direct, LoggerCounters counters,
            Lifecycle lifecycle, int batchSize, int fsyncEvery, long fsyncIntervalNanos) {
        this.handoff = handoff;
        this.converter = converter;
        this.spool = spool;
        this.direct = direct;
        this.counters = counters;
        this.lifecycle = lifecycle;
        this.batchSize = batchSize;
        this.fsyncEvery = fsyncEvery;
        this.fsyncIntervalNanos = fsyncIntervalNanos;
    }

    private volatile Thread syncer;
    private volatile boolean syncerStop;

    /**
     * The group fsync, on its own thread: an fsync can take a hundred milliseconds while the
     * database writes to the same disk (measured), and appends, so acknowledgements, must not wait
     * for it. Runs every {@code fsyncEvery} records or {@code fsyncInterval}, whichever first.
     */
    public Runnable syncer() {
        return () -> {
            syncer = Thread.currentThread();
            while (!syncerStop) {
                LockSupport.parkNanos(this, Math.min(fsyncIntervalNanos, 50_000_000L));
                try {
                    if (spool.groupSync().due(fsyncEvery, fsyncIntervalNanos)) spool.sync();
                } catch (RuntimeException e) {
                    counters.lastError = e.toString();
                    log.error("chatlog spool fsync failed", e);
                }
            }
        };
    }

    public void stopSyncer() {
        syncerStop = true;
        Thread t = syncer;
        if (t != null) LockSupport.unpark(t);
    }

    /** Held while taking from the queue and appending: whoever holds it keeps the queue's order in the spool. */
    private final ReentrantLock turn = new ReentrantLock();
    private volatile Thread parked;
    public static final long LINGER_NANOS = 1_000_000L;

    /** Wakes the spooler thread if it sleeps (called after every offer). */
    public void wake() {
        Thread t = parked;
        if (t != null) LockSupport.unpark(t);
    }

    @Override
    public void run() {
        long idleNanos = Math.min(fsyncIntervalNanos, 200_000_000L);
        while (true) {
            if (handoff.isEmpty()) {
                parked = Thread.currentThread();
                if (handoff.isEmpty() && !lifecycle.closing()) LockSupport.parkNanos(this, idleNanos);
                parked = null;
                // Woken by a record: let a few more come (no one wakes this thread meanwhile). Each
                // wake-up costs the logging thread a system call and, on busy cores, its place on the
                // core; a waiter in awaitDurable does not wait for this, it spools itself.
                if (!lifecycle.closing()) LockSupport.parkNanos(this, LINGER_NANOS);
            }
            turn.lock();
            try {
                spoolQueued();
            } catch (RuntimeException | Error e) { // a bug must not kill the stage
                counters.lastError = e.toString();
                log.error("chatlog spooler error", e);
            } finally {
                turn.unlock();
            }
            if (lifecycle.closing() && (handoff.isEmpty() || lifecycle.pastCloseDeadline())) {
                turn.lock();
                try {
                    spool.sync();
                } finally {
                    turn.unlock();
                }
                return;
            }
        }
    }

    /**
     * Waits for a barrier, and meanwhile helps: a thread that waits for its records is running
     * anyway, so when the spooler thread is not at work (on two busy cores it may wait tens of
     * milliseconds for a core) the waiter spools what is queued itself, in order, under the same
     * lock. Only threads that chose to wait ({@code awaitDurable}) ever do this work.
     */
    public boolean awaitHelping(Handoff.Barrier barrier, long deadline) throws InterruptedException {
        while (true) {
            if (barrier.released()) return barrier.kept(); // one read: it may be released between two
            long left = deadline - System.nanoTime();
            if (left <= 0) return false;
            if (turn.tryLock()) {
                try {
                    if (!barrier.released()) spoolQueued();
                } catch (RuntimeException | Error e) {
                    counters.lastError = e.toString();
                    log.error("chatlog spooler error", e);
                } finally {
                    turn.unlock();
                }
                wake(); // whatever came after is the spooler thread's
            } else if (barrier.await(Math.min(left, 1_000_000L))) {
                return true;
            }
        }
    }

    /** Takes what is queued (up to a batch, not waiting), appends it, releases the barriers taken with it (holding {@link #turn}). */
    private void spoolQueued() {
        List<Handoff.Item> drained = new ArrayList<>();
        handoff.drain(drained, batchSize);
        if (drained.isEmpty()) return;
        List<Handoff.Entry> entries = new ArrayList<>(drained.size());
        List<Handoff.Barrier> barriers = new ArrayList<>();
        for (Handoff.Item o : drained) { // nothing here can throw: every barrier taken is released below
            if (o instanceof Handoff.Barrier b) barriers.add(b);
            else if (o instanceof Handoff.Entry e) entries.add(e);
        }
        boolean kept = true;
        try {
            if (!entries.isEmpty()) {
                kept = append(entries);
            }
        } catch (RuntimeException | Error e) {
            kept = false;
            throw e;
        } finally {
            for (Handoff.Barrier b : barriers) b.release(kept);
            lifecycle.progressed();
        }
    }

    private boolean append(List<Handoff.Entry> entries) {
        List<PipelineRecord> records = converter.convert(entries);
        List<byte[]> frames = new ArrayList<>(records.size());
        for (PipelineRecord r : records) frames.add(RecordCodec.encode(r));
        int appended;
        try {
            appended = spool.append(frames);
        } catch (RuntimeException diskFailure) {
            counters.lastError = diskFailure.toString();
            log.error("chatlog spool write failed; writing this batch directly to the store", diskFailure);
            return direct.write(RecordConverter.batchOf(records), false);
        }
        if (spool.groupSync().unsynced() >= fsyncEvery) {
            Thread t = syncer;
            if (t != null) LockSupport.unpark(t);
        }
        long now = System.nanoTime();
        int spooled = countRecords(records.subList(0, appended));
        counters.spooled.addAndGet(spooled);
        for (Handoff.Entry e : entries) {
            if (!(e instanceof Handoff.TurnEntry)) counters.handoff(now - e.acceptedNanos());
        }
        if (appended < frames.size()) {
            int lost = countRecords(records.subList(appended, records.size()));
            counters.lost(lost); // first: whoever sees the overflow counted sees the loss too
            counters.spoolOverflow.addAndGet(lost);
            log.error("chatlog spool is full ({} bytes, cap reached): {} record(s) lost so far; the database is not keeping up or is down",
                    spool.bytesOnDisk(), counters.spoolOverflow.get());
            return false;
        }
        return true;
    }

    /** Records, not markers. */
    private static int countRecords(List<PipelineRecord> records) {
        int n = 0;
        for (PipelineRecord r : records) {
            if (!(r instanceof RecordCodec.TurnOpened)) n++;
        }
        return n;
    }
}
