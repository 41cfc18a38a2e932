package dev.chatlog.core;

import dev.chatlog.core.internal.spool.DiskSpool;
import dev.chatlog.core.internal.CallEnricher;
import dev.chatlog.core.internal.Handoff;
import dev.chatlog.core.internal.MemoryWriter;
import dev.chatlog.core.internal.ObservedSink;
import dev.chatlog.core.internal.Pipeline;
import dev.chatlog.core.internal.RecordCodec;
import dev.chatlog.core.internal.RecordConverter;
import dev.chatlog.core.internal.SpoolShipper;
import dev.chatlog.core.internal.Spooler;
import dev.chatlog.core.internal.StoreWriter;
import dev.chatlog.core.internal.TurnSummaries;
import dev.chatlog.core.price.PriceCatalog;
import dev.chatlog.core.text.Masker;
import dev.chatlog.core.token.TokenCounter;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Supplier;

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
    private final ObservedSink.Observers stored = new ObservedSink.Observers();
    private final Pipeline pipeline;
    private final Handoff handoff;
    private final Tracing tracing; // null when traces are off

    private ChatLogger(Builder b) {
        LoggerSettings s = b.settings;
        if (s.turnSummaries()) stored.add(new TurnSummaries());
        this.tracing = b.tracing;
        if (tracing != null) stored.add(tracing::export);
        this.pipeline = new Pipeline(new ObservedSink(b.sink, stored), s, b.spool,
                new CallEnricher(b.prices, b.tokens, s.maxTextLength(), b.masker));
        this.handoff = pipeline.handoff();
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
        handoff.offerDeferred(deferred);
    }

    /** Records a score (replacing the one of its identity), queued and spooled like calls. Never blocks, never throws. */
    public void score(dev.chatlog.core.score.Score score) { handoff.offer(score); }

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
        if (pipeline.durable()) handoff.offerMarker(new RecordCodec.TurnOpened(conversationId, messageId, userInput, at));
    }

    /** Opens an agent step (an {@code agent} row) under the current context: calls on this thread until it closes are its children. */
    public StepScope beginAgent(String name) {
        return new StepScope(this, CallType.AGENT, name, null);
    }

    /** Opens a tool step (a {@code tool} row) under the current context. */
    public StepScope beginTool(String name, String arguments) {
        return new StepScope(this, CallType.TOOL, name, arguments);
    }

    /** Opens a pipeline stage ({@code stage} row {@code stt}, {@code tts}) under the current context, nestable like agents
     *  and tools: what this thread does until it closes is its child; on another thread, hand over {@link StepScope#context()}. */
    public StepScope beginStage(String name) {
        return new StepScope(this, CallType.STAGE, name, null);
    }

    /** Opens a call to a service that is not a model ({@code service} row {@code stripe}, input {@code POST /v1/charges}):
     *  its cost by {@link StepScope#cost}, its failure by {@link StepScope#failed}. */
    public StepScope beginService(String service, String operation) {
        return new StepScope(this, CallType.SERVICE, service, operation);
    }

    /**
     * Opens a retrieval (a {@code retrieval} row named by its retriever) under the current context: the embedding
     * of the query and anything else done on this thread until it closes are its children.
     */
    public StepScope beginRetrieval(String retriever, String query) {
        return new StepScope(this, CallType.RETRIEVAL, retriever, query);
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
        return new Mark(pipeline.counters().droppedSeq.get(), pipeline.counters().unkeptAfterQueue.get());
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
        return pipeline.awaitDurable(timeout, since.dropped, since.unkept);
    }

    /** Waits until everything accepted before this call is in the database (or given up on). */
    public boolean flush(Duration timeout) {
        return pipeline.flush(timeout);
    }

    /** Stops accepting, writes what is queued (waiting at most the close timeout), stops the threads. */
    @Override
    public void close() {
        if (!pipeline.close()) return;
        if (tracing != null) tracing.close();
        pipeline.closed();
    }

    public LoggerStats stats() {
        return pipeline.stats();
    }

    /**
     * Configuration: the {@link LoggerSettings} and {@link SpoolSettings} (their defaults and checks) and the parts
     * (sink, prices, token counter, masker, traces); checked when {@link #build()} runs.
     */
    public static final class Builder {
        private final ChatLogSink sink;
        private LoggerSettings settings = LoggerSettings.defaults();
        private SpoolSettings spool; // null: records wait in memory only
        private Long spoolMaxBytes;
        private Long spoolSegmentBytes;
        private Integer fsyncEvery;
        private Duration fsyncInterval;
        private Duration checkpointLag;
        private PriceCatalog prices;
        private TokenCounter tokens;
        private Masker masker;
        private Tracing tracing;

        private Builder(ChatLogSink sink) {
            this.sink = Objects.requireNonNull(sink, "sink");
        }

        /** All the logger's settings at once (each setter below changes one of them). */
        public Builder settings(LoggerSettings v) { settings = Objects.requireNonNull(v, "settings"); return this; }
        /**
         * Makes the logger durable: every record goes through an append-only spool before the store, survives a
         * database outage and a crash, and is replayed at the next start; null: records wait in memory only.
         */
        public Builder spool(SpoolSettings v) { spool = v; return this; }
        /** A spool in {@code dir} with the default settings ({@link SpoolSettings#in}). */
        public Builder spool(Path dir) { return spool(dir == null ? null : SpoolSettings.in(dir)); }
        public Builder queueCapacity(int v) { settings = settings.withQueueCapacity(v); return this; }
        public Builder batchSize(int v) { settings = settings.withBatchSize(v); return this; }
        public Builder flushInterval(Duration v) { settings = settings.withFlushInterval(v); return this; }
        public Builder maxBackoff(Duration v) { settings = settings.withMaxBackoff(v); return this; }
        public Builder closeTimeout(Duration v) { settings = settings.withCloseTimeout(v); return this; }
        public Builder maxTextLength(int v) { settings = settings.withMaxTextLength(v); return this; }
        public Builder converterThreads(int v) { settings = settings.withConverterThreads(v); return this; }
        public Builder turnSummaries(boolean v) { settings = settings.withTurnSummaries(v); return this; }
        /** The spool's settings one at a time, before or after {@code spool(...)}; without a spool they are not used. */
        public Builder spoolMaxBytes(long v) { spoolMaxBytes = v; return this; }
        public Builder spoolSegmentBytes(long v) { spoolSegmentBytes = v; return this; }
        public Builder fsyncEvery(int v) { fsyncEvery = v; return this; }
        public Builder fsyncInterval(Duration v) { fsyncInterval = v; return this; }
        public Builder checkpointLag(Duration v) { checkpointLag = v; return this; }
        public Builder prices(PriceCatalog v) { prices = v; return this; }
        public Builder tokenCounter(TokenCounter v) { tokens = v; return this; }
        /** What is removed from text before it is stored, in place of the settings' masking. */
        public Builder masker(Masker v) { masker = Objects.requireNonNull(v); return this; }
        /**
         * Exports every stored call, tool, agent step and turn as an OpenTelemetry span (the
         * {@code chatlog-opentelemetry} module's {@code ChatLogTraces}); off (null) by default, and then free.
         */
        public Builder traces(Tracing v) { tracing = v; return this; }

        public ChatLogger build() {
            settings.validate();
            if (spool != null) {
                SpoolSettings s = spool;
                if (spoolMaxBytes != null) s = s.withMaxBytes(spoolMaxBytes);
                if (spoolSegmentBytes != null) s = s.withSegmentBytes(spoolSegmentBytes);
                if (fsyncEvery != null || fsyncInterval != null) {
                    s = s.withFsync(fsyncEvery != null ? fsyncEvery : s.fsyncEvery(), fsyncInterval != null ? fsyncInterval : s.fsyncInterval());
                }
                if (checkpointLag != null) s = s.withCheckpointLag(checkpointLag);
                spool = s.validate();
            }
            if (prices == null) prices = PriceCatalog.bundled();
            if (tokens == null) tokens = TokenCounter.shared();
            if (masker == null) masker = settings.masking() ? Masker.defaults(settings.maskPatterns()) : Masker.NONE;
            return new ChatLogger(this);
        }
    }
}
