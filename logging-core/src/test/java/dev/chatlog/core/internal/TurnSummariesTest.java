package dev.chatlog.core.internal;

import dev.chatlog.core.Batch;
import dev.chatlog.core.CallType;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.InMemorySink;
import dev.chatlog.core.LlmCall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The per-turn console line: the figures of the calls stored for the turn, said once its message is stored. */
class TurnSummariesTest {
    private static LlmCall call(String msg, CallType type, String agent, String function, int in, int out, String cost, boolean ok) {
        return LlmCall.builder().conversationId("conv-1").messageId(msg).callType(type).agent(agent).functionName(function)
                .model("gpt-4o-mini").inputTokens(in).outputTokens(out).priced(cost != null)
                .costEstimate(cost == null ? null : new BigDecimal(cost)).success(ok).durationMs(10).startedAt(Instant.now()).build();
    }

    private static ConversationMessage message(String msg, boolean ok, double ms) {
        return ConversationMessage.builder().conversationId("conv-1").messageId(msg).userInput("q").finalOutput("a").success(ok)
                .responseTimeMs(ms).timestamp(Instant.now()).build();
    }

    @Test
    void should_say_each_turn_once_with_its_tokens_cost_agents_functions_and_duration() throws Exception {
        List<String> lines = new ArrayList<>();
        TurnSummaries sink = new TurnSummaries(lines::add);
        sink.accept(new Batch(List.of(call("m1", CallType.CHAT, "router", "classify_intent", 120, 8, "0.0000228", true),
                call("m1", CallType.TOOL, "router", "lookup_order", 0, 0, null, true)), List.of()));
        sink.accept(new Batch(List.of(call("m1", CallType.CHAT, "router", "summarize", 900, 210, "0.000261", true),
                call("m1", CallType.CHAT, null, "summarize", 50, 0, null, false)), List.of(message("m1", true, 2140))));
        assertEquals(1, lines.size(), lines.toString());
        assertEquals("turn conv-1/m1 ok in 2.14 s: 3 LLM calls (1 failed), tokens 1070 prompt / 218 completion, $0.0002838 + 1 unpriced, "
                + "agents router, functions classify_intent, summarize, tools lookup_order", lines.get(0));
        sink.accept(new Batch(List.of(), List.of(message("m2", false, 15))));
        assertEquals("turn conv-1/m2 FAILED in 0.02 s: 0 LLM calls, tokens 0 prompt / 0 completion, $0", lines.get(1));
    }

    @Test
    void should_be_told_only_of_batches_the_store_took() throws Exception {
        InMemorySink sink = new InMemorySink();
        List<Batch> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (ChatLogger logger = ChatLogger.builder(sink).build()) {
            logger.onStored(seen::add);
            logger.onStored(b -> {
                throw new IllegalStateException("a broken observer");
            });
            logger.logMessage(message("m1", true, 5));
            assertTrue(logger.flush(java.time.Duration.ofSeconds(5)));
        }
        assertEquals(1, seen.stream().mapToInt(b -> b.messages().size()).sum(), "seen once, and a failing observer changed nothing");
    }
}
