package dev.chatlog.core;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An agent or tool step in progress: one row of {@code chatbot_llm_calls} with {@code call_type}
 * agent or tool, logged when the scope closes. While it is open on its thread, every call made
 * there (LLM calls, embeddings, nested agents and tools) gets it as {@code parent_call_id}; agents
 * also name the {@code agent} of the calls under them. To continue the step on another thread,
 * hand over {@link #context()} and {@code makeCurrent()} it there.
 *
 * <pre>{@code
 * try (StepScope orchestrator = chatLogger.beginAgent("Orchestrator")) {
 *     try (StepScope rag = chatLogger.beginAgent("RAGAgent")) { model.chat(...); }
 *     try (StepScope tool = chatLogger.beginTool("search_orders", argsJson)) { tool.result(run()); }
 * }
 * }</pre>
 */
public final class StepScope implements AutoCloseable {
    private final ChatLogger logger;
    private final LlmCall.Builder row;
    /** Read just after the wall-clock start: a step never appears to end later than it did (the turn reads its
     *  clocks the other way round, so a last step never appears to end after its turn). */
    private final long startNanos;
    private final Thread owner = Thread.currentThread();
    private final ChatContext context;
    private final ChatContext.Bound scope;
    private final ChatContext.Scope span;
    private final Map<String, Object> metadata = new LinkedHashMap<>();
    private final CallType type;
    private boolean closed;

    StepScope(ChatLogger logger, CallType type, String name, String input) {
        this(logger, type, name, input, logger.context());
    }

    /** A step under {@code parent} (a turn's own context when its stage is opened on another thread). */
    StepScope(ChatLogger logger, CallType type, String name, String input, ChatContext parent) {
        this.logger = logger;
        this.type = type;
        Instant startedAt = Instant.now();
        this.startNanos = System.nanoTime();
        String callId = Ids.newId();
        this.row = LlmCall.builder().callId(callId).callType(type).startedAt(startedAt)
                .context(parent).callSequence(parent.nextSequence())
                .inputText(input).inputTokens(0).outputTokens(0).tokenSource(TokenSource.PROVIDER);
        if (type == CallType.AGENT) {
            row.agent(name).functionName(name);
            this.context = parent.withAgent(name).withParent(callId);
        } else {
            row.functionName(name);
            this.context = parent.withParent(callId);
        }
        this.scope = context.bindUntilEnded();
        this.span = logger.enterSpan(context.trace());
        scope.onDrop(span); // closed elsewhere: the opening thread leaves the step's span too, when it drops the step
    }

    /** The context under this step, to hand to another thread. */
    public ChatContext context() {
        return context;
    }

    /** This step's call id (the parent of everything under it). */
    public String callId() {
        return context.parentCallId();
    }

    public StepScope output(String text) {
        row.outputText(text);
        return this;
    }

    /** The tool's result, for tool steps. */
    public StepScope result(String text) {
        return output(text);
    }

    public StepScope metadata(String key, Object value) {
        metadata.put(key, value);
        return this;
    }

    /** The largest cost one row can hold (the column's precision). */
    private static final java.math.BigDecimal MAX_COST = new java.math.BigDecimal("99999999");

    /**
     * What this step cost in USD, for a service the application pays per call: stored as priced by the caller, to
     * 10 decimals like every cost. Steps only (a service, a stage...): an agent's or a tool's cost is its children's,
     * so it is not taken. A negative, or absurd (1e8 or more), cost is not taken either, and the row says so.
     */
    public StepScope cost(java.math.BigDecimal usd) {
        if (usd == null || !type.isStep()) return this;
        if (usd.signum() < 0 || usd.compareTo(MAX_COST) > 0) {
            metadata.put("invalid_cost", usd.toPlainString());
            return this;
        }
        row.costEstimate(usd.setScale(10, java.math.RoundingMode.HALF_UP));
        return this;
    }

    public StepScope failed(Throwable error) {
        row.success(false).errorType(error.getClass().getName()).errorMessage(error.getMessage());
        return this;
    }

    public StepScope failed(String errorType, String message) {
        row.success(false).errorType(errorType).errorMessage(message);
        return this;
    }

    /**
     * Logs the row; restores the opening thread's previous context: at once when closed on that
     * thread, else the next time that thread reads its context (a streaming AI service completes
     * on a callback thread; the thread that opened its agent must not keep it). Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (Thread.currentThread() == owner) {
            scope.close();
            span.close();
        } else {
            scope.end();
        }
        logger.logCall(row.durationMs((System.nanoTime() - startNanos) / 1e6).metadata(metadata).build());
    }
}
