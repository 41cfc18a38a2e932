package dev.chatlog.opentelemetry;

import dev.chatlog.core.Batch;
import dev.chatlog.core.ChatContext;
import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.LlmCall;
import dev.chatlog.core.TraceParent;
import dev.chatlog.core.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessorBuilder;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every stored LLM call, embedding, tool execution, agent step and chat turn as an OpenTelemetry
 * span, exported through any {@link SpanExporter} (OTLP, or the application's own). Give it to the
 * logger with {@code ChatLogger.builder(sink).traces(traces)}:
 *
 * <pre>{@code
 * ChatLogTraces traces = ChatLogTraces.builder(OtlpHttpSpanExporter.builder()
 *         .setEndpoint("http://collector:4318/v1/traces").build())
 *     .resource(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "shop-bot")))
 *     .build();
 * }</pre>
 *
 * <p>The spans form chatlog's call tree (a call's parent span is its {@code parent_call_id}'s, or its
 * turn's), and the tree hangs under the application's current span when one is open where the turn
 * or the first step started; inside a turn or a step, that step is the application's current span,
 * so the application's own spans nest under it. On the caller's thread this only reads the current
 * span; the spans are built on the writer thread from what the store took (so they carry the
 * stored tokens and cost, and a record replayed from the spool gets the same span ids again) and
 * exported by the SDK's {@link BatchSpanProcessor} on its own thread, which drops, never blocks,
 * when its queue is full.
 */
public final class ChatLogTraces implements Tracing {
    private final BatchSpanProcessor processor;
    private final RecordSpans spans;
    private final AtomicLong queued = new AtomicLong();

    private ChatLogTraces(Builder b) {
        BatchSpanProcessorBuilder p = BatchSpanProcessor.builder(b.exporter);
        if (b.scheduleDelay != null) p.setScheduleDelay(b.scheduleDelay);
        if (b.maxQueueSize > 0) p.setMaxQueueSize(b.maxQueueSize);
        if (b.maxExportBatchSize > 0) p.setMaxExportBatchSize(b.maxExportBatchSize);
        if (b.exportTimeout != null) p.setExporterTimeout(b.exportTimeout);
        this.processor = p.build();
        this.spans = new RecordSpans(Resource.getDefault().merge(b.resource),
                InstrumentationScopeInfo.builder("dev.chatlog").setVersion(version()).build());
    }

    public static Builder builder(SpanExporter exporter) {
        return new Builder(exporter);
    }

    @Override
    public TraceParent join() {
        SpanContext current = Span.current().getSpanContext();
        if (!current.isValid()) return TraceParent.newTrace();
        if (!current.isSampled()) return null;
        return new TraceParent(current.getTraceId(), current.getSpanId());
    }

    @Override
    public ChatContext.Scope enter(TraceParent span) {
        SpanContext sc = SpanContext.create(span.traceId(), span.spanId(), TraceFlags.getSampled(), TraceState.getDefault());
        Scope scope = Context.current().with(Span.wrap(sc)).makeCurrent();
        return scope::close;
    }

    @Override
    public void export(Batch batch) {
        for (ConversationMessage m : batch.messages()) offer(spans.of(m));
        for (LlmCall c : batch.calls()) offer(spans.of(c));
    }

    private void offer(RecordSpan span) {
        if (span == null) return;
        processor.onEnd(span);
        queued.incrementAndGet();
    }

    /** Spans handed to the processor so far (the processor may still drop some when its queue is full). */
    public long spansQueued() {
        return queued.get();
    }

    /** Exports what is queued now; true when it finished within the timeout. */
    public boolean flush(Duration timeout) {
        return processor.forceFlush().join(timeout.toMillis(), TimeUnit.MILLISECONDS).isSuccess();
    }

    @Override
    public void close() {
        processor.shutdown().join(10, TimeUnit.SECONDS);
    }

    private static String version() {
        String v = ChatLogTraces.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    public static final class Builder {
        private final SpanExporter exporter;
        private Resource resource = Resource.empty();
        private Duration scheduleDelay;
        private Duration exportTimeout;
        private int maxQueueSize;
        private int maxExportBatchSize;

        private Builder(SpanExporter exporter) {
            this.exporter = Objects.requireNonNull(exporter, "exporter");
        }

        /** Merged over the SDK's default resource ({@code service.name} and the like). */
        public Builder resource(Resource v) { resource = Objects.requireNonNull(v); return this; }
        /** How long spans wait to be batched (the SDK's default: 5 s). */
        public Builder scheduleDelay(Duration v) { scheduleDelay = v; return this; }
        /** How long one export may take (the SDK's default: 30 s). */
        public Builder exportTimeout(Duration v) { exportTimeout = v; return this; }
        /** Spans held for export at most; more are dropped (the SDK's default: 2048). */
        public Builder maxQueueSize(int v) { maxQueueSize = v; return this; }
        /** Spans per export at most (the SDK's default: 512). */
        public Builder maxExportBatchSize(int v) { maxExportBatchSize = v; return this; }

        public ChatLogTraces build() {
            return new ChatLogTraces(this);
        }
    }
}
