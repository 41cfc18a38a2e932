package dev.chatlog.opentelemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.core.Batch;
import dev.chatlog.core.CallType;
import dev.chatlog.core.ChatLogSink;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.LlmCall;
import dev.chatlog.core.MessageTurn;
import dev.chatlog.core.StepScope;
import dev.chatlog.core.TraceParent;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Spans from the logger, through the real OpenTelemetry SDK (its batch processor, an in-memory exporter). */
class ChatLogTracesTest {

    /**
     * A logger whose stored records land in {@code stored}, exporting its spans to {@code spans}; its
     * flush waits for the spans too (the in-memory exporter forgets them when shut down).
     */
    private static ChatLogger logger(InMemorySpanExporter spans, List<LlmCall> stored) {
        return ChatLogger.builder(storing(stored)).traces(ChatLogTraces.builder(spans).scheduleDelay(Duration.ofMillis(20)).build()).build();
    }

    /** A sink that keeps the calls it stores. */
    private static ChatLogSink storing(List<LlmCall> stored) {
        return new ChatLogSink() {
            @Override
            public synchronized void write(Batch batch) {
                stored.addAll(batch.calls());
            }

            @Override
            public boolean isRetryable(Exception failure) {
                return true;
            }
        };
    }

    /** Waits until the logger stored everything and {@code n} spans arrived. */
    private static List<SpanData> await(ChatLogger logger, InMemorySpanExporter spans, int n) throws InterruptedException {
        assertTrue(logger.flush(Duration.ofSeconds(10)));
        long until = System.nanoTime() + 10_000_000_000L;
        while (spans.getFinishedSpanItems().size() < n && System.nanoTime() < until) Thread.sleep(10);
        Thread.sleep(100); // and no more than n
        return spans.getFinishedSpanItems();
    }

    private static Map<String, SpanData> byName(List<SpanData> spans) {
        return spans.stream().collect(Collectors.toMap(SpanData::getName, Function.identity(), (a, b) -> a));
    }

    private static LlmCall modelCall(ChatLogger logger, String model) {
        return LlmCall.builder().context(logger.context()).callType(CallType.CHAT).provider("open-ai").model(model)
                .responseModel(model + "-2024-07-18").inputTokens(120).outputTokens(8).cachedInputTokens(64)
                .costEstimate(new BigDecimal("0.0000228")).priced(true).finishReason("stop").durationMs(12.5).build();
    }

