package dev.chatlog.core.internal;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stage without a spool: takes batches from the hand-off queue (lingering up to the flush
 * interval for a fuller batch, unless someone waits on a barrier), converts them and writes them
 * to the store, retrying while the store is down; records wait in memory only.
 */
public final class MemoryWriter implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(MemoryWriter.class);

    private final Handoff handoff;
    private final RecordConverter converter;
    private final StoreWriter store;
    private final LoggerCounters counters;
    private final Lifecycle lifecycle;
    private final int batchSize;
    private final long lingerNanos;

    public MemoryWriter(Handoff handoff, RecordConverter converter, StoreWriter store, LoggerCounters counters, Lifecycle lifecycle,
                 int batchSize, long lingerNanos) {
        this.handoff = handoff;
        this.converter = converter;
        this.store = store;
        this.counters = counters;
        this.lifecycle = lifecycle;
        this.batchSize = batchSize;
        this.lingerNanos = lingerNanos;
    }

    @Override
    public void run() {
        List<Handoff.Item> drained = new ArrayList<>(batchSize);
        while (true) {
            drained.clear();
            boolean interrupted = gather(drained);
            List<Handoff.Entry> entries = new ArrayList<>(drained.size());
            List<Handoff.Barrier> barriers = new ArrayList<>();
            boolean kept = true;
            try {
                for (Handoff.Item o : drained) {
                    if (o instanceof Handoff.Barrier b) barriers.add(b);
                    else if (o instanceof Handoff.Entry e) entries.add(e);
                }
                if (!entries.isEmpty()) {
                    kept = store.write(RecordConverter.batchOf(converter.convert(entries)), false);
                    long now = System.nanoTime();
                    for (Handoff.Entry e : entries) counters.handoff(now - e.acceptedNanos());
                }
            } catch (RuntimeException | Error e) { // a bug must not kill the writer
                counters.lastError = e.toString();
                log.error("chatlog writer error", e);
                kept = false;
            } finally {
                for (Handoff.Barrier b : barriers) b.release(kept);
                lifecycle.progressed();
            }
            if ((interrupted || lifecycle.closing()) && (handoff.isEmpty() || lifecycle.pastCloseDeadline())) {
                return;
            }
        }
    }

    /** Takes up to one batch, lingering briefly for a fuller one; a barrier ends the lingering. */
    private boolean gather(List<Handoff.Item> drained) {
        try {
            Handoff.Item first = handoff.poll(lifecycle.closing() ? 1_000_000L : 200_000_000L);
            if (first == null) {
                return false;
            }
            drained.add(first);
            long lingerUntil = System.nanoTime() + lingerNanos;
            int seen = 0;
            while (drained.size() < batchSize) {
                boolean waitedOn = false;
                for (; seen < drained.size(); seen++) waitedOn |= drained.get(seen) instanceof Handoff.Barrier;
                if (waitedOn) break;
                if (handoff.drain(drained, batchSize - drained.size()) == 0) {
                    long left = lingerUntil - System.nanoTime();
                    if (left <= 0 || lifecycle.closing()) {
                        break;
                    }
                    Handoff.Item next = handoff.poll(Math.min(left, 2_000_000L));
                    if (next != null) {
                        drained.add(next);
                    }
                }
            }
            return false;
        } catch (InterruptedException e) {
            return true;
        }
    }
}
