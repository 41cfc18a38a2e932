package dev.chatlog.core.internal;

import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.LlmCall;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The caller-facing side of a {@link ChatLogger}: a bounded in-memory queue that one stage thread
 * (the spooler, or the writer without a spool) drains in order. {@link #offer} never blocks and
 * never throws; a full queue drops the record and counts it. {@link #barrier} is how a caller
 * waits for what it logged: a marker queued behind its records, released once the stage has made
 * everything before it durable.
 */
public final class Handoff {
    private static final Logger log = LoggerFactory.getLogger(Handoff.class);

    /** What the queue holds: an entry, or a barrier a caller waits on. */
    public sealed interface Item permits Entry, Barrier {}

    /** A record or marker as queued, with when it was accepted. */
    public sealed interface Entry extends Item permits CallEntry, MessageEntry, DeferredEntry, TurnEntry, ScoreEntry {
        long acceptedNanos();
    }

    /** A call, converted on the stage thread. */
    public record CallEntry(LlmCall call, long acceptedNanos) implements Entry {}

    /** A chat turn's message row. */
    public record MessageEntry(ConversationMessage message, long acceptedNanos) implements Entry {}

    /** A call whose making is deferred to the stage thread (the caller captured references only). */
    public record DeferredEntry(Supplier<LlmCall> supplier, long acceptedNanos) implements Entry {}

    /** A score on a call, a message or a conversation. */
    public record ScoreEntry(dev.chatlog.core.score.Score score, long acceptedNanos) implements Entry {}

    /** The marker of an opened turn (not counted as a record). */
    public record TurnEntry(RecordCodec.TurnOpened turn, long acceptedNanos) implements Entry {}

    /** Released when everything queued before it is durable; {@code ok} false if some of it was lost. */
    public static final class Barrier implements Item {
        private final CountDownLatch done = new CountDownLatch(1);
        private volatile boolean ok = true;

        void release(boolean allKept) {
            if (!allKept) ok = false;
            done.countDown();
        }

        public boolean await(long nanos) throws InterruptedException {
            return done.await(nanos, TimeUnit.NANOSECONDS) && ok;
        }

        boolean released() {
            return done.getCount() == 0;
        }

        /** Whether everything before it was kept (meaningful once released). */
        boolean kept() {
            return ok;
        }
    }

    private final BlockingQueue<Item> queue;
    private final LoggerCounters counters;
    private volatile boolean closing;
    private volatile Runnable onOffer = () -> { };

    /** Called after every successful offer (the spooler's wake-up). */
    public void onOffer(Runnable r) {
        onOffer = r;
    }

    public Handoff(int capacity, LoggerCounters counters) {
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.counters = counters;
    }

    /** Queues a call; a full queue (or a closing logger) drops and counts it. Never blocks. */
    public void offer(LlmCall call) {
        if (call != null) offer(new CallEntry(call, System.nanoTime()));
    }

    /** Queues a message row, as {@link #offer(LlmCall)}. */
    public void offer(ConversationMessage message) {
        if (message != null) offer(new MessageEntry(message, System.nanoTime()));
    }

    /** Queues a score, as {@link #offer(LlmCall)}. */
    public void offer(dev.chatlog.core.score.Score score) {
        if (score != null) offer(new ScoreEntry(score, System.nanoTime()));
    }

    /** Queues a call made later on the stage thread, as {@link #offer(LlmCall)}. */
    public void offerDeferred(Supplier<LlmCall> supplier) {
        if (supplier != null) offer(new DeferredEntry(supplier, System.nanoTime()));
    }

    private void offer(Entry entry) {
        if (closing) {
            counters.dropped(1);
            return;
        }
        if (queue.offer(entry)) {
            counters.accepted.incrementAndGet();
            onOffer.run();
        } else {
            counters.dropped(1);
            long n = counters.dropped.get();
            if (Long.bitCount(n) == 1) { // 1, 2, 4, 8 ...: loud but not a log flood
                log.warn("chatlog queue full ({} records): {} record(s) dropped so far", queue.size(), n);
            }
        }
    }

    /** Queues the marker of an opened turn (not counted as a record); skipped when the queue is full. */
    public void offerMarker(RecordCodec.TurnOpened turn) {
        if (!closing && queue.offer(new TurnEntry(turn, System.nanoTime()))) onOffer.run();
    }

    /** Queues a barrier behind everything offered so far, waiting up to {@code nanos} for room; null if there was none. */
    public Barrier barrier(long nanos) throws InterruptedException {
        Barrier b = new Barrier();
        if (!queue.offer(b, nanos, TimeUnit.NANOSECONDS)) return null;
        onOffer.run();
        return b;
    }

    /** Takes what is there without waiting. */
    public int drain(List<Item> into, int max) {
        return queue.drainTo(into, max);
    }

    public Item poll(long nanos) throws InterruptedException {
        return queue.poll(nanos, TimeUnit.NANOSECONDS);
    }

    public int depth() {
        return queue.size();
    }

    public boolean isEmpty() {
        return queue.isEmpty();
    }

    public void close() {
        closing = true;
    }

    public boolean closing() {
        return closing;
    }

    /** Empties the queue at the end of close(); returns how many records (not markers) it held. */
    public long clear() {
        List<Item> rest = new java.util.ArrayList<>();
        queue.drainTo(rest);
        long records = 0;
        for (Item o : rest) {
            if (o instanceof Barrier b) b.release(false);
            else if (!(o instanceof TurnEntry)) records++;
        }
        return records;
    }
}