    @Test
    void should_export_the_call_tree_as_spans_under_the_applications_current_span() throws Exception {
        InMemorySpanExporter app = InMemorySpanExporter.create();
        SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(app)).build();
        Tracer tracer = provider.get("test-app");
        InMemorySpanExporter exported = InMemorySpanExporter.create();
        List<LlmCall> stored = new ArrayList<>();
        List<SpanData> spans;
        String conversation;
        String messageId;
        Span request = tracer.spanBuilder("POST /ask").setSpanKind(SpanKind.SERVER).startSpan();
        try (ChatLogger logger = logger(exported, stored)) {
            try (Scope s = request.makeCurrent()) {
                try (MessageTurn turn = logger.beginMessage("conv-1", "where is my order?")) {
                    conversation = turn.conversationId();
                    messageId = turn.messageId();
                    logger.logCall(modelCall(logger, "gpt-4o-mini"));
                    try (StepScope agent = logger.beginAgent("OrderAgent")) {
                        logger.logCall(modelCall(logger, "gpt-4o-mini"));
                        try (StepScope tool = logger.beginTool("find_order", "{\"id\": 7}")) {
                            Span inner = tracer.spanBuilder("SELECT orders").startSpan(); // the application's own span, inside the tool
                            inner.end();
                            tool.failed("tool_error", "no such order");
                        }
                        try (StepScope retrieval = logger.beginRetrieval("products", "kettle")) {
                            logger.logCall(modelCall(logger, "query-embedder")); // the retrieval's own model call
                        }
                    }
                }
            } finally {
                request.end();
            }
            spans = await(logger, exported, 7);
        }
        assertEquals(stored.size() + 1, spans.size(), "one span per stored record, and the turn's: " + spans);
        Map<String, SpanData> named = byName(spans);
        SpanContext root = request.getSpanContext();
        SpanData turn = named.get("chat_turn");
        assertEquals(root.getTraceId(), turn.getTraceId());
        assertEquals(root.getSpanId(), turn.getParentSpanId(), "the turn hangs under the application's span");
        assertEquals(TraceParent.spanIdOf(messageId), turn.getSpanId());
        assertEquals(conversation, turn.getAttributes().get(AttributeKey.stringKey("gen_ai.conversation.id")));
        for (SpanData s : spans) assertEquals(root.getTraceId(), s.getTraceId(), "one trace: " + s);
        for (LlmCall c : stored) {
            SpanData s = spans.stream().filter(x -> x.getSpanId().equals(TraceParent.spanIdOf(c.callId()))).findFirst().orElseThrow();
            String parent = c.parentCallId() == null ? turn.getSpanId() : TraceParent.spanIdOf(c.parentCallId());
            assertEquals(parent, s.getParentSpanId(), "the span tree is the call tree: " + c);
            assertEquals(c.callId(), s.getAttributes().get(AttributeKey.stringKey("chatlog.call_id")));
            assertEquals(c.startedAt().toEpochMilli(), s.getStartEpochNanos() / 1_000_000);
        }
        SpanData agent = named.get("invoke_agent OrderAgent");
        SpanData tool = named.get("execute_tool find_order");
        assertEquals(SpanKind.INTERNAL, agent.getKind());
        assertEquals(agent.getSpanId(), tool.getParentSpanId());
        assertEquals("find_order", tool.getAttributes().get(AttributeKey.stringKey("gen_ai.tool.name")));
        assertEquals(StatusCode.ERROR, tool.getStatus().getStatusCode());
        assertEquals("tool_error", tool.getAttributes().get(AttributeKey.stringKey("error.type")));
        SpanData retrieval = named.get("retrieval products");
        assertEquals(SpanKind.INTERNAL, retrieval.getKind());
        assertEquals(agent.getSpanId(), retrieval.getParentSpanId());
        assertEquals("retrieval", retrieval.getAttributes().get(AttributeKey.stringKey("gen_ai.operation.name")));
        assertEquals(retrieval.getSpanId(), named.get("chat query-embedder").getParentSpanId(), "the retrieval's call is its child");
        List<SpanData> chats = spans.stream().filter(s -> s.getName().equals("chat gpt-4o-mini")).toList();
        assertEquals(2, chats.size());
        assertEquals(List.of(turn.getSpanId(), agent.getSpanId()).stream().sorted().toList(),
                chats.stream().map(SpanData::getParentSpanId).sorted().toList());
        SpanData chat = chats.get(0);
        assertEquals(SpanKind.CLIENT, chat.getKind());
        assertEquals("chat", chat.getAttributes().get(AttributeKey.stringKey("gen_ai.operation.name")));
        assertEquals("openai", chat.getAttributes().get(AttributeKey.stringKey("gen_ai.provider.name")));
        assertEquals("gpt-4o-mini", chat.getAttributes().get(AttributeKey.stringKey("gen_ai.request.model")));
        assertEquals("gpt-4o-mini-2024-07-18", chat.getAttributes().get(AttributeKey.stringKey("gen_ai.response.model")));
        assertEquals(120L, chat.getAttributes().get(AttributeKey.longKey("gen_ai.usage.input_tokens")));
        assertEquals(8L, chat.getAttributes().get(AttributeKey.longKey("gen_ai.usage.output_tokens")));
        assertEquals(64L, chat.getAttributes().get(AttributeKey.longKey("gen_ai.usage.cache_read.input_tokens")));
        assertEquals(List.of("stop"), chat.getAttributes().get(AttributeKey.stringArrayKey("gen_ai.response.finish_reasons")));
        assertEquals(0.0000228, chat.getAttributes().get(AttributeKey.doubleKey("chatlog.cost_usd")), 1e-12);
        assertEquals(12_500_000L, chat.getEndEpochNanos() - chat.getStartEpochNanos());
        assertNull(chat.getAttributes().get(AttributeKey.stringKey("gen_ai.input.messages")), "no prompt text leaves");
        SpanData inner = app.getFinishedSpanItems().stream().filter(s -> s.getName().equals("SELECT orders")).findFirst().orElseThrow();
        assertEquals(tool.getSpanId(), inner.getParentSpanId(), "the application's span inside a step is that step's child");
        provider.close();
    }

    @Test
    void should_start_a_trace_of_its_own_without_an_application_span_and_export_nothing_under_an_unsampled_one() throws Exception {
        InMemorySpanExporter exported = InMemorySpanExporter.create();
        List<LlmCall> stored = new ArrayList<>();
        List<SpanData> spans;
        try (ChatLogger logger = logger(exported, stored)) {
            try (StepScope a = logger.beginAgent("Alone")) {
                logger.logCall(modelCall(logger, "gpt-4o"));
            }
            logger.logCall(modelCall(logger, "gpt-4o")); // outside any record: a trace of its own
            SpanContext unsampled = SpanContext.create("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", TraceFlags.getDefault(),
                    TraceState.getDefault());
            try (Scope s = Span.wrap(unsampled).makeCurrent(); StepScope b = logger.beginAgent("NotSampled")) {
                logger.logCall(modelCall(logger, "gpt-4o"));
            }
            spans = await(logger, exported, 3);
        }
        assertEquals(3, spans.size(), "the unsampled agent and its call are not exported: " + spans);
        assertEquals(5, stored.size(), "but stored");
        SpanData agent = byName(spans).get("invoke_agent Alone");
        assertFalse(agent.getParentSpanContext().isValid(), "a root span");
        List<SpanData> chats = spans.stream().filter(s -> s.getName().equals("chat gpt-4o")).toList();
        assertEquals(2, chats.size());
        SpanData under = chats.stream().filter(s -> s.getParentSpanId().equals(agent.getSpanId())).findFirst().orElseThrow();
        assertEquals(agent.getTraceId(), under.getTraceId());
        SpanData alone = chats.stream().filter(s -> s != under).findFirst().orElseThrow();
        assertNotEquals(agent.getTraceId(), alone.getTraceId(), "a call outside any record starts its own trace");
        assertFalse(alone.getParentSpanContext().isValid());
        assertNull(stored.stream().filter(c -> "NotSampled".equals(c.agent())).findFirst().orElseThrow().trace());
    }

    @Test
    void should_set_no_trace_and_export_nothing_when_traces_are_off() throws Exception {
        InMemorySpanExporter app = InMemorySpanExporter.create();
        Tracer tracer = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(app)).build().get("app");
        List<LlmCall> stored = new ArrayList<>();
        Span request = tracer.spanBuilder("request").startSpan();
        try (ChatLogger logger = ChatLogger.builder(storing(stored)).build(); Scope s = request.makeCurrent()) {
            try (StepScope a = logger.beginAgent("Agent")) {
                assertEquals(request.getSpanContext(), Span.current().getSpanContext(), "a step changes no application span when off");
                logger.logCall(modelCall(logger, "gpt-4o"));
            }
            assertTrue(logger.flush(Duration.ofSeconds(10)));
        }
        request.end();
        assertEquals(2, stored.size());
        for (LlmCall c : stored) assertNull(c.trace());
    }

    @Test
    void should_give_a_record_the_same_span_id_every_time_and_refuse_malformed_ids() {
        String id = "0190f0a1-2b3c-7d4e-8f00-123456789abc";
        assertEquals(TraceParent.spanIdOf(id), TraceParent.spanIdOf(id));
        assertTrue(TraceParent.spanIdOf(id).matches("[0-9a-f]{16}"));
        assertNotEquals(TraceParent.spanIdOf(id), TraceParent.spanIdOf(id.replace('c', 'd')));
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (int i = 0; i < 100_000; i++) ids.add(TraceParent.spanIdOf("call-" + i));
        assertEquals(100_000, ids.size(), "no collision among 100,000 ids");
        TraceParent t = TraceParent.newTrace();
        assertTrue(t.traceId().matches("[0-9a-f]{32}"));
        assertNull(t.spanId());
        assertEquals(TraceParent.spanIdOf("x"), t.under("x").spanId());
        assertThrows(IllegalArgumentException.class, () -> new TraceParent("0".repeat(32), null));
        assertThrows(IllegalArgumentException.class, () -> new TraceParent("ABC", null));
        assertThrows(IllegalArgumentException.class, () -> new TraceParent(t.traceId(), "0".repeat(16)));
        assertThrows(IllegalArgumentException.class, () -> new TraceParent(t.traceId(), "xyz"));
    }

    @Test
    void should_leave_the_span_of_a_step_closed_on_another_thread_when_the_opening_thread_next_reads_its_context() throws Exception {
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        try (ChatLogger logger = logger(spans, new java.util.ArrayList<>())) {
            dev.chatlog.core.StepScope agent = logger.beginAgent("StreamingAssistant.answer");
            assertTrue(io.opentelemetry.api.trace.Span.current().getSpanContext().isValid(), "the step's span is this thread's while it runs");
            Thread callback = new Thread(agent::close, "callback"); // a streaming AI service completes on a callback thread
            callback.start();
            callback.join();
            assertNull(logger.context().parentCallId(), "the finished step is not this thread's context any more");
            assertFalse(io.opentelemetry.api.trace.Span.current().getSpanContext().isValid(),
                    "nor its span: this thread's next calls do not join the finished agent's trace");
        }
    }
}
