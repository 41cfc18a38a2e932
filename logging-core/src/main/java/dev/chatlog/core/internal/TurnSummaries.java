package dev.chatlog.core.internal;

import dev.chatlog.core.Batch;
import dev.chatlog.core.CallType;
import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.LlmCall;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One console line per chat turn ({@code dev.chatlog.turns} logger, INFO), written on the logger's
 * writer thread once the turn's message is stored: its calls, prompt and completion tokens,
 * duration, agents and functions used, and cost. It watches what the store took: it adds up the calls it
 * sees written and says the turn when its message follows (calls made after the message closed are
 * not in its line). A batch replayed from the spool after a crash may say a turn again.
 */
public final class TurnSummaries implements java.util.function.Consumer<Batch> {
    private static final Logger log = LoggerFactory.getLogger("dev.chatlog.turns");
    /** Turns whose calls were seen and whose message was not, at most: the oldest are forgotten past it. */
    public static final int MAX_OPEN = 10_000;

    private final java.util.function.Consumer<String> out;
    private final Map<String, Turn> open = new LinkedHashMap<>(256, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Turn> eldest) {
            return size() > MAX_OPEN;
        }
    };

    private static final class Turn {
        int calls;
        int failed;
        int unpriced;
        long input;
        long output;
        BigDecimal cost = BigDecimal.ZERO;
        final TreeSet<String> agents = new TreeSet<>();
        final TreeSet<String> functions = new TreeSet<>();
        final TreeSet<String> tools = new TreeSet<>();
    }

    public TurnSummaries() {
        this(log::info);
    }

    public TurnSummaries(java.util.function.Consumer<String> out) {
        this.out = out;
    }

    /** A batch the store took ({@link ChatLogger#onStored}). */
    @Override
    public void accept(Batch batch) {
        synchronized (open) {
            summarize(batch);
        }
    }

    private void summarize(Batch batch) {
        try {
            for (LlmCall c : batch.calls()) {
                // a judge's call rates a turn that may have closed long ago: it is not part of the turn's work
                if (c.messageId() == null || c.messageId().isEmpty() || c.callType() == CallType.EVALUATION) continue;
                Turn t = open.computeIfAbsent(c.conversationId() + " " + c.messageId(), k -> new Turn());
                if (c.agent() != null) t.agents.add(c.agent());
                switch (c.callType()) {
                    case TOOL -> t.tools.add(String.valueOf(c.functionName()));
                    case AGENT, RETRIEVAL, GUARDRAIL, STAGE, CACHE -> { }
                    case CHAT, STREAMING_CHAT, EMBEDDING, MODERATION -> {
                        t.calls++;
                        if (!c.success()) t.failed++;
                        t.input += c.inputTokens() == null ? 0 : c.inputTokens();
                        t.output += c.outputTokens() == null ? 0 : c.outputTokens();
                        if (c.priced() && c.costEstimate() != null) t.cost = t.cost.add(c.costEstimate());
                        else t.unpriced++;
                        if (c.functionName() != null) t.functions.add(c.functionName());
                    }
                }
            }
            for (ConversationMessage m : batch.messages()) {
                Turn t = open.remove(m.conversationId() + " " + m.messageId());
                out.accept(line(m, t == null ? new Turn() : t));
            }
        } catch (RuntimeException e) { // a summary line is never worth a failed write
            log.debug("turn summary skipped: {}", e.toString());
        }
    }

    public static String line(ConversationMessage m, Turn t) {
        StringBuilder sb = new StringBuilder("turn ").append(m.conversationId()).append('/').append(m.messageId())
                .append(m.success() ? " ok" : " FAILED").append(String.format(java.util.Locale.ROOT, " in %.2f s: ", m.responseTimeMs() / 1000.0))
                .append(t.calls).append(t.calls == 1 ? " LLM call" : " LLM calls");
        if (t.failed > 0) sb.append(" (").append(t.failed).append(" failed)");
        sb.append(", tokens ").append(t.input).append(" prompt / ").append(t.output).append(" completion, $")
                .append(t.cost.stripTrailingZeros().toPlainString());
        if (t.unpriced > 0) sb.append(" + ").append(t.unpriced).append(" unpriced");
        if (!t.agents.isEmpty()) sb.append(", agents ").append(String.join(", ", t.agents));
        if (!t.functions.isEmpty()) sb.append(", functions ").append(String.join(", ", t.functions));
        if (!t.tools.isEmpty()) sb.append(", tools ").append(String.join(", ", t.tools));
        return sb.toString();
    }

}
