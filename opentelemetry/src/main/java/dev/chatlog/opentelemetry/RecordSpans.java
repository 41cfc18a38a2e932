package dev.chatlog.opentelemetry;

import dev.chatlog.core.CallType;
import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.GenAiNames;
import dev.chatlog.core.LlmCall;
import dev.chatlog.core.TraceParent;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.StatusData;
import java.time.Instant;
import java.util.List;

/**
 * What a stored record is as a span, by the GenAI conventions (v1.41): a model call is a
 * {@code CLIENT} span {@code chat {model}} / {@code embeddings {model}}, a tool an {@code INTERNAL}
 * {@code execute_tool {name}}, an agent step an {@code INTERNAL} {@code invoke_agent {name}}, a turn
 * an {@code INTERNAL} {@code chat_turn}. Its span id is {@link TraceParent#spanIdOf} its call or
 * message id; its parent is the span its {@link TraceParent} names. No prompt or completion text
 * is exported.
 */
final class RecordSpans {
    static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
    static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("gen_ai.provider.name");
    static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
    static final AttributeKey<String> RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
    static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
    static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
    static final AttributeKey<Long> CACHE_READ_TOKENS = AttributeKey.longKey("gen_ai.usage.cache_read.input_tokens");
    static final AttributeKey<Long> CACHE_CREATION_TOKENS = AttributeKey.longKey("gen_ai.usage.cache_creation.input_tokens");
    static final AttributeKey<Long> REASONING_TOKENS = AttributeKey.longKey("gen_ai.usage.reasoning.output_tokens");
    static final AttributeKey<List<String>> FINISH_REASONS = AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");
    static final AttributeKey<Boolean> STREAM = AttributeKey.booleanKey("gen_ai.request.stream");
    static final AttributeKey<Double> TIME_TO_FIRST_CHUNK = AttributeKey.doubleKey("gen_ai.response.time_to_first_chunk");
    static final AttributeKey<String> CONVERSATION = AttributeKey.stringKey("gen_ai.conversation.id");
    static final AttributeKey<String> AGENT = AttributeKey.stringKey("gen_ai.agent.name");
    static final AttributeKey<String> TOOL = AttributeKey.stringKey("gen_ai.tool.name");
    static final AttributeKey<String> TOOL_TYPE = AttributeKey.stringKey("gen_ai.tool.type");
    static final AttributeKey<String> TOOL_CALL = AttributeKey.stringKey("gen_ai.tool.call.id");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    static final AttributeKey<String> CALL_ID = AttributeKey.stringKey("chatlog.call_id");
    static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("chatlog.message_id");
    static final AttributeKey<String> FUNCTION = AttributeKey.stringKey("chatlog.function");
    static final AttributeKey<String> CHAT_MODE = AttributeKey.stringKey("chatlog.chat_mode");
    static final AttributeKey<String> ARM = AttributeKey.stringKey("chatlog.arm");
    static final AttributeKey<String> TOKEN_SOURCE = AttributeKey.stringKey("chatlog.token_source");
    static final AttributeKey<Double> COST = AttributeKey.doubleKey("chatlog.cost_usd");
    static final AttributeKey<Boolean> PRICED = AttributeKey.booleanKey("chatlog.priced");
    static final AttributeKey<String> INTENT = AttributeKey.stringKey("chatlog.intent");
    static final AttributeKey<String> CLASSIFICATION = AttributeKey.stringKey("chatlog.classification");
    static final AttributeKey<Long> SQL_QUERIES = AttributeKey.longKey("chatlog.sql_queries");
    /** The span name of a chat turn. */
    static final String TURN = "chat_turn";

    private final Resource resource;
    private final InstrumentationScopeInfo scope;

    RecordSpans(Resource resource, InstrumentationScopeInfo scope) {
        this.resource = resource;
        this.scope = scope;
    }

