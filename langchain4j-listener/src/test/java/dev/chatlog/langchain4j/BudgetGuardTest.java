package dev.chatlog.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.MessageTurn;
import dev.chatlog.core.price.PriceCatalog;
import dev.chatlog.budgets.Budget;
import dev.chatlog.core.budget.BudgetExceededException;
import dev.chatlog.budgets.BudgetPeriod;
import dev.chatlog.langchain4j.OpenAiStub.Reply;
import dev.chatlog.langchain4j.OpenAiStub.Usage;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.chatlog.sql.TestDatabase;
import dev.chatlog.budgets.BudgetDefinitions;
import dev.chatlog.budgets.BudgetLedger;
import dev.chatlog.budgets.JdbcBudgetGate;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.service.AiServices;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The budget decorator around the real OpenAI client (against the local stub) with the ledger on a
 * real MariaDB: refusals before anything is sent, settlement at the real cost, release on failure,
 * streaming settled on its final usage, cancellation, clamping, scopes from the turn.
 * gpt-4o-mini: $0.15 / M input, $0.60 / M output.
 */
class BudgetGuardTest {
    private static Database db;
    private static OpenAiStub stub;
    private static ChatLogger logger;
    private static JdbcBudgetGate gate;
    private static BudgetDefinitions definitions;
    private static BudgetLedger ledger;
    private static final PriceCatalog PRICES = PriceCatalog.bundled();

    @BeforeAll
    static void start() throws Exception {
        db = TestDatabase.freshDatabase();
        stub = new OpenAiStub();
        logger = ChatLogger.builder(new JdbcChatLogStore(db.jdbi())).build();
        gate = JdbcBudgetGate.builder(db.jdbi()).refresh(Duration.ofMinutes(10)).build();
        definitions = new BudgetDefinitions(db.jdbi());
        ledger = new BudgetLedger(db.jdbi());
    }

    @AfterAll
    static void stop() {
        gate.close();
        logger.close();
        stub.close();
        db.close();
    }

    @BeforeEach
    void clean() {
        db.jdbi().useHandle(h -> {
            for (String t : List.of("chatbot_budgets", "chatbot_budget_windows", "chatbot_budget_reservations", "chatbot_budget_ledger")) {
                h.execute("DELETE FROM " + t);
            }
        });
        stub.respond(r -> r.lastUserMessage().contains("fail") ? Reply.error(500, "boom")
                : Reply.text("fine", Usage.of(100, 200)));
        gate.refresh();
    }

    private static Budget budget(String name, Budget.Scope scope, String value, String limit, Budget.Action action) {
        Budget b = new Budget(name, scope, value, BudgetPeriod.DAY, ZoneOffset.UTC, new BigDecimal(limit), null, action);
        definitions.put(b);
        gate.refresh();
        return b;
    }

    private static ChatModel model(BudgetGuard guard) {
        ChatLogListener listener = ChatLogListener.builder(logger).build();
        return guard.guard(OpenAiChatModel.builder().baseUrl(stub.baseUrl()).apiKey("k").modelName("gpt-4o-mini")
                .listeners(List.of(listener)).maxRetries(0).timeout(Duration.ofSeconds(10)).build());
    }

    private static BudgetGuard guard() {
        return BudgetGuard.builder(gate, PRICES).build();
    }

    private static BudgetLedger.WindowState window(Budget b) {
        return ledger.window(b, Instant.now());
    }

    @Test
    void should_settle_at_the_real_cost_and_send_max_tokens_when_the_request_had_none() {
        Budget b = budget("day", Budget.Scope.GLOBAL, null, "1", Budget.Action.ENFORCE);
        int before = stub.requests().size();
        assertEquals("fine", model(guard()).chat("hello"));
        assertEquals(4096, stub.requests().get(before).body().path("max_tokens").asInt(),
                "a request without max_tokens is sent with the cap its reservation assumed");
        BudgetLedger.WindowState w = window(b);
        // 100 input x 0.15 + 200 output x 0.60, per million
        assertEquals(0, new BigDecimal("0.000135").compareTo(w.spent()), w.toString());
        assertEquals(0, w.reserved().signum(), "nothing stays reserved after the call");
        assertEquals(List.of(), ledger.audit());
    }

