package dev.chatlog.core;

import dev.chatlog.core.internal.CallEnricher;
import dev.chatlog.core.internal.DiskSpool;
import dev.chatlog.core.internal.SpoolStage;
import dev.chatlog.core.internal.Handoff;
import dev.chatlog.core.internal.Lifecycle;
import dev.chatlog.core.internal.LoggerCounters;
import dev.chatlog.core.internal.MemoryWriter;
import dev.chatlog.core.internal.ObservedSink;
import dev.chatlog.core.internal.RecordCodec;
import dev.chatlog.core.internal.RecordConverter;
import dev.chatlog.core.internal.SpoolShipper;
import dev.chatlog.core.internal.Spooler;
import dev.chatlog.core.internal.StoreWriter;
import dev.chatlog.core.internal.TurnSummaries;

import dev.chatlog.core.price.PriceCatalog;
import dev.chatlog.core.text.Masker;
import dev.chatlog.core.token.TokenCounter;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The non-blocking front of chatlog. Callers hand records to a bounded in-memory queue and return at
 * once ({@link Handoff}); behind it, with a spool (the durable mode, as the server runs):
 *
 * <ol>
 *   <li>the spooler thread ({@link Spooler}) takes what is queued, converts it (rendering, token
 *       estimates, prices, masking: {@link RecordConverter}, over several threads for large
 *       batches) and appends it to the spool ({@link DiskSpool}), at once and in order;</li>
 *   <li>the shipper thread ({@link SpoolShipper}) writes the spool to the {@link ChatLogSink} in
 *       batches, exactly once, and moves the checkpoint.</li>
 * </ol>
 *
 * When the database falls behind, records wait in the spool (bounded by its disk cap), not in
 * memory. {@link #awaitDurable} waits until what was logged before it is in the spool. Without a
 * spool, one writer thread ({@link MemoryWriter}) converts and writes batches, and records wait in
 * memory.
 *
 * <p>Nothing here throws at the caller once built. Queue full: the record is dropped and counted in
 * {@link LoggerStats#dropped()}. Sink failures that may pass are retried with exponential backoff
 * for as long as the logger is open; failures that will not pass are narrowed down to the single
 * bad record, which is rejected and counted ({@link StoreWriter}).
 */
public final class ChatLogger implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ChatLogger.class);

    private final LoggerCounters counters = new LoggerCounters();
    private final ObservedSink.Observers stored = new ObservedSink.Observers();
    private final Lifecycle lifecycle = new Lifecycle();
    private final Handoff handoff;
    private final RecordConverter converter;
    private final Duration closeTimeout;
    private final SpoolStage durable; // null without a spool
    private final Thread stage;
    private final Tracing tracing; // null when traces are off

    private ChatLogger(Builder b) {
        DiskSpool spool = b.spoolDir == null ? null : new DiskSpool(b.spoolDir, b.spoolMaxBytes, b.spoolSegmentBytes); // may refuse: first
        this.handoff = new Handoff(b.queueCapacity, counters);
        this.closeTimeout = b.closeTimeout;
        this.converter = new RecordConverter(new CallEnricher(b.prices, b.tokens, b.maxTextLength, b.masker), counters,
                b.converterThreads);
        if (b.turnSummaries) stored.add(new TurnSummaries());
        this.tracing = b.tracing;
        if (tracing != null) stored.add(tracing::export);
        StoreWriter store = new StoreWriter(new ObservedSink(b.sink, stored), counters, b.maxBackoff, lifecycle);
        if (spool != null) {
            this.durable = new SpoolStage(spool, handoff, converter, store, counters, lifecycle, b.batchSize, b.checkpointLag,
                    b.fsyncEvery, b.fsyncInterval);
            this.stage = durable.intake();
        } else {
            this.durable = null;
            this.stage = SpoolStage.daemon(new MemoryWriter(handoff, converter, store, counters, lifecycle, b.batchSize,
                    b.flushInterval.toNanos()), "chatlog-writer");
        }
    }

    /**
     * Calls {@code observer} with the records of every batch the store took that it stored for the
     * first time ({@link ChatLogSink#writeNew}), on the writer thread, once its write succeeded: a
     * record replayed from the spool after a crash is not seen again. An observer
     * that throws is logged and skipped: it never fails a write. Meters and the turn summaries use it.
     */
    public void onStored(java.util.function.Consumer<Batch> observer) {
        stored.add(java.util.Objects.requireNonNull(observer));
    }

    public static Builder builder(ChatLogSink sink) {
        return new Builder(sink);
    }

    /**
     * The current {@link ChatContext}; with traces on, in a trace: a record started here without an
     * enclosing chatlog record joins the application's current OpenTelemetry span (or a new trace).
     * Listeners read this when a call starts. With traces off it is {@link ChatContext#current()}.
     */
    public ChatContext context() {
        ChatContext c = ChatContext.current();
        if (tracing == null || c.trace() != null) return c;
        TraceParent t = tracing.join();
        return t == null ? c : c.withTrace(c.parentCallId() == null ? t : t.under(c.parentCallId()));
    }

    /** The span {@code span} made the application's current one until closed; nothing when traces are off. */
    ChatContext.Scope enterSpan(TraceParent span) {
        return tracing == null || span == null ? () -> { } : tracing.enter(span);
    }

    /** Records a finished LLM call. Never blocks, never throws. */
    public void logCall(LlmCall call) {
        handoff.offer(call);
    }

    /**
     * Records a call whose conversion is deferred to the logger's threads: the caller captures
     * references, the logger renders text and counts tokens. A supplier that throws is counted in
     * {@link LoggerStats#resolveFailures()}.
     */
    public void logCall(Supplier<LlmCall> deferred) {
        handoff.offer(deferred == null ? null : new Handoff.Deferred(deferred));
    }

    /** Records a chat turn. Never blocks, never throws. */
    public void logMessage(ConversationMessage message) {
        handoff.offer(message);
    }

    /**
     * Opens a chat turn: LLM calls made on this thread until the returned turn is closed are
     * attributed to it, and closing it logs the message row.
     */
    public MessageTurn beginMessage(String conversationId, String userInput) {
        return new MessageTurn(this, conversationId, userInput);
    }

    /** With a spool, marks a turn as open, so that it shows as incomplete if this process dies before it closes. */
    void turnOpened(String conversationId, String messageId, String userInput, Instant at) {
        if (durable != null) handoff.offerMarker(new RecordCodec.TurnOpened(conversationId, messageId, userInput, at));
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

    /**
     * A point in this logger's history, taken before a turn logs anything:
     * {@link #awaitDurable(Duration, Mark)} fails if any record offered after it was dropped or lost
     * before it was durable. Opaque; cheap (two counter reads).
     */
    public static final class Mark {
        private final long dropped;
        private final long unkept;

        private Mark(long dropped, long unkept) {
            this.dropped = dropped;
            this.unkept = unkept;
        }
    }

    /** The current {@link Mark}: take it before a turn's first record (a {@link MessageTurn} takes its own). */
    public Mark mark() {
        return new Mark(counters.droppedSeq.get(), counters.unkeptAfterQueue.get());
    }

    private final ThreadLocal<Mark> lastAwait = ThreadLocal.withInitial(() -> new Mark(0, 0));

    /**
     * {@link #awaitDurable(Duration, Mark)} since this thread's previous call of this method (the first
     * call: since the logger started).
     */
    public boolean awaitDurable(Duration timeout) {
        Mark since = lastAwait.get();
        lastAwait.set(mark());
        return awaitDurable(timeout, since);
    }

    /**
     * Waits until every record this logger accepted before the call is durable: appended to the
     * spool (it survives a crash of this process; {@code fsyncEvery}/{@code fsyncInterval} bound
     * what a power cut can take), or, without a spool, stored. This is the one method that blocks
     * on purpose (also for room in a full queue); it never throws.
     *
     * <p>True only if, in addition, no record offered since {@code since} was dropped (a full queue)
     * or lost before it was durable (the spool's cap, a record that could not be converted): so a
     * caller that took the mark before its turn knows every record of the turn is kept. The check
     * covers every record of the stretch, not only the caller's: under concurrent loss it may say
     * false for a turn that was kept (never true for one that was not). False also on timeout and
     * when the logger is closed.
     */
    public boolean awaitDurable(Duration timeout, Mark since) {
        Objects.requireNonNull(since, "since");
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            Handoff.Barrier b = handoff.closing() ? null : handoff.barrier(timeout.toNanos());
            if (b == null) return false;
            // a record of this turn dropped at the queue was dropped before the barrier was queued (the turn's
            // threads offered it first); a record lost behind the queue is counted before the barrier is released
            boolean noneDropped = counters.droppedSeq.get() == since.dropped;
            boolean kept = durable != null ? durable.awaitHelping(b, deadline) : b.await(Math.max(0, deadline - System.nanoTime()));
            return kept && noneDropped && counters.unkeptAfterQueue.get() == since.unkept;
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

    /** Stops accepting, writes what is queued (waiting at most the close timeout), stops the threads. */
    @Override
    public void close() {
        if (handoff.closing()) {
            return;
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
        if (tracing != null) tracing.close();
        if (counters.lost.get() > 0) {
            log.error("chatlog closed with {} record(s) not written (last error: {})", counters.lost.get(), counters.lastError);
        }
    }

    public LoggerStats stats() {
        return counters.snapshot(handoff.depth(), durable == null ? null : durable.spool(), durable == null ? 0 : durable.backlogMillis());
    }

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
        private Duration checkpointLag = Duration.ofSeconds(2);
        private int converterThreads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        private boolean turnSummaries;
        private Tracing tracing;

        private Builder(ChatLogSink sink) {
            this.sink = Objects.requireNonNull(sink, "sink");
        }

        public Builder queueCapacity(int v) { queueCapacity = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        /** Without a spool: how long the writer lingers for a fuller batch (default 50 ms). */
        public Builder flushInterval(Duration v) { flushInterval = v; return this; }
        public Builder maxBackoff(Duration v) { maxBackoff = v; return this; }
        public Builder closeTimeout(Duration v) { closeTimeout = v; return this; }
        public Builder prices(PriceCatalog v) { prices = v; return this; }
        public Builder tokenCounter(TokenCounter v) { tokens = v; return this; }
        /** Longest text stored per field; longer text is cut and marked. */
        public Builder maxTextLength(int v) { maxTextLength = v; return this; }

        /**
         * Makes the logger durable: every record goes through an append-only spool in {@code dir}
         * before the store, survives a database outage and a crash, and is replayed at the next
         * start. Without it records wait in memory only.
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
        /**
         * How far the spool checkpoint trails what the store acknowledged (default 2 s): longer than
         * the database's own log flush interval ({@code innodb_flush_log_at_trx_commit=2} flushes once
         * a second), so a power cut that takes the database's last commits finds them still in the
         * spool. Replays cost nothing but time: the store ignores what it already has.
         */
        public Builder checkpointLag(Duration v) { checkpointLag = v; return this; }
        /** Threads that convert large batches (default: the processors, at most 4). */
        public Builder converterThreads(int v) { converterThreads = v; return this; }
        /**
         * One INFO line per stored turn on the {@code dev.chatlog.turns} logger (calls, prompt / completion
         * tokens, duration, agents, functions, tools, cost), written on the writer thread (default off).
         */
        public Builder turnSummaries(boolean v) { turnSummaries = v; return this; }
        /**
         * Exports every stored call, tool, agent step and turn as an OpenTelemetry span
         * ({@link dev.chatlog.core.trace.ChatLogTraces}); off (null) by default, and then free.
         */
        public Builder traces(Tracing v) { tracing = v; return this; }

        public ChatLogger build() {
            if (queueCapacity < 1) throw new IllegalArgumentException("queueCapacity must be >= 1");
            if (batchSize < 1) throw new IllegalArgumentException("batchSize must be >= 1");
            if (maxTextLength < 16) throw new IllegalArgumentException("maxTextLength must be >= 16");
            if (converterThreads < 1) throw new IllegalArgumentException("converterThreads must be >= 1");
            if (flushInterval.isNegative() || maxBackoff.isNegative() || closeTimeout.isNegative() || checkpointLag.isNegative()) {
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
