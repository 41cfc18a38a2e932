package dev.chatlog.judge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.budgets.Budget;
import dev.chatlog.budgets.BudgetDefinitions;
import dev.chatlog.budgets.BudgetLedger;
import dev.chatlog.budgets.BudgetPeriod;
import dev.chatlog.budgets.JdbcBudgetGate;
import dev.chatlog.core.MessageTurn;
import dev.chatlog.core.price.PriceCatalog;
import dev.chatlog.core.score.Score;
import dev.chatlog.core.token.TokenCounter;
import dev.chatlog.sql.Database;
import dev.chatlog.langchain4j.BudgetGuard;
import dev.chatlog.langchain4j.ChatLogListener;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.chatlog.sql.TestDatabase;
import dev.chatlog.sql.rollup.ConsistencyCheck;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The judge through LangChain4j's real OpenAI client on the stub: the product's turns answered by {@code shop-model}, the
 * judge's by {@code judge-mini} ($1 per million input tokens, $2 per million output) with 200 prompt tokens and 20 of
 * reply, so each rating costs exactly $0.00024.
 */
class LlmJudgeTest {
    private static final PriceCatalog PRICES = JudgeShop.PRICES;
    private static final BigDecimal ONE_RATING = new BigDecimal("0.00024");
    private static JudgeShop shop;

    @BeforeAll
    static void start() throws Exception {
        shop = new JudgeShop();
    }

    @AfterAll
    static void stop() {
        shop.close();
    }

    private static String[] turn(String input) {
        return shop.turn(input, null);
    }

    private static LlmJudge judge(String name, ChatModel model) {
        return shop.judge(name, model);
    }

    @Test
    void should_score_a_message_and_record_its_own_call_as_an_evaluation_outside_the_turn_totals() {
        String[] t = turn("Which kettle do you have?");
        Map<String, Object> before = message(t[1]);
        Verdict v = judge("qa-judge", shop.judgeModel).judge(JudgeTarget.message(t[0], t[1], "Which kettle do you have?", "We have the Steel Kettle."));
        assertEquals(Verdict.Outcome.SCORED, v.outcome());
        assertEquals(0, ONE_RATING.compareTo(v.costUsd()));
        assertTrue(shop.logger.flush(Duration.ofSeconds(20)));

        Map<String, Object> score = shop.jdbi.withHandle(h -> h.createQuery("SELECT * FROM chatbot_scores WHERE target_id = :m").bind("m", t[1]).mapToMap().one());
        assertEquals("message", score.get("target_type"));
        assertEquals("helpfulness", score.get("name"));
        assertEquals(0, new BigDecimal("4").compareTo((BigDecimal) score.get("value")));
        assertEquals("llm_judge", score.get("source"));
        assertEquals("qa-judge", score.get("evaluator"));
        assertEquals("v1 judge-mini", score.get("evaluator_version"));
        assertEquals("v1 judge-mini", score.get("score_key"));
        assertEquals("Answers the question.", score.get("comment"));

        Map<String, Object> row = shop.jdbi.withHandle(h -> h.createQuery("SELECT * FROM chatbot_llm_calls WHERE message_id = :m AND call_type = 'evaluation'")
                .bind("m", t[1]).mapToMap().one());
        assertEquals(t[0], row.get("conversation_id"));
        assertNull(row.get("parent_call_id"));
        assertEquals("judge:qa-judge", row.get("function_name"));
        assertEquals("judge-mini", row.get("model"));
        assertEquals(200, row.get("input_tokens"));
        assertEquals(20, row.get("output_tokens"));
        assertEquals(0, ONE_RATING.compareTo((BigDecimal) row.get("cost_estimate")));
        assertEquals(before, message(t[1]), "the turn's totals are the product's: the judge's call is not part of the turn");
        assertEquals(List.of(), new ConsistencyCheck(shop.jdbi).mismatches());
    }