    @Test
    void should_send_a_call_no_budget_covers_as_it_is() {
        budget("someone-else", Budget.Scope.USER, "nobody-here", "1", Budget.Action.ENFORCE);
        int before = stub.requests().size();
        assertEquals("fine", model(guard()).chat("hello"));
        assertTrue(stub.requests().get(before).body().path("max_tokens").isMissingNode(), "no max_tokens added: nothing reserved");
        assertEquals(0L, (long) db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM chatbot_budget_ledger")
                .mapTo(Long.class).one()));
    }

    @Test
    void should_refuse_before_sending_when_the_worst_case_does_not_fit() {
        // worst case of max_tokens 4096 at $0.60 / M = $0.0024576 (plus the prompt): more than the limit
        Budget b = budget("small", Budget.Scope.GLOBAL, null, "0.002", Budget.Action.ENFORCE);
        int before = stub.requests().size();
        BudgetExceededException e = assertThrows(BudgetExceededException.class, () -> model(guard()).chat("hello"));
        assertEquals(before, stub.requests().size(), "a refused call sends nothing");
        assertEquals("small", e.budget());
        assertEquals(0, new BigDecimal("0.002").compareTo(e.limit()));
        assertEquals(0, e.spent().signum());
        assertTrue(e.requested().compareTo(new BigDecimal("0.0024576")) > 0, e.requested().toString());
        assertEquals(b.period().window(Instant.now(), ZoneOffset.UTC).end(), e.resetsAt());
        assertTrue(e.getMessage().contains("budget 'small' exceeded"), e.getMessage());
        // the same call with a max_tokens that fits goes through
        ChatResponse r = model(guard()).chat(ChatRequest.builder().messages(UserMessage.from("hello")).maxOutputTokens(1000).build());
        assertEquals("fine", r.aiMessage().text());
        assertEquals(0, window(b).reserved().signum());
    }

    @Test
    void should_wait_for_other_calls_reservations_to_settle_before_refusing_and_refuse_at_once_on_spending() throws Exception {
        Budget b = budget("busy", Budget.Scope.GLOBAL, null, "0.002", Budget.Action.ENFORCE);
        // another call in flight holds almost all the headroom with its worst case; it settles far lower 300 ms later
        BudgetLedger.Reservation other = ledger.reserve(b, new BigDecimal("0.0019"), Instant.now(), Duration.ofMinutes(1)).reservation();
        Thread settler = new Thread(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                return;
            }
            ledger.settle(other, new BigDecimal("0.0001"), Instant.now());
        });
        settler.start();
        ChatRequest fits = ChatRequest.builder().messages(UserMessage.from("hello")).maxOutputTokens(1000).build(); // ~$0.0006
        assertEquals("fine", model(guard()).chat(fits).aiMessage().text(), "admitted once the other call settled");
        settler.join();
        // spending alone now leaves no room for the worst case: refused without waiting for anything
        BudgetLedger.Reservation big = ledger.reserve(b, new BigDecimal("0.0015"), Instant.now(), Duration.ofMinutes(1)).reservation();
        ledger.settle(big, new BigDecimal("0.0015"), Instant.now());
        assertThrows(BudgetExceededException.class, () -> model(guard()).chat(fits));
        assertEquals(0, window(b).reserved().signum());
        assertEquals(List.of(), ledger.audit());
    }

    @Test
    void should_count_a_call_that_timed_out_at_its_worst_case_not_as_free() {
        Budget b = budget("timeouts", Budget.Scope.GLOBAL, null, "1", Budget.Action.ENFORCE);
        stub.respond(r -> Reply.text("an answer the client never reads", Usage.of(100, 4000)).delay(1500));
        ChatModel slow = guard().guard(OpenAiChatModel.builder().baseUrl(stub.baseUrl()).apiKey("k").modelName("gpt-4o-mini")
                .maxRetries(0).timeout(Duration.ofMillis(500)).build());
        assertThrows(RuntimeException.class, () -> slow.chat("hello"));
        BudgetLedger.WindowState w = window(b);
        assertEquals(0, w.reserved().signum());
        // the provider may have generated the whole answer: 4,096 output tokens at $0.60 / M at least
        assertTrue(w.spent().compareTo(new BigDecimal("0.0024576")) > 0, "a timed-out call is not free: " + w.spent());
        assertEquals(List.of(), ledger.audit());
        // a provider that cannot be reached at all was never sent the request: that call is released, not charged
        BigDecimal before = w.spent();
        ChatModel unreachable = guard().guard(OpenAiChatModel.builder().baseUrl("http://127.0.0.1:1/v1").apiKey("k").modelName("gpt-4o-mini")
                .maxRetries(0).timeout(Duration.ofMillis(500)).build());
        assertThrows(RuntimeException.class, () -> unreachable.chat("hello"));
        assertEquals(0, before.compareTo(window(b).spent()), "a connection that was never made costs nothing");
        assertEquals(0, window(b).reserved().signum());
    }

    @Test
    void should_settle_at_the_price_of_the_model_that_served_the_call_as_the_log_prices_it() {
        Budget b = budget("served", Budget.Scope.GLOBAL, null, "1", Budget.Action.ENFORCE);
        stub.respond(r -> Reply.text("fine", Usage.of(100, 200)).model("gpt-4o")); // asked gpt-4o-mini, served gpt-4o
        assertEquals("fine", model(guard()).chat("hello"));
        // 100 input x 2.50 + 200 output x 10.00, per million: gpt-4o's price, not gpt-4o-mini's 0.000135
        assertEquals(0, new BigDecimal("0.00225").compareTo(window(b).spent()), window(b).toString());
        assertTrue(logger.flush(Duration.ofSeconds(20)));
        BigDecimal logged = db.jdbi().withHandle(h -> h.createQuery(
                "SELECT cost_estimate FROM chatbot_llm_calls WHERE response_model = 'gpt-4o' ORDER BY id DESC LIMIT 1").mapTo(BigDecimal.class).one());
        assertEquals(0, logged.compareTo(window(b).spent()), "the budget and the log count one price for one call");
    }

    @Test
    void should_bound_a_model_configured_with_max_completion_tokens_by_them_and_send_no_max_tokens() {
        Budget b = budget("reasoning", Budget.Scope.GLOBAL, null, "0.01", Budget.Action.ENFORCE);
        ChatModel reasoning = guard().guard(OpenAiChatModel.builder().baseUrl(stub.baseUrl()).apiKey("k").modelName("gpt-4o-mini")
                .maxCompletionTokens(32_000).maxRetries(0).timeout(Duration.ofSeconds(10)).build());
        int before = stub.requests().size();
        // 32,000 output tokens at $0.60 / M = $0.0192: more than the limit, whatever max_tokens would have said
        BudgetExceededException e = assertThrows(BudgetExceededException.class, () -> reasoning.chat("think hard"));
        assertTrue(e.requested().compareTo(new BigDecimal("0.0192")) > 0, e.requested().toString());
        assertEquals(before, stub.requests().size(), "nothing sent");
        budget("reasoning", Budget.Scope.GLOBAL, null, "1", Budget.Action.ENFORCE);
        assertEquals("fine", reasoning.chat("think hard"));
        var sent = stub.requests().get(before).body();
        assertTrue(sent.path("max_tokens").isMissingNode(), "no max_tokens next to max_completion_tokens (reasoning models refuse it): " + sent);
        assertEquals(32_000, sent.path("max_completion_tokens").asInt(), sent.toString());
        assertEquals(0, window(b).reserved().signum());
    }

    @Test
    void should_reserve_an_image_at_its_bound_and_refuse_an_audio_part_it_cannot_bound() {
        Budget b = budget("media", Budget.Scope.GLOBAL, null, "0.0003", Budget.Action.ENFORCE);
        ChatRequest text = ChatRequest.builder().messages(UserMessage.from("describe it")).maxOutputTokens(100).build();
        ChatRequest image = ChatRequest.builder().maxOutputTokens(100).messages(UserMessage.from(
                dev.langchain4j.data.message.TextContent.from("describe it"),
                dev.langchain4j.data.message.ImageContent.from("https://example.com/large.png"))).build();
        ChatRequest audio = ChatRequest.builder().maxOutputTokens(100).messages(UserMessage.from(
                dev.langchain4j.data.message.TextContent.from("transcribe it"),
                dev.langchain4j.data.message.AudioContent.from("AAAA", "audio/wav"))).build();
        int before = stub.requests().size();
        // the image's 2,500 tokens at $0.15 / M ($0.000375) alone pass the limit; as "[image]" it would have cost 2 tokens
        BudgetExceededException e = assertThrows(BudgetExceededException.class, () -> model(guard()).chat(image));
        assertTrue(e.requested().compareTo(new BigDecimal("0.000375")) > 0, e.requested().toString());
        BudgetExceededException a = assertThrows(BudgetExceededException.class, () -> model(guard()).chat(audio));
        assertTrue(a.unpriced() && a.getMessage().contains("cannot be bounded"), a.getMessage());
        assertEquals(before, stub.requests().size(), "nothing sent");
        assertEquals("fine", model(guard()).chat(text).aiMessage().text(), "the same question without the image fits");
        ChatModel bounded = model(BudgetGuard.builder(gate, PRICES).otherPartTokens(100).build());
        budget("media", Budget.Scope.GLOBAL, null, "1", Budget.Action.ENFORCE);
        assertEquals("fine", bounded.chat(audio).aiMessage().text(), "with a bound set for audio, it is admitted");
        assertEquals(0, window(b).reserved().signum());
    }

    @Test
    void should_reserve_cache_writes_at_their_rate_and_a_prompt_near_a_tier_at_the_tier() {
        java.util.function.Function<String, dev.chatlog.core.price.Rates.Rate> flat = v -> dev.chatlog.core.price.Rates.Rate.flat(new BigDecimal(v));
        // cache writes at twice the input rate (Anthropic's one-hour writes): the whole prompt may be written
        dev.chatlog.core.price.Rates cached = new dev.chatlog.core.price.Rates(flat.apply("1"), flat.apply("2"), flat.apply("0.1"), flat.apply("4"), null);
        assertEquals(0, new BigDecimal("0.002").compareTo(WorstCase.of(cached, 1000, 0)), "1,000 prompt tokens written at $2 / M");
        // a tier from 1,100 prompt tokens doubles every rate: a prompt counted at 1,000 may really be over it
        var tiered = new dev.chatlog.core.price.Rates.Rate(BigDecimal.ONE, List.of(new dev.chatlog.core.price.Rates.Rate.Tier(1100, new BigDecimal("2"))));
        dev.chatlog.core.price.Rates near = new dev.chatlog.core.price.Rates(tiered, null, null, tiered, null);
        assertEquals(0, new BigDecimal("0.004").compareTo(WorstCase.of(near, 1000, 1000)), "input and output at the tier's rate");
        assertEquals(0, new BigDecimal("0.0002").compareTo(WorstCase.of(near, 100, 100)), "far below the tier: the base rate");
    }

    @Test
    void should_release_the_reservation_of_a_failed_call() {
        Budget b = budget("fails", Budget.Scope.GLOBAL, null, "1", Budget.Action.ENFORCE);
        ChatModel m = model(guard());
        assertThrows(RuntimeException.class, () -> m.chat("please fail"));
        BudgetLedger.WindowState w = window(b);
        assertEquals(0, w.spent().signum());
        assertEquals(0, w.reserved().signum());
        List<String> kinds = db.jdbi().withHandle(h -> h.createQuery("SELECT kind FROM chatbot_budget_ledger ORDER BY id")
                .mapTo(String.class).list());
        assertEquals(List.of("reserve", "release"), kinds);
    }

    @Test
    void should_settle_a_streaming_call_on_its_final_usage() throws Exception {
        Budget b = budget("stream", Budget.Scope.GLOBAL, null, "1", Budget.Action.ENFORCE);
        stub.respond(r -> Reply.text("streamed answer", Usage.of(40, 300)));
        StreamingChatModel m = guard().guard(OpenAiStreamingChatModel.builder().baseUrl(stub.baseUrl()).apiKey("k")
                .modelName("gpt-4o-mini").timeout(Duration.ofSeconds(10)).build());
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        m.chat("stream please", new StreamingChatResponseHandler() {
            @Override public void onPartialResponse(String t) {}
            @Override public void onCompleteResponse(ChatResponse r) { done.complete(r); }
            @Override public void onError(Throwable t) { done.completeExceptionally(t); }
        });
        assertEquals("streamed answer", done.get(10, TimeUnit.SECONDS).aiMessage().text());
        BudgetLedger.WindowState w = window(b);
        assertEquals(0, new BigDecimal("0.000186").compareTo(w.spent()), w.toString()); // 40 x 0.15 + 300 x 0.60
        assertEquals(0, w.reserved().signum());
    }

    @Test
    void should_release_a_stream_refused_before_output_and_settle_a_failed_or_cancelled_one_to_what_was_received() throws Exception {
        Budget b = budget("stream-end", Budget.Scope.GLOBAL, null, "1", Budget.Action.ENFORCE);
        StreamingChatModel m = guard().guard(OpenAiStreamingChatModel.builder().baseUrl(stub.baseUrl()).apiKey("k")
                .modelName("gpt-4o-mini").timeout(Duration.ofSeconds(10)).build());
        CompletableFuture<Throwable> failed = new CompletableFuture<>();
        m.chat("please fail", new StreamingChatResponseHandler() {
            @Override public void onCompleteResponse(ChatResponse r) { failed.complete(null); }
            @Override public void onError(Throwable t) { failed.complete(t); }
        });
        assertTrue(failed.get(10, TimeUnit.SECONDS) != null);
        assertEquals(0, window(b).reserved().signum());
        assertEquals(0, window(b).spent().signum(), "a stream the provider refused before any output costs nothing");

        // a stream that breaks after thousands of tokens of output: what arrived was generated, and billed
        String longAnswer = "word ".repeat(3000);
        stub.respond(r -> Reply.text(longAnswer, Usage.of(40, 3000)).breaksAfterContent());
        CompletableFuture<Throwable> broke = new CompletableFuture<>();
        m.chat("go on and on", new StreamingChatResponseHandler() {
            @Override public void onCompleteResponse(ChatResponse r) { broke.complete(null); }
            @Override public void onError(Throwable t) { broke.complete(t); }
        });
        assertTrue(broke.get(10, TimeUnit.SECONDS) != null, "the stream failed");
        BudgetLedger.WindowState afterBreak = window(b);
        assertEquals(0, afterBreak.reserved().signum());
        // ~3,000 output tokens at $0.60 / M, counted by jtokkit from what arrived
        assertTrue(afterBreak.spent().compareTo(new BigDecimal("0.0015")) > 0, "a stream failing after output is not free: " + afterBreak);
        BigDecimal beforeCancel = afterBreak.spent();

        stub.respond(r -> Reply.text("a long answer that the application stops reading", Usage.of(40, 3000)));
        CompletableFuture<Void> cancelled = new CompletableFuture<>();
        m.chat("go on", new StreamingChatResponseHandler() {
            @Override public void onPartialResponse(PartialResponse p, PartialResponseContext c) {
                c.streamingHandle().cancel();
                cancelled.complete(null);
            }
            @Override public void onCompleteResponse(ChatResponse r) {}
            @Override public void onError(Throwable t) {}
        });
        cancelled.get(10, TimeUnit.SECONDS);
        BudgetLedger.WindowState w = window(b);
        assertEquals(0, w.reserved().signum(), "a cancelled stream holds nothing");
        BigDecimal cancelledCost = w.spent().subtract(beforeCancel);
        assertTrue(cancelledCost.signum() > 0 && cancelledCost.compareTo(new BigDecimal("0.0001")) < 0,
                "a cancelled stream costs its prompt and the part received, not its worst case: " + cancelledCost);
        assertEquals(List.of(), ledger.audit());
    }

    @Test
    void should_clamp_max_tokens_to_the_headroom_when_asked() {
        Budget b = budget("clamped", Budget.Scope.GLOBAL, null, "0.0003", Budget.Action.ENFORCE);
        int before = stub.requests().size();
        ChatModel m = model(BudgetGuard.builder(gate, PRICES).clampToHeadroom(true).build());
        assertEquals("fine", m.chat("hello"));
        int sent = stub.requests().get(before).body().path("max_tokens").asInt();
        assertTrue(sent > 400 && sent < 500, "$0.0003 pays for ~499 output tokens at $0.60 / M: " + sent);
        assertTrue(window(b).spent().compareTo(b.limitUsd()) <= 0);
    }

    @Test
    void should_refuse_an_unpriced_model_under_an_enforced_budget_but_not_under_an_alert_one() {
        budget("watch", Budget.Scope.GLOBAL, null, "1", Budget.Action.ALERT);
        ChatModel unpriced = BudgetGuard.builder(gate, PRICES).build().guard(OpenAiChatModel.builder().baseUrl(stub.baseUrl())
                .apiKey("k").modelName("my-finetune-xyz").maxRetries(0).build());
        assertEquals("fine", unpriced.chat("hello"), "an alert-only budget does not stop an unpriced call");
        budget("hard", Budget.Scope.GLOBAL, null, "1", Budget.Action.ENFORCE);
        BudgetExceededException e = assertThrows(BudgetExceededException.class, () -> unpriced.chat("hello"));
        assertTrue(e.unpriced());
        assertNull(e.requested());
        assertTrue(e.getMessage().contains("no price"), e.getMessage());
    }

    @Test
    void should_count_alert_budgets_past_their_limit_without_refusing() {
        Budget b = budget("soft", Budget.Scope.GLOBAL, null, "0.0002", Budget.Action.ALERT);
        ChatModel m = model(guard());
        for (int i = 0; i < 3; i++) assertEquals("fine", m.chat("hello"));
        assertEquals(0, new BigDecimal("0.000405").compareTo(window(b).spent()), "3 x $0.000135, over the limit: alert only");
    }

    @Test
    void should_apply_user_and_tag_budgets_to_the_turns_they_cover() {
        Budget alice = budget("alice", Budget.Scope.USER, "alice", "0.002", Budget.Action.ENFORCE);
        Budget team = budget("team-a", Budget.Scope.TAG, "team:a", "1", Budget.Action.ENFORCE);
        ChatModel m = model(guard());
        try (MessageTurn turn = logger.beginMessage(null, "hi")) {
            turn.user("bob").tag("team:a");
            assertEquals("fine", m.chat("hello"), "bob is not under alice's budget");
        }
        try (MessageTurn turn = logger.beginMessage(null, "hi")) {
            turn.user("alice");
            assertThrows(BudgetExceededException.class, () -> m.chat("hello"));
        }
        assertEquals(0, window(alice).spent().signum());
        assertEquals(0, new BigDecimal("0.000135").compareTo(window(team).spent()));
        assertEquals(0, window(team).reserved().signum());
    }

    @Test
    void should_release_what_other_budgets_took_when_one_refuses() {
        Budget wide = budget("a-wide", Budget.Scope.GLOBAL, null, "1", Budget.Action.ENFORCE);
        budget("b-model", Budget.Scope.MODEL, "gpt-4o-mini", "0.001", Budget.Action.ENFORCE);
        assertThrows(BudgetExceededException.class, () -> model(guard()).chat("hello"));
        assertEquals(0, window(wide).reserved().signum(), "the global budget's reservation was given back");
        assertEquals(List.of(), ledger.audit());
    }

    interface Assistant {
        String chat(String message);
    }

    @Test
    void should_work_under_ai_services() {
        Budget b = budget("service", Budget.Scope.GLOBAL, null, "1", Budget.Action.ENFORCE);
        Assistant a = AiServices.builder(Assistant.class).chatModel(model(guard())).build();
        assertEquals("fine", a.chat("hello"));
        assertEquals(0, new BigDecimal("0.000135").compareTo(window(b).spent()));
        budget("service", Budget.Scope.GLOBAL, null, "0.0001", Budget.Action.ENFORCE);
        assertThrows(BudgetExceededException.class, () -> a.chat("hello"));
        assertFalse(window(b).reserved().signum() != 0);
    }

    @Test
    void should_log_the_calls_it_admits_with_the_listener_once() {
        budget("logged", Budget.Scope.GLOBAL, null, "1", Budget.Action.ENFORCE);
        ChatModel m = model(guard());
        try (MessageTurn turn = logger.beginMessage("budget-logged", "hi")) {
            m.chat("hello");
        }
        logger.flush(Duration.ofSeconds(10));
        List<Map<String, Object>> rows = db.jdbi().withHandle(h -> h.createQuery(
                "SELECT input_tokens FROM chatbot_llm_calls WHERE conversation_id = 'budget-logged'").mapToMap().list());
        assertEquals(1, rows.size(), rows.toString());
    }
}
