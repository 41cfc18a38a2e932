package dev.chatlog.core;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One chat turn in progress. LLM calls made on the opening thread are attributed to it; closing it
 * logs the message row with its duration. Use with try-with-resources:
 *
 * <pre>{@code
 * try (var turn = chatLogger.beginMessage(conversationId, userInput)) {
 *     turn.intent("orders");
 *     try (var s = turn.function("generate_sql")) { model.chat(...); }
 *     turn.output(answer, text);
 * }
 * }</pre>
 *
 * Not thread-safe: one turn belongs to one request thread (hand {@link #context()} to others).
 */
public final class MessageTurn implements AutoCloseable {
    private final ChatLogger logger;
    private final ConversationMessage.Builder message;
    /** Read before the turn's wall-clock start (below): the turn never appears shorter than the steps it holds. */
    private final long startNanos = System.nanoTime();
    private final List<SqlQuery> queries = new ArrayList<>();
    private final Map<String, Object> debug = new LinkedHashMap<>();
    private ChatContext context;
    private ChatContext.Scope scope;
    private final ChatContext.Scope span;
    private final ChatLogger.Mark mark;
    private boolean closed;

    MessageTurn(ChatLogger logger, String conversationId, String userInput) {
        this.logger = logger;
        this.mark = logger.mark(); // before the turn's first record
        String conv = conversationId == null || conversationId.isBlank() ? Ids.newId() : conversationId;
        String messageId = Ids.newId();
        Instant now = Instant.now();
        TraceParent trace = logger.context().trace(); // null unless traces are on
        this.message = ConversationMessage.builder().conversationId(conv).messageId(messageId)
                .userInput(userInput).timestamp(now).trace(trace);
        logger.turnOpened(conv, messageId, userInput, now);
        ChatContext turn = ChatContext.forMessage(conv, messageId);
        this.context = trace == null ? turn : turn.withTrace(trace.under(messageId));
        this.scope = context.makeCurrent();
        this.span = logger.enterSpan(context.trace());
    }

    public String conversationId() { return context.conversationId(); }
    public String messageId() { return context.messageId(); }
    /** The context of this turn, to hand to another thread. */
    public ChatContext context() { return context; }

    /** Sets the user's input, for a turn opened before it was known (by a web filter, say). */
    public MessageTurn input(String userInput) { message.userInput(userInput); return this; }
    public MessageTurn user(String userId) { message.userId(userId); return rescope(context.withUser(userId)); }
    public MessageTurn chatMode(String mode) { message.chatMode(mode); return rescope(context.withChatMode(mode)); }
    public MessageTurn intent(String v) { message.intent(v); return this; }
    public MessageTurn classification(String v) { message.classification(v); return this; }
    public MessageTurn databaseUsed(String v) { message.databaseUsed(v); return this; }
    public MessageTurn sqlQuery(SqlQuery q) { queries.add(q); return this; }
    public MessageTurn sqlResultsCount(int n) { message.sqlResultsCount(n); return this; }
    public MessageTurn debug(String key, Object value) { debug.put(key, value); return this; }

    /**
     * Tags the turn ({@code team:payments}, {@code tenant:acme}): its later LLM calls carry the tag,
     * so tag budgets cover them, and the message's debug info lists its tags.
     */
    public MessageTurn tag(String tag) {
        rescope(context.withTag(tag));
        if (!context.tags().isEmpty()) debug.put("tags", List.copyOf(context.tags()));
        return this;
    }

    /**
     * Puts the turn in an experiment's arm: the message row and every LLM call made in the turn from now on carry
     * {@code <experiment>/<variant>} ({@link ChatContext#arm()}), so figures, filters, exports and budgets can be per
     * arm. Set it before the turn's first call. Names are 1 to 64 of letters, digits and {@code . _ : -}.
     */
    public MessageTurn arm(String experiment, String variant) {
        ChatContext next = context.withArm(experiment, variant);
        message.arm(next.arm());
        return rescope(next);
    }

    public MessageTurn output(String finalOutput, String conversationMessage) {
        message.finalOutput(finalOutput).conversationMessage(conversationMessage);
        return this;
    }

    public MessageTurn failed(String errorMessage) {
        message.success(false).errorMessage(errorMessage);
        return this;
    }

    /**
     * Opens a stage of this turn ({@code try (StepScope stt = turn.stage("stt")) { ... }}): a {@code stage} row timed
     * against its target, under the step of this turn current on the calling thread (an agent, another stage), else
     * under the turn itself — also on a thread that does not carry the turn (a speech-to-text callback).
     */
    public StepScope stage(String name) {
        ChatContext current = logger.context();
        boolean inThisTurn = java.util.Objects.equals(current.messageId(), context.messageId())
                && java.util.Objects.equals(current.conversationId(), context.conversationId());
        return new StepScope(logger, CallType.STAGE, name, null, inThisTurn ? current : context);
    }

    /** Calls made until the returned scope closes carry this function name. */
    public ChatContext.Scope function(String functionName) {
        return context.withFunction(functionName).makeCurrent();
    }

    private MessageTurn rescope(ChatContext next) {
        scope.close();
        context = next;
        scope = context.makeCurrent();
        return this;
    }

    /**
     * Closes the turn (if open) and waits until its records are durable: false on timeout, or when
     * any record offered since the turn began was dropped or lost ({@link ChatLogger#awaitDurable(java.time.Duration, ChatLogger.Mark)}).
     */
    public boolean awaitDurable(java.time.Duration timeout) {
        close();
        return logger.awaitDurable(timeout, mark);
    }

    /** Restores the thread's previous context and logs the message. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        scope.close();
        span.close();
        double ms = (System.nanoTime() - startNanos) / 1e6;
        if (context.arm() != null) message.arm(context.arm()); // set here, or claimed below the turn by a routing model
        logger.logMessage(message.sqlQueries(queries)
                .debugInfo(debug).responseTimeMs(ms).build());
    }
}
