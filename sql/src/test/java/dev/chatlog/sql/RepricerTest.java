package dev.chatlog.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.core.CallType;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.LlmCall;
import dev.chatlog.core.price.PriceCatalog;
import dev.chatlog.sql.rollup.ConsistencyCheck;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/**
 * Calls priced with one catalog, repriced with another: every cost-derived figure (message totals,
 * summaries, every rollup row and its maxima, user days, intent rows) still equals its recomputation
 * from the calls, a second run changes nothing, and a dry run writes nothing.
 */
class RepricerTest {
    private static final PriceCatalog OLD = PriceCatalog.bundled().withInlineOverrides("model-a=1:1;model-b=2:2;model-d=5:5");
    // model-a up, model-b no longer priced, model-c newly priced, model-d cut (its rows' maxima must come down)
    private static final PriceCatalog NEW = PriceCatalog.bundled().withInlineOverrides("model-a=3:3;model-c=1:1;model-d=1:1");
    private static final List<String> MODELS = List.of("model-a", "model-b", "model-c", "model-d");

    private static BigDecimal sum(Jdbi jdbi, String sql) {
        return jdbi.withHandle(h -> h.createQuery(sql).mapTo(BigDecimal.class).one());
    }

    @Test
    void should_keep_every_derived_figure_exact_and_count_nothing_twice() {
        try (Database db = TestDatabase.freshDatabase()) {
            Jdbi jdbi = db.jdbi();
            Instant t0 = Instant.parse("2026-11-20T08:00:00Z");
            try (ChatLogger logger = ChatLogger.builder(new JdbcChatLogStore(jdbi)).prices(OLD).batchSize(97).build()) {
                for (int i = 0; i < 1_200; i++) {
                    Instant at = t0.plus(Duration.ofMinutes(7L * i)); // five days, many hours
                    String conv = "conv-" + (i % 40);
                    String msg = conv + "-m" + (i / 3);
                    logger.logCall(LlmCall.builder().callId("call-" + i).conversationId(conv).messageId(msg)
                            .callType(i % 10 == 0 ? CallType.STREAMING_CHAT : CallType.CHAT).model(MODELS.get(i % 4))
                            .agent(i % 3 == 0 ? "RAGAgent" : null).functionName("f" + (i % 5)).chatMode(i % 2 == 0 ? "tool" : "simple")
                            .userId("user-" + (i % 7)).inputTokens(1_000 + i).outputTokens(100 + i % 50).durationMs(100 + i % 900)
                            .startedAt(at).build());
                    if (i % 3 == 2) {
                        logger.logMessage(ConversationMessage.builder().conversationId(conv).messageId(msg).userId("user-" + (i % 7))
                                .chatMode(i % 2 == 0 ? "tool" : "simple").intent(i % 2 == 0 ? "orders" : "smalltalk").userInput("q")
                                .finalOutput("{}").timestamp(at).success(true).build());
                    }
                }
                // a tool row and a call the application priced itself: neither is repriced
                logger.logCall(LlmCall.builder().callId("tool-1").conversationId("conv-1").messageId("conv-1-m0").callType(CallType.TOOL)
                        .functionName("search").startedAt(t0).durationMs(5).build());
                logger.logCall(LlmCall.builder().callId("own-price").conversationId("conv-2").messageId("conv-2-m0").model("model-a")
                        .inputTokens(10).outputTokens(10).costEstimate(new BigDecimal("9.99")).startedAt(t0).build());
                assertTrue(logger.flush(Duration.ofSeconds(60)));
            }
            ConsistencyCheck check = new ConsistencyCheck(jdbi);
            assertEquals(List.of(), check.mismatches(), "exact before");
            BigDecimal stored = sum(jdbi, "SELECT SUM(cost_estimate) FROM chatbot_llm_calls");
            Instant from = Instant.parse("2026-11-01T00:00:00Z");
            Instant to = Instant.parse("2026-12-01T00:00:00Z");

            Repricer.Result dry = new Repricer(jdbi, NEW, 250).reprice(from, to, true);
            System.out.println("reprice dry run: " + dry.toMap());
            assertEquals(1_200, dry.calls(), "the model calls, not the tool row or the caller-priced call");
            assertEquals(0, stored.compareTo(sum(jdbi, "SELECT SUM(cost_estimate) FROM chatbot_llm_calls")), "a dry run writes nothing");

            Repricer.Result run = new Repricer(jdbi, NEW, 250).reprice(from, to, false);
            System.out.println("reprice: " + run.toMap());
            assertEquals(dry.costAfter(), run.costAfter());
            assertEquals(dry.changed(), run.changed());
            assertEquals(300, run.newlyPriced(), "model-c");
            assertEquals(300, run.newlyUnpriced(), "model-b");
            assertEquals(List.of(), check.mismatches(), "every summary, message total and rollup equals its recomputation");
            // cost by hand: model-a at $3 + $3, model-c and model-d at $1 + $1 per 1M, model-b unpriced, plus the caller's own 9.99
            BigDecimal expected = jdbi.withHandle(h -> h.createQuery("""
                    SELECT SUM(CASE model WHEN 'model-a' THEN 3 ELSE 1 END * (input_tokens + output_tokens)) / 1000000
                    FROM chatbot_llm_calls WHERE model IN ('model-a', 'model-c', 'model-d') AND call_id <> 'own-price'""")
                    .mapTo(BigDecimal.class).one()).add(new BigDecimal("9.99"));
            assertEquals(0, expected.compareTo(sum(jdbi, "SELECT SUM(cost_estimate) FROM chatbot_llm_calls")));
            assertEquals(0, expected.compareTo(sum(jdbi, "SELECT SUM(cost) FROM chatbot_usage_rollup WHERE granularity = 'd' AND dimension = 'all'")));
            assertEquals(0, expected.compareTo(sum(jdbi, "SELECT SUM(total_cost) FROM chatbot_conversation_summary")));
            assertEquals(300, sum(jdbi, "SELECT SUM(unpriced_calls) FROM chatbot_conversation_summary").intValue());
            assertEquals(1_200, sum(jdbi, "SELECT COUNT(*) FROM chatbot_llm_calls WHERE price_version = '" + NEW.version() + "'").intValue());

            Repricer.Result again = new Repricer(jdbi, NEW, 250).reprice(from, to, false);
            assertEquals(0, again.changed(), "a second run with the same prices changes nothing");
            assertEquals(List.of(), check.mismatches());
            assertEquals(0, expected.compareTo(sum(jdbi, "SELECT SUM(total_cost) FROM chatbot_conversation_summary")));
        }
    }
}
