package dev.chatlog.core;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One LLM call (or tool execution, embedding, agent step), as one row of {@code chatbot_llm_calls}.
 * Token counts are never null once the call has been through the logger: where the provider
 * reported none they are estimated and {@link #tokenSource()} says so. {@link #costEstimate()} is
 * null exactly when {@link #priced()} is false: a model without a price is never logged as free.
 * {@link #trace()} is the span the call runs under when traces are on (null otherwise); {@link #arm()} the experiment arm
 * of its turn ({@code <experiment>/<variant>}, {@link ChatContext#arm()}) or null.
 */
public record LlmCall(
        String callId,
        String conversationId,
        String messageId,
        String parentCallId,
        int callSequence,
        CallType callType,
        String agent,
        String functionName,
        String chatMode,
        String userId,
        String provider,
        String model,
        String responseModel,
        Integer inputTokens,
        Integer outputTokens,
        Integer cachedInputTokens,
        Integer cacheWriteTokens,
        Integer reasoningTokens,
        TokenSource tokenSource,
        BigDecimal costEstimate,
        boolean priced,
        String priceVersion,
        Instant startedAt,
        double durationMs,
        Long timeToFirstTokenMs,
        String finishReason,
        String inputText,
        String outputText,
        boolean success,
        String errorType,
        String errorMessage,
        Map<String, Object> metadata,
        TraceParent trace,
        String arm) {

    public LlmCall {
        Objects.requireNonNull(callId, "callId");
        Objects.requireNonNull(callType, "callType");
        Objects.requireNonNull(startedAt, "startedAt");
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    /** Input plus output tokens (0 where unknown). */
    public int totalTokens() {
        return nz(inputTokens) + nz(outputTokens);
    }

    public Instant endedAt() {
        return startedAt.plusNanos((long) (durationMs * 1_000_000));
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    private static int nz(Integer v) {
        return v == null ? 0 : v;
    }

    /** Builder with the defaults of a successful chat call started now. */
    public static final class Builder {
        private String callId;
        private String conversationId;
        private String messageId;
        private String parentCallId;
        private int callSequence;
        private CallType callType = CallType.CHAT;
        private String agent;
        private String functionName;
        private String chatMode;
        private String userId;
        private String provider;
        private String model;
        private String responseModel;
        private Integer inputTokens;
        private Integer outputTokens;
        private Integer cachedInputTokens;
        private Integer cacheWriteTokens;
        private Integer reasoningTokens;
        private TokenSource tokenSource;
        private BigDecimal costEstimate;
        private boolean priced;
        private String priceVersion;
        private Instant startedAt;
        private double durationMs;
        private Long timeToFirstTokenMs;
        private String finishReason;
        private String inputText;
        private String outputText;
        private boolean success = true;
        private String errorType;
        private String errorMessage;
        private Map<String, Object> metadata;
        private TraceParent trace;
        private String arm;

        private Builder() {}

        private Builder(LlmCall c) {
            callId = c.callId; conversationId = c.conversationId; messageId = c.messageId;
            parentCallId = c.parentCallId; callSequence = c.callSequence; callType = c.callType;
            agent = c.agent; functionName = c.functionName; chatMode = c.chatMode; userId = c.userId;
            provider = c.provider; model = c.model; responseModel = c.responseModel;
            inputTokens = c.inputTokens; outputTokens = c.outputTokens;
            cachedInputTokens = c.cachedInputTokens; cacheWriteTokens = c.cacheWriteTokens; reasoningTokens = c.reasoningTokens;
            tokenSource = c.tokenSource; costEstimate = c.costEstimate; priced = c.priced;
            priceVersion = c.priceVersion; startedAt = c.startedAt; durationMs = c.durationMs;
            timeToFirstTokenMs = c.timeToFirstTokenMs; finishReason = c.finishReason;
            inputText = c.inputText; outputText = c.outputText; success = c.success;
            errorType = c.errorType; errorMessage = c.errorMessage; metadata = c.metadata; trace = c.trace; arm = c.arm;
        }

        public Builder callId(String v) { callId = v; return this; }

        /**
         * Who the call belongs to, from a {@link ChatContext}: conversation, message, user, chat mode,
         * agent, function, parent call, experiment arm and, when traces are on, the span it runs under.
         */
        public Builder context(ChatContext c) {
            return conversationId(c.conversationId()).messageId(c.messageId()).userId(c.userId()).chatMode(c.chatMode())
                    .agent(c.agent()).functionName(c.functionName()).parentCallId(c.parentCallId()).trace(c.trace()).arm(c.arm());
        }
        public Builder conversationId(String v) { conversationId = v; return this; }
        public Builder messageId(String v) { messageId = v; return this; }
        public Builder parentCallId(String v) { parentCallId = v; return this; }
        public Builder callSequence(int v) { callSequence = v; return this; }
        public Builder callType(CallType v) { callType = v; return this; }
        public Builder agent(String v) { agent = v; return this; }
        public Builder functionName(String v) { functionName = v; return this; }
        public Builder chatMode(String v) { chatMode = v; return this; }
        public Builder userId(String v) { userId = v; return this; }
        public Builder provider(String v) { provider = v; return this; }
        public Builder model(String v) { model = v; return this; }
        public Builder responseModel(String v) { responseModel = v; return this; }
        public Builder inputTokens(Integer v) { inputTokens = v; return this; }
        public Builder outputTokens(Integer v) { outputTokens = v; return this; }
        public Builder cachedInputTokens(Integer v) { cachedInputTokens = v; return this; }
        /** Input tokens written to the provider's prompt cache (Anthropic's cache creation), part of {@code inputTokens}. */
        public Builder cacheWriteTokens(Integer v) { cacheWriteTokens = v; return this; }
        public Builder reasoningTokens(Integer v) { reasoningTokens = v; return this; }
        public Builder tokenSource(TokenSource v) { tokenSource = v; return this; }
        public Builder costEstimate(BigDecimal v) { costEstimate = v; return this; }
        public Builder priced(boolean v) { priced = v; return this; }
        public Builder priceVersion(String v) { priceVersion = v; return this; }
        public Builder startedAt(Instant v) { startedAt = v; return this; }
        public Builder durationMs(double v) { durationMs = v; return this; }
        public Builder timeToFirstTokenMs(Long v) { timeToFirstTokenMs = v; return this; }
        public Builder finishReason(String v) { finishReason = v; return this; }
        public Builder inputText(String v) { inputText = v; return this; }
        public Builder outputText(String v) { outputText = v; return this; }
        public Builder success(boolean v) { success = v; return this; }
        public Builder errorType(String v) { errorType = v; return this; }
        public Builder errorMessage(String v) { errorMessage = v; return this; }
        public Builder metadata(Map<String, Object> v) { metadata = v; return this; }
        public Builder trace(TraceParent v) { trace = v; return this; }
        public Builder arm(String v) { arm = v; return this; }

        public LlmCall build() {
            return new LlmCall(callId == null ? Ids.newId() : callId, conversationId, messageId,
                    parentCallId, callSequence, callType, agent, functionName, chatMode, userId,
                    provider, model, responseModel, inputTokens, outputTokens, cachedInputTokens,
                    cacheWriteTokens, reasoningTokens, tokenSource, costEstimate, priced, priceVersion,
                    startedAt == null ? Instant.now() : startedAt, durationMs, timeToFirstTokenMs,
                    finishReason, inputText, outputText, success, errorType, errorMessage, metadata, trace, arm);
        }
    }
}
