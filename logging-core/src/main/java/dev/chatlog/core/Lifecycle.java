package dev.chatlog.core;

import java.util.concurrent.TimeUnit;

/** Whether a {@link ChatLogger} is closing and until when it may take, and the monitor its stages signal progress on. */
final class Lifecycle {
    private volatile boolean closing;
    private volatile long closeDeadlineNanos = Long.MAX_VALUE;
    private final Object progress = new Object();

    void close(long timeoutNanos) {
        closeDeadlineNanos = System.nanoTime() + timeoutNanos;
        closing = true;
    }

    boolean closing() {
        return closing;
    }

    boolean pastCloseDeadline() {
        return closing && System.nanoTime() > closeDeadlineNanos;
    }

    /** Wakes whoever waits for progress (flush, close). */
    void progressed() {
        synchronized (progress) {
            progress.notifyAll();
        }
    }

    /** Waits for progress until {@code deadline} (nanoTime), 50 ms at a time; false once past it. */
    boolean awaitProgress(long deadline) throws InterruptedException {
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
