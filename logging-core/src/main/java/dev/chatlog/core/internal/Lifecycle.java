package dev.chatlog.core.internal;

import java.util.concurrent.TimeUnit;

/** Whether a {@link ChatLogger} is closing and until when it may take, and the monitor its stages signal progress on. */
public final class Lifecycle {
    private volatile boolean closing;
    private volatile long closeDeadlineNanos = Long.MAX_VALUE;
    private final Object progress = new Object();

    public void close(long timeoutNanos) {
        closeDeadlineNanos = System.nanoTime() + timeoutNanos;
        closing = true;
    }

    public boolean closing() {
        return closing;
    }

    public boolean pastCloseDeadline() {
        return closing && System.nanoTime() > closeDeadlineNanos;
    }

    /** Wakes whoever waits for progress (flush, close). */
    public void progressed() {
        synchronized (progress) {
            progress.notifyAll();
        }
    }

    /** Waits for progress until {@code deadline} (nanoTime), 50 ms at a time; false once past it. */
    public boolean awaitProgress(long deadline) throws InterruptedException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            return false;
        }
        synchronized (progress) {
            TimeUnit.NANOSECONDS.timedWait(progress, Math.min(left, 50_000_000L));
        }
        return true;
    }
}
