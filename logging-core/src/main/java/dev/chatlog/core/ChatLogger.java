package dev.chatlog.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The non-blocking front of chatlog. Callers {@code offer} records onto a bounded queue and return
 * at once; one daemon writer thread drains the queue in batches, enriches the records (token
 * estimates, prices, truncation) and writes them through a {@link ChatLogSink}.
 *
 * <p>Nothing here throws at the caller once built. Queue full: the record is dropped and counted
 * in {@link LoggerStats#dropped()} (policy "drop newest"). Sink failures that may pass are retried
 * with exponential backoff for as long as the logger is open, so records survive a database outage
 * while they fit in memory; failures that will not pass are narrowed down to the single bad record,
 * which is rejected and counted.
 */
public final class ChatLogger implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ChatLogger.class);

    private final ChatLogSink sink;
    private final BlockingQueue<Object> queue;
    private final int batchSize;
    private final long flushIntervalNanos;
    private final Duration maxBackoff;
    private final Duration closeTimeout;
    private final CallEnricher enricher;
    private final Thread worker;
    private final DiskSpool spool;
    private final Thread shipper;
    private final int fsyncEvery;
    private final long fsyncIntervalNanos;
    private final AtomicLong handled = new AtomicLong();
    private final AtomicLong spooled = new AtomicLong();
    private final AtomicLong spoolOverflow = new AtomicLong();
    private volatile boolean shipperStop;

    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong lost = new AtomicLong();
    private final AtomicLong failedWrites = new AtomicLong();
    private final AtomicLong resolveFailures = new AtomicLong();
    private volatile String lastError;
    private volatile boolean closing;
    private volatile long flushRequestedUntil;
    private volatile long closeDeadlineNanos = Long.MAX_VALUE;
    private final Object progress = new Object();

    private ChatLogger(Builder b) {
        this.sink = b.sink;
        this.queue = new ArrayBlockingQueue<>(b.queueCapacity);
        this.batchSize = b.batchSize;
        this.flushIntervalNanos = b.flushInterval.toNanos();
        this.maxBackoff = b.maxBackoff;
        this.closeTimeout = b.closeTimeout;
        this.enricher = new CallEnricher(b.prices, b.tokens, b.maxTextLength, b.masker);
        this.fsyncEvery = b.fsyncEvery;
        this.fsyncIntervalNanos = b.fsyncInterval.toNanos();
        this.spool = b.spoolDir == null ? null : new DiskSpool(b.spoolDir, b.spoolMaxBytes, b.spoolSegmentBytes);
        this.worker = new Thread(this::runWorker, "chatlog-writer");
        this.worker.setDaemon(true);
        this.worker.start();
        if (spool != null) {
            this.shipper = new Thread(this::runShipper, "chatlog-shipper");
            this.shipper.setDaemon(true);
            this.shipper.start();
        } else {
            this.shipper = null;
        }
    }

    public static Builder builder(ChatLogSink sink) {
        return new Builder(sink);
    }

    /** Records a finished LLM call. Never blocks, never throws. */
    public void logCall(LlmCall call) {
        offer(call);
    }

    /**
     * Records a call whose conversion is deferred to the writer thread: the caller captures
     * references, the writer renders text and counts tokens. A supplier that throws is counted
     * in {@link LoggerStats#resolveFailures()}.
     */
    public void logCall(Supplier<LlmCall> deferred) {
        offer(new Deferred(deferred));
    }

    /** Records a chat turn. Never blocks, never throws. */
    public void logMessage(ConversationMessage message) {
        offer(message);
    }

    /**
     * Opens a chat turn: LLM calls made on this thread until the returned turn is closed are
     * attributed to it, and closing it logs the message row.
     */
    public MessageTurn beginMessage(String conversationId, String userInput) {
        return new MessageTurn(this, conversationId, userInput);
    }

    /**
     * Opens an agent step (an {@code agent} row) under the current context; calls made on this
     * thread until it closes are its children. Nestable.
     */
    public StepScope beginAgent(String name) {
        return new StepScope(this, CallType.AGENT, name, null);
    }

    /** Opens a tool step (a {@code tool} row) under the current context. */
    public StepScope beginTool(String name, String arguments) {
        return new StepScope(this, CallType.TOOL, name, arguments);
    }

    private void offer(Object record) {
        if (record == null) {
            return;
        }
        if (closing) {
            dropped.incrementAndGet();
            return;
        }
        if (queue.offer(record)) {
            accepted.incrementAndGet();
        } else {
            long n = dropped.incrementAndGet();
            if (Long.bitCount(n) == 1) { // 1, 2, 4, 8 ...: loud but not a log flood
                log.warn("chatlog queue full ({} records): {} record(s) dropped so far", queue.size(), n);
            }
        }
    }

    /** Waits until everything accepted before this call is written or given up on. */
    public boolean flush(Duration timeout) {
        long target = accepted.get();
        long deadline = System.nanoTime() + timeout.toNanos();
        flushRequestedUntil = deadline;
        synchronized (progress) {
            progress.notifyAll();
        }
        try {
            synchronized (progress) {
                if (spool == null) {
                    while (done() < target) {
                        if (!waitProgress(deadline)) return false;
                    }
                    return true;
                }
                while (handled.get() < target) { // the writer has spooled (or given up on) everything asked for
                    if (!waitProgress(deadline)) return false;
                }
                DiskSpool.Position end = spool.appendPosition();
                while (spool.committed().compareTo(end) < 0) { // and the shipper has put it in the database
                    if (!waitProgress(deadline)) return false;
                }
                return true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private boolean waitProgress(long deadline) throws InterruptedException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            return false;
        }
        TimeUnit.NANOSECONDS.timedWait(progress, Math.min(left, 50_000_000L));
        return true;
    }

    private long done() {
        return written.get() + rejected.get() + lost.get();
    }

    /** Stops accepting, writes what is queued (waiting at most the close timeout), stops the writer. */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        closeDeadlineNanos = System.nanoTime() + closeTimeout.toNanos();
        flush(closeTimeout);
        if (spool == null) {
            // wakes a backoff sleep; never done with a spool: interrupting a thread inside
            // FileChannel I/O closes the channel (the writer polls every millisecond once closing)
            worker.interrupt();
        }
        try {
            worker.join(Math.max(1000, closeTimeout.toMillis()));
            if (spool != null) {
                shipperStop = true;
                shipper.interrupt();
                shipper.join(Math.max(1000, closeTimeout.toMillis()));
                spool.close();
                long pending = spool.pendingBytes();
                if (pending > 0) {
                    log.warn("chatlog closed with {} bytes of records still in the spool {}: they are written at the next start",
                            pending, "(database unreachable)");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long stillQueued = queue.size();
        if (stillQueued > 0) {
            queue.clear();
            lost.addAndGet(stillQueued);
        }
        if (lost.get() > 0) {
            log.error("chatlog closed with {} record(s) not written (last error: {})", lost.get(), lastError);
        }
    }

    public LoggerStats stats() {
        return new LoggerStats(accepted.get(), written.get(), dropped.get(), rejected.get(), lost.get(),
                failedWrites.get(), resolveFailures.get(), queue.size(), lastError, spooled.get(), spoolOverflow.get(),
                spool == null ? 0 : spool.pendingBytes(), spool == null ? 0 : spool.synced(),
                spool == null ? 0 : spool.corruptFrames());
    }

    // ---------------------------------------------------------------- writer thread

    private void runWorker() {
        List<Object> drained = new ArrayList<>(batchSize);
        while (true) {
            drained.clear();
            boolean interrupted = gather(drained);
            try {
                if (!drained.isEmpty()) {
                    Batch batch = toBatch(drained);
                    if (spool == null) {
                        writeWithRetry(batch, false);
                    } else {
                        spoolBatch(batch);
                    }
                    handled.addAndGet(drained.size());
                }
                if (spool != null) {
                    spool.maybeSync(fsyncEvery, fsyncIntervalNanos);
                }
            } catch (RuntimeException | Error e) { // a bug must not kill the writer
                lastError = e.toString();
                log.error("chatlog writer error", e);
            } finally {
                synchronized (progress) {
                    progress.notifyAll();
                }
            }
            if ((interrupted || closing) && (queue.isEmpty() || System.nanoTime() > closeDeadlineNanos)) {
                if (spool != null) {
                    spool.sync();
                }
                return;
            }
        }
    }

    /** Takes up to one batch from the queue, lingering briefly for a fuller batch. */
    private boolean gather(List<Object> drained) {
        try {
            Object first = queue.poll(pollNanos(), TimeUnit.NANOSECONDS);
            if (first == null) {
                return false;
            }
            drained.add(first);
            long lingerUntil = System.nanoTime() + flushIntervalNanos;
            while (drained.size() < batchSize) {
                if (queue.drainTo(drained, batchSize - drained.size()) == 0) {
                    long left = lingerUntil - System.nanoTime();
                    if (left <= 0 || flushWanted()) {
                        break;
                    }
                    Object next = queue.poll(Math.min(left, 2_000_000L), TimeUnit.NANOSECONDS);
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

    private long pollNanos() {
        return flushWanted() || closing ? 1_000_000L : 200_000_000L;
    }

    private boolean flushWanted() {
        return closing || System.nanoTime() < flushRequestedUntil;
    }

    private Batch toBatch(List<Object> drained) {
        List<LlmCall> calls = new ArrayList<>();
        List<ConversationMessage> messages = new ArrayList<>();
        for (Object o : drained) {
            try {
                if (o instanceof Deferred d) {
                    calls.add(enricher.enrich(Objects.requireNonNull(d.supplier.get(), "deferred call")));
                } else if (o instanceof LlmCall c) {
                    calls.add(enricher.enrich(c));
                } else if (o instanceof ConversationMessage m) {
                    messages.add(enricher.enrich(m));
                }
            } catch (RuntimeException e) {
                resolveFailures.incrementAndGet();
                rejected.incrementAndGet();
                lastError = e.toString();
                log.warn("chatlog could not convert a record; it is rejected", e);
            }
        }
        return new Batch(calls, messages);
    }

    /** Appends a batch to the spool; past the disk cap it is lost, loudly; a failing disk falls back to direct writes. */
    private void spoolBatch(Batch batch) {
        List<byte[]> records = new ArrayList<>(batch.size());
        for (LlmCall c : batch.calls()) records.add(RecordCodec.encode(c));
        for (ConversationMessage m : batch.messages()) records.add(RecordCodec.encode(m));
        boolean appended;
        try {
            appended = spool.append(records);
        } catch (RuntimeException diskFailure) {
            lastError = diskFailure.toString();
            log.error("chatlog spool write failed; writing this batch directly to the store", diskFailure);
            writeWithRetry(batch, false);
            return;
        }
        if (appended) {
            spooled.addAndGet(records.size());
            synchronized (progress) {
                progress.notifyAll();
            }
        } else {
            long n = spoolOverflow.addAndGet(records.size());
            lost.addAndGet(records.size());
            log.error("chatlog spool is full ({} bytes, cap reached): {} record(s) lost so far; the database is not keeping up or is down",
                    spool.bytesOnDisk(), n);
        }
    }

    /** The shipper: spool to store, in order, committing the checkpoint after each stored batch. */
    private void runShipper() {
        while (true) {
            DiskSpool.Chunk chunk;
            try {
                chunk = spool.read(batchSize, 100);
            } catch (InterruptedException e) {
                if (shipperStop) return;
                continue;
            } catch (RuntimeException e) {
                lastError = e.toString();
                log.error("chatlog spool read failed", e);
                if (shipperStop) return;
                sleepQuietly(500);
                continue;
            }
            if (chunk.records().isEmpty()) {
                if (shipperStop) return;
                continue;
            }
            List<LlmCall> calls = new ArrayList<>();
            List<ConversationMessage> messages = new ArrayList<>();
            for (byte[] r : chunk.records()) {
                try {
                    Object o = RecordCodec.decode(r);
                    if (o instanceof LlmCall c) calls.add(c);
                    else if (o instanceof ConversationMessage m) messages.add(m);
                } catch (RuntimeException e) {
                    rejected.incrementAndGet();
                    log.error("chatlog could not decode a spooled record; it is skipped", e);
                }
            }
            if (!writeWithRetry(new Batch(calls, messages), true)) {
                return; // closing and the store is unreachable: the records stay in the spool for the next start
            }
            spool.commit(chunk.end());
            synchronized (progress) {
                progress.notifyAll();
            }
        }
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Writes until stored (or the bad records isolated and rejected). Gives up only when closing
     * and past the close deadline: then a durable (spooled) batch stays on disk, a memory-only
     * batch is counted lost. Returns whether the batch was dealt with.
     */
    private boolean writeWithRetry(Batch batch, boolean durable) {
        if (batch.size() == 0) {
            return true;
        }
        long backoffMs = 50;
        while (true) {
            try {
                sink.write(batch);
                written.addAndGet(batch.size());
                return true;
            } catch (Exception e) {
                failedWrites.incrementAndGet();
                lastError = e.toString();
                boolean retryable;
                try {
                    retryable = sink.isRetryable(e);
                } catch (RuntimeException classifyFailure) {
                    retryable = true;
                }
                if (!retryable) {
                    return isolate(batch, e, durable);
                }
                if (closing && System.nanoTime() > closeDeadlineNanos) {
                    if (!durable) lost.addAndGet(batch.size());
                    return false;
                }
                if (failedWrites.get() % 20 == 1) {
                    log.warn("chatlog write of {} record(s) failed, retrying in {} ms: {}", batch.size(), backoffMs, e.toString());
                }
                try {
                    Thread.sleep(backoffMs);
                } catch (InterruptedException ie) {
                    if (closing && System.nanoTime() > closeDeadlineNanos) {
                        if (!durable) lost.addAndGet(batch.size());
                        return false;
                    }
                }
                backoffMs = Math.min(backoffMs * 2, maxBackoff.toMillis());
            }
        }
    }

    private boolean isolate(Batch batch, Exception cause, boolean durable) {
        if (batch.size() == 1) {
            long n = rejected.incrementAndGet();
            if (Long.bitCount(n) == 1) {
                log.error("chatlog rejected a record the store refuses ({} so far): {}", n, cause.toString());
            }
            return true;
        }
        boolean all = true;
        for (LlmCall c : batch.calls()) {
            all &= writeWithRetry(new Batch(List.of(c), List.of()), durable);
        }
        for (ConversationMessage m : batch.messages()) {
            all &= writeWithRetry(new Batch(List.of(), List.of(m)), durable);
        }
        return all;
    }

    private record Deferred(Supplier<LlmCall> supplier) {}

    /** Configuration, checked when {@link #build()} runs. */
    public static final class Builder {
        private final ChatLogSink sink;
        private int queueCapacity = 65_536;
        private int batchSize = 2000;
        private Duration flushInterval = Duration.ofMillis(50);
        private Duration maxBackoff = Duration.ofSeconds(5);
        private Duration closeTimeout = Duration.ofSeconds(10);
        private PriceCatalog prices;
        private TokenCounter tokens;
        private int maxTextLength = 1_000;
        private Masker masker = Masker.defaults();
        private java.nio.file.Path spoolDir;
        private long spoolMaxBytes = 1L << 30;
        private long spoolSegmentBytes = 64L << 20;
        private int fsyncEvery = 100;
        private Duration fsyncInterval = Duration.ofMillis(200);

        private Builder(ChatLogSink sink) {
            this.sink = Objects.requireNonNull(sink, "sink");
        }

        public Builder queueCapacity(int v) { queueCapacity = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder flushInterval(Duration v) { flushInterval = v; return this; }
        public Builder maxBackoff(Duration v) { maxBackoff = v; return this; }
        public Builder closeTimeout(Duration v) { closeTimeout = v; return this; }
        public Builder prices(PriceCatalog v) { prices = v; return this; }
        public Builder tokenCounter(TokenCounter v) { tokens = v; return this; }
        /** Longest text stored per field; longer text is cut and marked. */
        public Builder maxTextLength(int v) { maxTextLength = v; return this; }

        /**
         * Makes the logger durable: every record goes through an append-only spool in {@code dir}
         * before the store, survives a database outage and a crash (up to the last fsync), and is
         * replayed at the next start. Without it records wait in memory only.
         */
        public Builder spool(java.nio.file.Path dir) { spoolDir = dir; return this; }
        /** What is removed from text before it is stored (default: secrets and personal data); {@link Masker#NONE} keeps all. */
        public Builder masker(Masker v) { masker = java.util.Objects.requireNonNull(v); return this; }
        /** Most bytes the spool may hold (default 1 GiB); past it new records are lost and counted. */
        public Builder spoolMaxBytes(long v) { spoolMaxBytes = v; return this; }
        public Builder spoolSegmentBytes(long v) { spoolSegmentBytes = v; return this; }
        /** Group fsync: after this many records (default 100) ... */
        public Builder fsyncEvery(int v) { fsyncEvery = v; return this; }
        /** ... or after this long (default 200 ms), whichever comes first. */
        public Builder fsyncInterval(Duration v) { fsyncInterval = v; return this; }

        public ChatLogger build() {
            if (queueCapacity < 1) throw new IllegalArgumentException("queueCapacity must be >= 1");
            if (batchSize < 1) throw new IllegalArgumentException("batchSize must be >= 1");
            if (maxTextLength < 16) throw new IllegalArgumentException("maxTextLength must be >= 16");
            if (flushInterval.isNegative() || maxBackoff.isNegative() || closeTimeout.isNegative()) {
                throw new IllegalArgumentException("durations must not be negative");
            }
            if (spoolDir != null && (spoolMaxBytes < 1 << 20 || spoolSegmentBytes < 1 << 16 || fsyncEvery < 1)) {
                throw new IllegalArgumentException("spool needs at least 1 MiB, segments of at least 64 KiB and fsyncEvery >= 1");
            }
            if (prices == null) prices = PriceCatalog.bundled();
            if (tokens == null) tokens = TokenCounter.shared();
            return new ChatLogger(this);
        }
    }
}
