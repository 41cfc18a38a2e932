package dev.chatlog.core;

import java.util.ArrayList;
import java.util.List;
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
final class Spooler implements Runnable {
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

    Spooler(Handoff handoff, RecordConverter converter, DiskSpool spool, StoreWriter direct, LoggerCounters counters,
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

    @Override
    public void run() {
        List<Object> drained = new ArrayList<>(batchSize);
        List<Handoff.Entry> entries = new ArrayList<>(batchSize);
        List<Handoff.Barrier> barriers = new ArrayList<>();
        while (true) {
            drained.clear();
            entries.clear();
            barriers.clear();
            try {
                handoff.take(drained, batchSize, lifecycle.closing() ? 1_000_000L : Math.min(fsyncIntervalNanos, 200_000_000L));
            } catch (InterruptedException e) {
                // close() never interrupts this thread (an interrupt inside FileChannel I/O closes the channel)
            }
            boolean kept = true;
            try {
                for (Object o : drained) {
                    if (o instanceof Handoff.Barrier b) barriers.add(b);
                    else entries.add((Handoff.Entry) o);
                }
                if (!entries.isEmpty()) {
                    kept = append(entries);
                }
                spool.maybeSync(fsyncEvery, fsyncIntervalNanos);
            } catch (RuntimeException | Error e) { // a bug must not kill the stage
                counters.lastError = e.toString();
                log.error("chatlog spooler error", e);
                kept = false;
            } finally {
                for (Handoff.Barrier b : barriers) b.release(kept);
                lifecycle.progressed();
            }
            if (lifecycle.closing() && (handoff.isEmpty() || lifecycle.pastCloseDeadline())) {
                spool.sync();
                return;
            }
        }
    }

    private boolean append(List<Handoff.Entry> entries) {
        List<Object> records = converter.convert(entries);
        List<byte[]> frames = new ArrayList<>(records.size());
        int markers = 0;
        for (Object r : records) {
            frames.add(RecordCodec.encode(r));
            if (r instanceof RecordCodec.TurnOpened) markers++;
        }
        int count = frames.size() - markers;
        boolean appended;
        try {
            appended = spool.append(frames);
        } catch (RuntimeException diskFailure) {
            counters.lastError = diskFailure.toString();
            log.error("chatlog spool write failed; writing this batch directly to the store", diskFailure);
            return direct.write(RecordConverter.batchOf(records), false);
        }
        if (!appended) {
            counters.lost(count); // first: whoever sees the overflow counted sees the loss too
            counters.spoolOverflow.addAndGet(count);
            log.error("chatlog spool is full ({} bytes, cap reached): {} record(s) lost so far; the database is not keeping up or is down",
                    spool.bytesOnDisk(), counters.spoolOverflow.get());
            return false;
        }
        counters.spooled.addAndGet(count);
        long now = System.nanoTime();
        for (Handoff.Entry e : entries) {
            if (!(e.record() instanceof RecordCodec.TurnOpened)) counters.handoff(now - e.acceptedNanos());
        }
        return true;
    }
}
