package dev.chatlog.core;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Who an LLM call belongs to: conversation, message, user, chat mode, agent, function, parent
 * call, and the tags the application set on the turn (a team, a tenant: what tag budgets match). Immutable; the current one is held per thread and set with {@link #makeCurrent()}. A
 * listener reads {@link #current()} when a call starts, so callbacks that run later on other
 * threads (streaming) still attribute correctly. To carry the context to another thread, pass the
 * object along and call {@code makeCurrent()} there.
 */
public final class ChatContext {
    private static final ThreadLocal<Binding> CURRENT = new ThreadLocal<>();

    /**
     * A context made current on a thread, over the one before it. A binding can be ended from any
     * thread ({@link #bindUntilEnded}): the thread it is on skips it the next time it reads its
     * context, so a step closed elsewhere (a streaming AI service completing on a callback thread)
     * does not stay the opening thread's context.
     */
    static final class Binding {
        final ChatContext context;
        final Binding previous;
        volatile boolean ended;
        /** Closed on the bound thread when it drops an ended binding (the step's trace scope, which only that thread may close). */
        volatile Scope onDrop;

        Binding(ChatContext context, Binding previous) {
            this.context = context;
            this.previous = previous;
        }
    }
    /** Calls made outside any context: stored without conversation or message. */
    public static final ChatContext EMPTY = new ChatContext(null, null, null, null, null, null, null, Set.of(), new AtomicInteger(), null, false, null, new java.util.concurrent.atomic.AtomicReference<>());

    private final String conversationId;
    private final String messageId;
    private final String userId;
    private final String chatMode;
    private final String agent;
    private final String functionName;
    private final String parentCallId;
    private final Set<String> tags;
    private final AtomicInteger sequence; // shared by every context of one message
    private final TraceParent trace;
    private final boolean evaluation;
    private final String arm;
    private final java.util.concurrent.atomic.AtomicReference<String> turnArm; // shared by every context of one message, like sequence

    private ChatContext(String conversationId, String messageId, String userId, String chatMode,
                        String agent, String functionName, String parentCallId, Set<String> tags, AtomicInteger sequence,
                        TraceParent trace, boolean evaluation, String arm, java.util.concurrent.atomic.AtomicReference<String> turnArm) {
        this.conversationId = conversationId;
        this.messageId = messageId;
        this.userId = userId;
        this.chatMode = chatMode;
        this.agent = agent;
        this.functionName = functionName;
        this.parentCallId = parentCallId;
        this.tags = tags;
        this.sequence = sequence;
        this.trace = trace;
        this.evaluation = evaluation;
        this.arm = arm;
        this.turnArm = turnArm;
    }

    /** A context for one message of a conversation, with its own call sequence. */
    public static ChatContext forMessage(String conversationId, String messageId) {
        return new ChatContext(conversationId, messageId, null, null, null, null, null, Set.of(), new AtomicInteger(), null, false, null, new java.util.concurrent.atomic.AtomicReference<>());
    }

    public static ChatContext current() {
        Binding b = CURRENT.get();
        if (b == null) return EMPTY;
        if (b.ended) {
            while (b != null && b.ended) {
                Scope drop = b.onDrop;
                b.onDrop = null;
                if (drop != null) drop.close();
                b = b.previous;
            }
            if (b == null) CURRENT.remove();
            else CURRENT.set(b);
            if (b == null) return EMPTY;
        }
        return b.context;
    }

    public String conversationId() { return conversationId; }
    public String messageId() { return messageId; }
    public String userId() { return userId; }
    public String chatMode() { return chatMode; }
    public String agent() { return agent; }
    public String functionName() { return functionName; }
    public String parentCallId() { return parentCallId; }
    /** The turn's tags, in the order they were set. */
    public Set<String> tags() { return tags; }
    /**
     * The trace and span that work in this context runs under, when traces are on (else null): a call
     * made here is a child of that span. {@link #withParent} moves it under the new parent's span.
     */
    public TraceParent trace() { return trace; }

    /**
     * Whether model calls made in this context are an evaluator's (an LLM judge rating the log), stored as
     * {@link CallType#EVALUATION} rows: counted and priced like any model call, told apart from the product's own.
     */
    public boolean evaluation() { return evaluation; }

    /** This context for an evaluator's calls: a chat call made in it is an {@link CallType#EVALUATION} row. */
    public ChatContext asEvaluation() {
        return new ChatContext(conversationId, messageId, userId, chatMode, agent, functionName, parentCallId, tags, sequence, trace, true, arm, turnArm);
    }

    /**
     * The experiment arm this turn runs in, {@code <experiment>/<variant>} ({@code checkout-model/cheap}), or null: stored
     * on every row of the turn, so every breakdown, filter, export and budget can be per arm.
     */
    public String arm() { return arm != null ? arm : turnArm.get(); }

    /**
     * Puts this context's turn in an arm from below the turn — a routing model that assigned the turn by its conversation
     * ({@code ArmChatModel}) — unless it is in one already: every context of the turn, and its message when it closes,
     * then carry it. Answers the turn's arm (the one it was already in, if any); null outside a turn.
     */
    public String claimArm(String experiment, String variant) {
        if (messageId == null) return null;
        turnArm.compareAndSet(null, arm(experiment, variant));
        return arm();
    }

    /**
     * This context in an experiment's arm ({@link #arm()}): names of 1 to 64 letters, digits and {@code . _ : -}, as
     * experiments and their variants are named.
     */
    public ChatContext withArm(String experiment, String variant) {
        return new ChatContext(conversationId, messageId, userId, chatMode, agent, functionName, parentCallId, tags, sequence,
                trace, evaluation, arm(experiment, variant), turnArm);
    }

    /** {@code <experiment>/<variant>}, both checked: what {@link #arm()} holds. */
    public static String arm(String experiment, String variant) {
        if (experiment == null || !ARM_PART.matcher(experiment).matches() || variant == null || !ARM_PART.matcher(variant).matches()) {
            throw new IllegalArgumentException("an arm is an experiment and a variant, each 1 to 64 of letters, digits and . _ : -");
        }
        return experiment + '/' + variant;
    }

    private static final java.util.regex.Pattern ARM_PART = java.util.regex.Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    /** The next position of a call within its message (1, 2, 3 ...). */
    public int nextSequence() {
        return sequence.incrementAndGet();
    }

    public ChatContext withUser(String v) { return copy(conversationId, messageId, v, chatMode, agent, functionName, parentCallId); }
    public ChatContext withChatMode(String v) { return copy(conversationId, messageId, userId, v, agent, functionName, parentCallId); }
    public ChatContext withAgent(String v) { return copy(conversationId, messageId, userId, chatMode, v, functionName, parentCallId); }
    public ChatContext withFunction(String v) { return copy(conversationId, messageId, userId, chatMode, agent, v, parentCallId); }
    public ChatContext withParent(String v) {
        return new ChatContext(conversationId, messageId, userId, chatMode, agent, functionName, v, tags, sequence,
                trace == null || v == null ? trace : trace.under(v), evaluation, arm, turnArm);
    }

    /** This context in a trace: calls made in it are spans under {@code t}'s span. */
    public ChatContext withTrace(TraceParent t) {
        return new ChatContext(conversationId, messageId, userId, chatMode, agent, functionName, parentCallId, tags, sequence, t, evaluation, arm, turnArm);
    }

    /** This context with one more tag ({@code team:payments}, {@code tenant:acme}): a tag budget covers calls carrying its tag. */
    public ChatContext withTag(String tag) {
        if (tag == null || tag.isBlank() || tags.contains(tag)) return this;
        Set<String> more = new LinkedHashSet<>(tags);
        more.add(tag);
        return new ChatContext(conversationId, messageId, userId, chatMode, agent, functionName, parentCallId,
                java.util.Collections.unmodifiableSet(more), sequence, trace, evaluation, arm, turnArm);
    }

    private ChatContext copy(String conv, String msg, String user, String mode, String ag, String fn, String parent) {
        return new ChatContext(conv, msg, user, mode, ag, fn, parent, tags, sequence, trace, evaluation, arm, turnArm);
    }

    /** Makes this the current context of the calling thread until the scope is closed. */
    public Scope makeCurrent() {
        return bindUntilEnded();
    }

    /**
     * {@link #makeCurrent()}, returning the binding's scope: closed on this thread it restores the
     * previous context at once; {@link Bound#end()} from any other thread makes this thread drop it
     * the next time it reads its context.
     */
    Bound bindUntilEnded() {
        Binding previous = CURRENT.get();
        Binding b = new Binding(this, previous);
        CURRENT.set(b);
        return new Bound(b, previous);
    }

    /** The scope of one binding. */
    static final class Bound implements Scope {
        private final Binding binding;
        private final Binding previous;

        private Bound(Binding binding, Binding previous) {
            this.binding = binding;
            this.previous = previous;
        }

        /** Ended from any thread: the bound thread skips it when it next reads its context (and closes {@code onDrop}). */
        void end() {
            binding.ended = true;
        }

        /** What the bound thread closes when it drops this binding after an {@link #end()} from elsewhere. */
        void onDrop(Scope scope) {
            binding.onDrop = scope;
        }

        @Override
        public void close() {
            binding.onDrop = null; // closed on its own thread: whoever opened the scope closes it
            binding.ended = true;
            if (previous == null) CURRENT.remove();
            else CURRENT.set(previous);
        }
    }

    /** Restores the previous context when closed. */
    @FunctionalInterface
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
