package dev.chatlog.core.internal.spool;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Group fsync of the spool's write channel: appends count here, an fsync thread forces the channel
 * after {@code every} records or an interval, and counts what it made durable. Appends never wait
 * for an fsync; a rotation to the next segment holds {@link #lock} like an fsync does.
 */
public final class GroupSync {
    /** Held by an fsync and by a rotation. */
    final Object lock = new Object();
    private final AtomicLong unsynced = new AtomicLong();
    private final AtomicLong synced = new AtomicLong();
    private volatile long lastNanos = System.nanoTime();

    void appended(int records) {
        unsynced.addAndGet(records);
    }

    /** Records appended and not yet fsynced. */
    public long unsynced() {
        return unsynced.get();
    }

    /** Records known to be on disk (fsynced). */
    public long synced() {
        return synced.get();
    }

    /** Whether an fsync is due: {@code every} records, or {@code intervalNanos} since the last one. */
    public boolean due(int every, long intervalNanos) {
        long n = unsynced.get();
        return n > 0 && (n >= every || System.nanoTime() - lastNanos >= intervalNanos);
    }

    /** Forces {@code channel} if anything was appended since the last fsync; the caller holds {@link #lock}. */
    void force(FileChannel channel) throws IOException {
        long n = unsynced.get();
        if (n > 0) {
            channel.force(false);
            synced.addAndGet(n);
            unsynced.addAndGet(-n);
        }
        lastNanos = System.nanoTime();
    }
}
