package dev.chatlog.judge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.MessageTurn;
import dev.chatlog.core.price.PriceCatalog;
import dev.chatlog.core.score.Score;
import dev.chatlog.core.score.ScoreDefinition;
import dev.chatlog.core.token.TokenCounter;
import dev.chatlog.langchain4j.ChatLogListener;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.chatlog.sql.Repricer;
import dev.chatlog.sql.Retention;
import dev.chatlog.sql.TestDatabase;
import dev.chatlog.sql.erasure.Erasure;
import dev.chatlog.sql.rollup.ConsistencyCheck;
import dev.chatlog.sql.score.ScoreDefinitions;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The judge at its edges, each found by reading the change (review of the judge) and first seen failing here. */
class JudgeEdgesTest {
    private static final PriceCatalog PRICES = JudgeShop.PRICES;
    private static JudgeShop shop;

    @BeforeAll
    static void start() throws Exception {
        shop = new JudgeShop();
    }

    @AfterAll
    static void stop() {
        shop.close();
    }

    private static String[] turn(String input, String user) {
        return shop.turn(input, user);
    }

    private static LlmJudge judge(String name) {
        return shop.judge(name, shop.judgeModel);
    }

    @Test
    void should_keep_a_repricing_of_the_judges_calls_out_of_the_turn_totals() {
        Instant from = Instant.now().minusSeconds(5);
        String[] t = turn("Which kettle?", null);
        judge("reprice-judge").judge(JudgeTarget.message(t[0], t[1], "Which kettle?", "Steel"));
        assertTrue(shop.logger.flush(Duration.ofSeconds(20)));
        assertEquals(List.of(), new ConsistencyCheck(shop.jdbi).mismatches());
        new Repricer(shop.jdbi, PriceCatalog.bundled().withInlineOverrides("shop-model=10:20;judge-mini=5:10"), 100)
                .reprice(from, Instant.now().plusSeconds(1), false);
        assertEquals(List.of(), new ConsistencyCheck(shop.jdbi).mismatches());
    }

    @Test
    void should_keep_the_cost_cap_when_replies_run_longer_than_assumed() {
        Instant from = Instant.now().minusSeconds(5);
        turn("Which kettle exactly?", null);
        Instant to = Instant.now().plusSeconds(1);
        Backfill b = new Backfill(judge("cap-judge"), shop.jdbi, TokenCounter.shared());
        Backfill.Result dry = b.run(new Backfill.Request(from, to, Score.Target.MESSAGE, Set.of(), Set.of(), Set.of(), 1, null, true));
        BigDecimal cap = dry.plan().estimatedCostUsd();
        shop.judgeReplyTokens = 250;
        try {
            Backfill.Result r = b.run(new Backfill.Request(from, to, Score.Target.MESSAGE, Set.of(), Set.of(), Set.of(), 1, cap, false));
            assertTrue(r.spentUsd().compareTo(cap) <= 0, "cap " + cap + " spent " + r.spentUsd());
        } finally {
            shop.judgeReplyTokens = 20;
        }
    }

    @Test
    void should_run_one_backfill_of_a_judge_at_a_time() throws Exception {
        Instant from = Instant.now().truncatedTo(ChronoUnit.MILLIS); // this test's turns only (stored to the millisecond)
        for (int i = 0; i < 3; i++) turn("Which kettle concurrently?", null);
        Instant to = Instant.now().plusSeconds(1);
        LlmJudge twin = judge("twin-judge");
        shop.judgeDelayMs = 200;
        try {
            var req = new Backfill.Request(from, to, Score.Target.MESSAGE, Set.of(), Set.of(), Set.of(), 100, null, false);
            var x = CompletableFuture.supplyAsync(() -> new Backfill(twin, shop.jdbi, TokenCounter.shared()).run(req));
            var y = CompletableFuture.supplyAsync(() -> new Backfill(twin, shop.jdbi, TokenCounter.shared()).run(req));
            int busy = 0, scored = 0;
            for (var f : List.of(x, y)) {
                try {
                    scored += f.get().scored();
                } catch (java.util.concurrent.ExecutionException e) {
                    assertTrue(e.getCause() instanceof Backfill.Busy, e.toString());
                    busy++;
                }
            }
            assertTrue(shop.logger.flush(Duration.ofSeconds(20)));
            long rows = shop.jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM chatbot_llm_calls WHERE call_type = 'evaluation' AND function_name = 'judge:twin-judge'").mapTo(Long.class).one());
            assertEquals(1, busy, "the second is refused while the first runs");
            assertEquals(3, scored);
            assertEquals(3, rows, "each target paid for once");
        } finally {
            shop.judgeDelayMs = 0;
        }
    }