    @Test
    void should_hang_a_call_judgement_under_the_call_and_read_nothing_into_a_reply_that_is_not_a_rating() {
        String[] t = turn("Which kettle do you have?");
        LlmJudge judge = judge("call-judge", shop.judgeModel);
        assertEquals(Verdict.Outcome.SCORED, judge.judge(JudgeTarget.call(t[0], t[1], t[2], "Which kettle do you have?", "Steel Kettle")).outcome());
        Verdict unreadable = judge.judge(JudgeTarget.message(t[0], t[1], "Hello", "Hi")); // the shop.stub's judge answers in prose
        assertEquals(Verdict.Outcome.UNREADABLE, unreadable.outcome());
        assertEquals(0, ONE_RATING.compareTo(unreadable.costUsd()), "an unreadable rating still cost its call");
        assertTrue(shop.logger.flush(Duration.ofSeconds(20)));
        assertEquals(t[2], shop.jdbi.withHandle(h -> h.createQuery("SELECT parent_call_id FROM chatbot_llm_calls WHERE message_id = :m "
                + "AND call_type = 'evaluation' AND parent_call_id IS NOT NULL").bind("m", t[1]).mapTo(String.class).one()));
        assertEquals(Long.valueOf(1), shop.jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM chatbot_scores WHERE conversation_id = :c").bind("c", t[0])
                .mapTo(Long.class).one()), "one score: the call's; the unreadable reply gave none");
    }

    @Test
    void should_show_the_rating_of_a_call_made_outside_any_turn_in_its_conversation() {
        String conv = "batch-" + System.nanoTime();
        String call;
        try (dev.chatlog.core.ChatContext.Scope s = dev.chatlog.core.ChatContext.forMessage(conv, "").makeCurrent()) {
            shop.product.chat("Which kettle is the cheapest?"); // a batch job's call: a conversation, no turn
        }
        assertTrue(shop.logger.flush(Duration.ofSeconds(20)));
        call = shop.jdbi.withHandle(h -> h.createQuery("SELECT call_id FROM chatbot_llm_calls WHERE conversation_id = :c").bind("c", conv)
                .mapTo(String.class).one());
        assertEquals(Verdict.Outcome.SCORED, judge("batch-judge", shop.judgeModel).judge(JudgeTarget.call(conv, "", call, "Which kettle?", "Steel")).outcome());
        assertTrue(shop.logger.flush(Duration.ofSeconds(20)));
        Map<String, Object> detail = new dev.chatlog.sql.report.Reports(shop.jdbi).conversation(conv).orElseThrow();
        assertEquals(1, ((List<?>) detail.getOrDefault("evaluations_outside_messages", List.of())).size(),
                "the judge's call beside the calls outside any turn: " + detail.keySet());
    }

    @Test
    void should_plan_a_backfill_without_sending_anything_and_keep_to_its_caps() {
        Instant from = Instant.now().minus(1, ChronoUnit.MINUTES);
        for (int i = 0; i < 5; i++) turn("Which kettle do you have?");
        Instant to = Instant.now().plusSeconds(1);
        Backfill backfill = new Backfill(judge("backfill-judge", shop.judgeModel), shop.jdbi, TokenCounter.shared());
        int requests = shop.stub.requests().size();

        Backfill.Result dry = backfill.run(new Backfill.Request(from, to, Score.Target.MESSAGE, Set.of(), Set.of(), Set.of(), 3, null, true));
        assertEquals(requests, shop.stub.requests().size(), "a dry run sends nothing");
        assertTrue(dry.plan().unrated() >= 5, dry.toString());
        assertEquals(3, dry.plan().selected());
        assertEquals("max_targets", dry.plan().cappedBy());
        BigDecimal each = dry.plan().estimatedCostUsd().divide(BigDecimal.valueOf(3));
        assertTrue(each.signum() > 0, dry.toString());

        // the cap must hold the longest reply a rating may have: each target's estimate with 256 reply tokens, not 64, at $2/M
        BigDecimal longest = each.add(BigDecimal.valueOf(LlmJudge.MAX_REPLY_TOKENS - Backfill.ASSUMED_OUTPUT_TOKENS).multiply(new BigDecimal("0.000002")));
        BigDecimal cap = longest.multiply(new BigDecimal("2.5")); // room for two and a half: two are judged
        Backfill.Result run = backfill.run(new Backfill.Request(from, to, Score.Target.MESSAGE, Set.of(), Set.of(), Set.of(), 100, cap, false));
        assertEquals(2, run.plan().selected());
        assertEquals("max_cost", run.plan().cappedBy());
        assertEquals(2, run.scored());
        assertEquals(requests + 2, shop.stub.requests().size());
        assertEquals(0, ONE_RATING.multiply(BigDecimal.valueOf(2)).compareTo(run.spentUsd()));

        Backfill.Result after = backfill.run(new Backfill.Request(from, to, Score.Target.MESSAGE, Set.of(), Set.of(), Set.of(), 100, null, true));
        assertEquals(dry.plan().unrated() - 2, after.plan().unrated(), "what was rated is not rated again");
    }

    @Test
    void should_stop_the_judges_spend_at_its_budget() {
        Instant from = Instant.now().minus(1, ChronoUnit.MINUTES);
        for (int i = 0; i < 4; i++) turn("Which kettle do you have?");
        JdbcBudgetGate gate = JdbcBudgetGate.builder(shop.jdbi).refresh(Duration.ofMinutes(10)).build();
        try {
            BigDecimal limit = new BigDecimal("0.001"); // a call reserves ~$0.00067 (its prompt and 256 tokens of reply) and spends $0.00024
            new BudgetDefinitions(shop.jdbi).put(new Budget("judges", Budget.Scope.TAG, "judge", BudgetPeriod.DAY, ZoneOffset.UTC, limit, null,
                    Budget.Action.ENFORCE));
            gate.refresh();
            ChatModel guarded = BudgetGuard.builder(gate, PRICES).build().guard(shop.judgeModel);
            Backfill.Result run = new Backfill(judge("budget-judge", guarded), shop.jdbi, TokenCounter.shared())
                    .run(new Backfill.Request(from, Instant.now().plusSeconds(1), Score.Target.MESSAGE, Set.of(), Set.of(), Set.of(), 100, null, false));
            assertEquals("budget", run.stoppedBy(), run.toString());
            assertEquals(1, run.refusedByBudget());
            assertTrue(run.scored() >= 1, run.toString());
            BudgetLedger.WindowState w = new BudgetLedger(shop.jdbi).window(new BudgetDefinitions(shop.jdbi).list().get(0), Instant.now());
            assertTrue(w.spent().compareTo(limit) <= 0, "spent " + w.spent() + " under " + limit);
            assertEquals(0, ONE_RATING.multiply(BigDecimal.valueOf(run.scored())).compareTo(w.spent()), w.toString());
        } finally {
            gate.close();
        }
    }

    @Test
    void should_judge_online_a_sample_of_what_is_stored_and_never_its_own_calls() throws Exception {
        LlmJudge judge = judge("online-judge", shop.judgeModel);
        try (OnlineJudge online = OnlineJudge.attach(shop.logger, judge, new OnlineJudge.Sampling(1, Score.Target.CALL, Set.of("shop-model"),
                Set.of(), Set.of()), 100)) {
            String[] a = turn("Which kettle do you have?");
            String[] b = turn("Which kettle do you have in steel?");
            assertTrue(online.awaitIdle(Duration.ofSeconds(20)));
            assertTrue(shop.logger.flush(Duration.ofSeconds(20)));
            for (String[] t : List.of(a, b)) {
                assertEquals(List.of(t[2]), shop.jdbi.withHandle(h -> h.createQuery("SELECT target_id FROM chatbot_scores WHERE conversation_id = :c "
                        + "AND evaluator = 'online-judge'").bind("c", t[0]).mapTo(String.class).list()), "the product's call, once");
            }
            assertEquals(2, online.stats().scored(), online.stats().toString());
        }
        // a share: the same ids always in or out, about the rate of them
        try (OnlineJudge half = OnlineJudge.attach(shop.logger, judge, new OnlineJudge.Sampling(0.25, null, null, null, null), 1)) {
            int in = 0;
            for (int i = 0; i < 4000; i++) {
                boolean s = half.sampled("id-" + i);
                assertEquals(s, half.sampled("id-" + i));
                if (s) in++;
            }
            assertTrue(in > 900 && in < 1100, in + " of 4000 sampled at 0.25");
        }
    }

    private static Map<String, Object> message(String id) {
        return shop.jdbi.withHandle(h -> h.createQuery("SELECT total_llm_calls, total_tokens_used, total_cost FROM chatbot_conversation_messages WHERE message_id = :m")
                .bind("m", id).mapToMap().one());
    }
}