    /** The call's span, or null when it was not traced. */
    RecordSpan of(LlmCall c) {
        TraceParent t = c.trace();
        if (t == null) return null;
        String op = GenAiNames.operation(c.callType());
        AttributesBuilder a = Attributes.builder().put(OPERATION, op).put(CALL_ID, c.callId());
        put(a, CONVERSATION, c.conversationId());
        put(a, MESSAGE_ID, c.messageId());
        put(a, AGENT, c.agent());
        put(a, FUNCTION, c.functionName());
        put(a, CHAT_MODE, c.chatMode());
        put(a, ARM, c.arm());
        String name;
        SpanKind kind;
        if (c.callType().isModelCall()) {
            kind = SpanKind.CLIENT;
            name = c.model() == null ? op : op + " " + c.model();
            put(a, PROVIDER, GenAiNames.provider(c.provider()));
            put(a, REQUEST_MODEL, c.model());
            put(a, RESPONSE_MODEL, c.responseModel());
            if (!c.callType().billsByUnit()) put(a, INPUT_TOKENS, c.inputTokens()); // images, audio: billed by the unit
            if (!c.callType().billsByUnit() && c.callType() != CallType.EMBEDDING && c.callType() != CallType.MODERATION) {
                put(a, OUTPUT_TOKENS, c.outputTokens());
            }
            put(a, CACHE_READ_TOKENS, c.cachedInputTokens());
            put(a, CACHE_CREATION_TOKENS, c.cacheWriteTokens());
            put(a, REASONING_TOKENS, c.reasoningTokens());
            if (c.finishReason() != null) a.put(FINISH_REASONS, List.of(c.finishReason()));
            if (c.callType() == CallType.STREAMING_CHAT) {
                a.put(STREAM, true);
                if (c.timeToFirstTokenMs() != null) a.put(TIME_TO_FIRST_CHUNK, c.timeToFirstTokenMs() / 1000.0);
            }
            if (c.tokenSource() != null) a.put(TOKEN_SOURCE, c.tokenSource().dbValue());
            a.put(PRICED, c.priced());
            if (c.priced() && c.costEstimate() != null) a.put(COST, c.costEstimate().doubleValue());
        } else if (c.callType() == CallType.TOOL) {
            kind = SpanKind.INTERNAL;
            name = c.functionName() == null ? op : op + " " + c.functionName();
            put(a, TOOL, c.functionName());
            a.put(TOOL_TYPE, "function");
            Object callId = c.metadata().get("tool_call_id");
            if (callId != null) a.put(TOOL_CALL, callId.toString());
        } else if (c.callType().isStep()) { // a retrieval, a guardrail or a stage, named by its retriever, guardrail or stage
            kind = SpanKind.INTERNAL;
            name = c.functionName() == null ? op : op + " " + c.functionName();
        } else {
            kind = SpanKind.INTERNAL;
            name = c.agent() == null ? op : op + " " + c.agent();
        }
        StatusData status = StatusData.unset();
        if (!c.success()) {
            String error = GenAiNames.errorType(c.errorType());
            a.put(ERROR_TYPE, error);
            status = StatusData.create(StatusCode.ERROR, error);
        }
        long start = nanos(c.startedAt());
        return span(name, kind, t, c.callId(), status, start, start + (long) (c.durationMs() * 1_000_000), a.build());
    }

    /** The turn's span, or null when it was not traced. */
    RecordSpan of(ConversationMessage m) {
        TraceParent t = m.trace();
        if (t == null) return null;
        AttributesBuilder a = Attributes.builder().put(CONVERSATION, m.conversationId()).put(MESSAGE_ID, m.messageId());
        put(a, CHAT_MODE, m.chatMode());
        put(a, ARM, m.arm());
        put(a, INTENT, m.intent());
        put(a, CLASSIFICATION, m.classification());
        if (!m.sqlQueries().isEmpty()) a.put(SQL_QUERIES, (long) m.sqlQueries().size());
        StatusData status = StatusData.unset();
        if (!m.success()) {
            a.put(ERROR_TYPE, "turn_failed");
            status = StatusData.create(StatusCode.ERROR, "turn_failed");
        }
        long start = nanos(m.timestamp());
        return span(TURN, SpanKind.INTERNAL, t, m.messageId(), status, start, start + (long) (m.responseTimeMs() * 1_000_000), a.build());
    }

    private RecordSpan span(String name, SpanKind kind, TraceParent t, String id, StatusData status, long start, long end, Attributes a) {
        SpanContext self = SpanContext.create(t.traceId(), TraceParent.spanIdOf(id), TraceFlags.getSampled(), TraceState.getDefault());
        SpanContext parent = t.spanId() == null ? SpanContext.getInvalid()
                : SpanContext.create(t.traceId(), t.spanId(), TraceFlags.getSampled(), TraceState.getDefault());
        return new RecordSpan(name, kind, self, parent, status, start, Math.max(start, end), a, resource, scope);
    }

    private static long nanos(Instant at) {
        return at.getEpochSecond() * 1_000_000_000L + at.getNano();
    }

    private static void put(AttributesBuilder a, AttributeKey<String> key, String v) {
        if (v != null && !v.isBlank()) a.put(key, v);
    }

    private static void put(AttributesBuilder a, AttributeKey<Long> key, Integer v) {
        if (v != null) a.put(key, v.longValue());
    }
}