    @Test
    void should_erase_the_judges_copy_of_an_erased_users_words() {
        String[] t = turn("my secret address is 1 Elm Street", "erase-me");
        judge("erase-judge").judge(JudgeTarget.message(t[0], t[1], "my secret address is 1 Elm Street", "ok"));
        assertTrue(shop.logger.flush(Duration.ofSeconds(20)));
        new Erasure(shop.jdbi).erase(new Erasure.Request(Erasure.Scope.USER, "erase-me", "ops", null, false));
        long left = shop.jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM chatbot_llm_calls WHERE input_text LIKE '%1 Elm Street%'").mapTo(Long.class).one());
        assertEquals(0, left, "rows still holding the erased user's words");
        assertEquals(List.of(), new ConsistencyCheck(shop.jdbi).mismatches());
    }

    @Test
    void should_refuse_a_backfill_whose_scores_the_store_would_refuse_before_paying_for_any() {
        new ScoreDefinitions(shop.jdbi, Clock.systemUTC()).put(new ScoreDefinition("pf", ScoreDefinition.Type.BOOLEAN, null, null, null, null));
        LlmJudge j = new LlmJudge("reject-judge", shop.judgeModel, new Rubric("pf", "v1", Rubric.Scale.ONE_TO_FIVE, "rate it"), shop.logger, PRICES, Clock.systemUTC());
        Instant from = Instant.now().minusSeconds(5);
        turn("Which kettle rejected?", null);
        int requests = shop.stub.requests().size();
        var ex = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new Backfill(j, shop.jdbi, TokenCounter.shared())
                .run(new Backfill.Request(from, Instant.now().plusSeconds(1), Score.Target.MESSAGE, Set.of(), Set.of(), Set.of(), 100, null, false)));
        assertTrue(ex.getMessage().contains("pf"), ex.getMessage());
        assertEquals(requests, shop.stub.requests().size(), "nothing sent");
    }

    @Test
    void should_stay_consistent_when_retention_takes_a_judged_conversation() {
        String[] t = turn("Which kettle retained?", null);
        judge("ret-judge").judge(JudgeTarget.message(t[0], t[1], "x", "y"));
        assertTrue(shop.logger.flush(Duration.ofSeconds(20)));
        // the product's rows 40 days back, as if a backfill had judged an old turn
        shop.jdbi.useHandle(h -> {
            h.execute("UPDATE chatbot_llm_calls SET started_at = started_at - INTERVAL 40 DAY, ended_at = ended_at - INTERVAL 40 DAY WHERE conversation_id = ? AND call_type <> 'evaluation'", t[0]);
            h.execute("UPDATE chatbot_conversation_messages SET `timestamp` = `timestamp` - INTERVAL 40 DAY WHERE conversation_id = ?", t[0]);
            h.execute("UPDATE chatbot_conversation_summary SET first_message_at = first_message_at - INTERVAL 40 DAY, last_message_at = last_message_at - INTERVAL 40 DAY WHERE conversation_id = ?", t[0]);
        });
        new Retention(shop.jdbi).purge(Instant.now(), 30, 30);
        assertEquals(List.of(), new ConsistencyCheck(shop.jdbi).mismatches().stream().filter(s -> s.contains(t[0])).toList());
    }
}
