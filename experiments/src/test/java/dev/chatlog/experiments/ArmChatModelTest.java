package dev.chatlog.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.budgets.Budget;
import dev.chatlog.budgets.BudgetDefinitions;
import dev.chatlog.budgets.BudgetPeriod;
import dev.chatlog.budgets.JdbcBudgetGate;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.MessageTurn;
import dev.chatlog.core.budget.BudgetExceededException;
import dev.chatlog.core.price.PriceCatalog;
import dev.chatlog.langchain4j.BudgetGuard;
import dev.chatlog.langchain4j.ChatLogListener;
import dev.chatlog.langchain4j.OpenAiStub;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.chatlog.sql.TestDatabase;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.service.AiServices;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Routing turns to their arm's model under an AI service, with LangChain4j's real OpenAI client on the stub (which
 * answers as the model it was asked for): every row of a turn carries its arm, each arm's calls went to its model, a
 * conversation keeps its arm, a stopped experiment sends everyone to the control outside any arm, and an arm budget
 * stops only that arm.
 */
class ArmChatModelTest {
    static final PriceCatalog PRICES = PriceCatalog.bundled().withInlineOverrides("shop-model=10:20;shop-mini=1:2;shop-big=30:60");
    interface Assistant {
        String answer(String question);
    }

    Database db;
    OpenAiStub stub;
    ChatLogger logger;
    Experiments experiments;
    ExperimentRouter router;
    ChatLogListener listener;

    @BeforeEach
    void setUp() throws Exception {
        db = TestDatabase.freshDatabase();
        stub = new OpenAiStub();
        stub.respond(r -> OpenAiStub.Reply.text("The kettle is 39 EUR.", OpenAiStub.Usage.of(50, 10)).model(r.model()));
        logger = ChatLogger.builder(new JdbcChatLogStore(db.jdbi())).prices(PRICES).build();
        listener = ChatLogListener.builder(logger).build();
        experiments = new Experiments(db.jdbi(), Clock.systemUTC());
        experiments.put(new Experiment("checkout-model", null, List.of(
                new Variant("control", new BigDecimal("34"), null, null, null),
                new Variant("cheap", new BigDecimal("33"), "shop-mini", null, null),
                new Variant("big", new BigDecimal("33"), null, "v2", Map.of("temperature", "0.2"))),
                "cost_per_turn", List.of("success_rate"), null, null, null, null));
        experiments.start("checkout-model");
        router = new ExperimentRouter(experiments, Clock.systemUTC(), Duration.ofMinutes(10));
    }

    @AfterEach
    void tearDown() {
        router.close();
        logger.close();
        stub.close();
        db.close();
    }

    ChatModel openAi(String model) {
        return OpenAiChatModel.builder().baseUrl(stub.baseUrl()).apiKey("k").modelName(model).maxRetries(0).listeners(List.of(listener)).build();
    }

    String turn(Assistant assistant, String conversation) {
        try (MessageTurn t = logger.beginMessage(conversation, "How much is the kettle?")) {
            router.enter(t, "checkout-model", conversation);
            t.output(assistant.answer("How much is the kettle?"), null);
            return t.messageId();
        }
    }

    @Test
    void should_send_each_turn_to_its_arms_model_and_store_the_arm_on_every_row() {
        ChatModel routed = ArmChatModel.builder("checkout-model").router(router).control(openAi("shop-model"))
                .variant("big", openAi("shop-big")).build();
        Assistant assistant = AiServices.create(Assistant.class, routed);
        Map<String, String> armOfConversation = new HashMap<>();
        for (int c = 0; c < 45; c++) {
            for (int k = 0; k < 2; k++) turn(assistant, "conv-" + c);
        }
        assertTrue(logger.flush(Duration.ofSeconds(30)));
        Map<String, String> modelOfArm = Map.of("checkout-model/control", "shop-model", "checkout-model/cheap", "shop-mini",
                "checkout-model/big", "shop-big");
        List<Map<String, Object>> rows = db.jdbi().withHandle(h -> h.createQuery("""
                SELECT m.conversation_id, m.arm AS message_arm, c.arm AS call_arm, c.model, c.response_model
                FROM chatbot_conversation_messages m JOIN chatbot_llm_calls c ON c.conversation_id = m.conversation_id AND c.message_id = m.message_id
                """).mapToMap().list());
        assertEquals(90, rows.size(), "one call per turn");
        Set<String> arms = new TreeSet<>();
        for (Map<String, Object> r : rows) {
            String arm = (String) r.get("message_arm");
            assertEquals(arm, r.get("call_arm"), "the call carries its turn's arm");
            assertEquals(modelOfArm.get(arm), r.get("model"), "arm " + arm + " went to its model");
            assertEquals(modelOfArm.get(arm), r.get("response_model"));
            String before = armOfConversation.putIfAbsent((String) r.get("conversation_id"), arm);
            assertTrue(before == null || before.equals(arm), "a conversation never switches arms");
            arms.add(arm);
            Experiment e = router.experiment("checkout-model").orElseThrow();
            assertEquals(Assignment.variantFor(e, (String) r.get("conversation_id"), java.time.Instant.now()).name(),
                    arm.substring("checkout-model/".length()), "the arm is the hash's");
        }
        assertEquals(modelOfArm.keySet(), arms);

        experiments.stop("checkout-model", "done");
        router.refresh();
        String after = turn(assistant, "conv-0");
        assertTrue(logger.flush(Duration.ofSeconds(30)));
        Map<String, Object> row = db.jdbi().withHandle(h -> h.createQuery("""
                SELECT m.arm AS message_arm, c.arm AS call_arm, c.model FROM chatbot_conversation_messages m
                JOIN chatbot_llm_calls c ON c.message_id = m.message_id WHERE m.message_id = :m""").bind("m", after).mapToMap().one());
        assertNull(row.get("message_arm"), "a stopped experiment puts no turn in an arm");
        assertNull(row.get("call_arm"));
        assertEquals("shop-model", row.get("model"), "everyone back on the control");
    }

    @Test
    void should_stop_only_the_arm_whose_arm_budget_is_spent() {
        JdbcBudgetGate gate = JdbcBudgetGate.builder(db.jdbi()).refresh(Duration.ofMinutes(10)).build();
        try {
            new BudgetDefinitions(db.jdbi()).put(new Budget("big-arm", Budget.Scope.ARM, "checkout-model/big", BudgetPeriod.DAY,
                    ZoneOffset.UTC, new BigDecimal("0.000001"), null, Budget.Action.ENFORCE));
            gate.refresh();
            BudgetGuard guard = BudgetGuard.builder(gate, PRICES).build();
            ChatModel routed = ArmChatModel.builder("checkout-model").router(router).control(guard.guard(openAi("shop-model")))
                    .variant("big", guard.guard(openAi("shop-big"))).build();
            Assistant assistant = AiServices.create(Assistant.class, routed);
            int refused = 0, answered = 0;
            Experiment e = router.experiment("checkout-model").orElseThrow();
            for (int c = 0; c < 30; c++) {
                String conv = "budget-" + c;
                boolean big = Assignment.variantFor(e, conv, java.time.Instant.now()).name().equals("big");
                if (big) {
                    assertThrows(BudgetExceededException.class, () -> turn(assistant, conv), conv);
                    refused++;
                } else {
                    turn(assistant, conv);
                    answered++;
                }
            }
            assertTrue(refused > 0 && answered > 0, refused + " refused, " + answered + " answered");
            assertTrue(logger.flush(Duration.ofSeconds(30)));
            long bigCalls = db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM chatbot_llm_calls WHERE arm = 'checkout-model/big' AND success")
                    .mapTo(Long.class).one());
            assertEquals(0, bigCalls, "the big arm made no call");
        } finally {
            gate.close();
        }
    }

    @Test
    void should_stop_the_experiment_once_an_arm_has_spent_its_arm_budget() {
        JdbcBudgetGate gate = JdbcBudgetGate.builder(db.jdbi()).refresh(Duration.ofMinutes(10)).build();
        try {
            BudgetDefinitions definitions = new BudgetDefinitions(db.jdbi());
            definitions.put(new Budget("big-arm", Budget.Scope.ARM, "checkout-model/big", BudgetPeriod.DAY, ZoneOffset.UTC,
                    new BigDecimal("0.001"), null, Budget.Action.ALERT)); // counts, does not refuse: the arm spends past it
            gate.refresh();
            BudgetGuard guard = BudgetGuard.builder(gate, PRICES).build();
            ChatModel routed = ArmChatModel.builder("checkout-model").router(router).control(guard.guard(openAi("shop-model")))
                    .variant("big", guard.guard(openAi("shop-big"))).build();
            Assistant assistant = AiServices.create(Assistant.class, routed);
            ExperimentGuard check = new ExperimentGuard(experiments, new dev.chatlog.experiments.analysis.Analyses(db.jdbi(), Clock.systemUTC()),
                    () -> new dev.chatlog.budgets.BudgetReport(db.jdbi()).current(definitions.list(), java.time.Instant.now()), Clock.systemUTC());
            assertEquals(List.of(), check.check(), "nothing spent yet");
            for (int c = 0; c < 20; c++) turn(assistant, "spend-" + c); // a big-arm turn costs $0.0021 (50 + 10 tokens at $30 / $60 per M)
            List<ExperimentGuard.Stop> stops = check.check();
            assertEquals(1, stops.size(), stops.toString());
            assertEquals(Experiments.StoppedBy.BUDGET, stops.get(0).by());
            assertTrue(stops.get(0).reason().startsWith("arm checkout-model/big has spent its budget big-arm"), stops.get(0).reason());
            router.refresh();
            assertTrue(router.assign("checkout-model", "spend-1").isEmpty(), "traffic back on the control");
        } finally {
            gate.close();
        }
    }

    @Test
    void should_put_the_whole_turn_in_the_arm_it_routes_to_when_the_application_did_not() {
        ChatModel routed = ArmChatModel.builder("checkout-model").router(router).control(openAi("shop-model"))
                .variant("big", openAi("shop-big")).build();
        Assistant assistant = AiServices.create(Assistant.class, routed);
        for (int c = 0; c < 12; c++) {
            try (MessageTurn t = logger.beginMessage("implicit-" + c, "How much is the kettle?")) {
                t.output(assistant.answer("How much is the kettle?"), null); // no router.enter: the model assigns the turn
                assistant.answer("And the toaster?"); // a second call of the same turn
            }
        }
        assertTrue(logger.flush(Duration.ofSeconds(30)));
        List<Map<String, Object>> rows = db.jdbi().withHandle(h -> h.createQuery("""
                SELECT m.conversation_id, m.arm AS message_arm, c.arm AS call_arm FROM chatbot_conversation_messages m
                JOIN chatbot_llm_calls c ON c.message_id = m.message_id WHERE m.conversation_id LIKE 'implicit-%'""").mapToMap().list());
        assertEquals(24, rows.size());
        Experiment e = router.experiment("checkout-model").orElseThrow();
        for (Map<String, Object> r : rows) {
            String expected = "checkout-model/" + Assignment.variantFor(e, (String) r.get("conversation_id"), java.time.Instant.now()).name();
            assertEquals(expected, r.get("message_arm"), "the message carries the arm its model routed to: " + r);
            assertEquals(expected, r.get("call_arm"), r.toString());
        }
    }

    @Test
    void should_send_each_arm_its_prompt_and_model_under_an_ai_service() {
        ChatModel routed = ArmChatModel.builder("checkout-model").router(router).control(openAi("shop-model"))
                .variant("big", openAi("shop-big")).build();
        ArmPrompts prompts = ArmPrompts.builder("checkout-model").router(router).control("You are the shop's assistant.")
                .variant("cheap", "You are the shop's assistant. Be brief.").build();
        Assistant assistant = AiServices.builder(Assistant.class).chatModel(routed).systemMessageProvider(prompts.systemMessages()).build();
        int before = stub.requests().size();
        Experiment e = router.experiment("checkout-model").orElseThrow();
        Map<String, String> armOf = new HashMap<>();
        for (int c = 0; c < 12; c++) {
            try (MessageTurn t = logger.beginMessage("prompted-" + c, "Hi")) { // no router.enter: the prompt provider assigns the turn
                armOf.put(t.conversationId(), Assignment.variantFor(e, t.conversationId(), java.time.Instant.now()).name());
                t.output(assistant.answer("Hi"), null);
            }
        }
        List<OpenAiStub.Request> sent = stub.requests().subList(before, stub.requests().size());
        assertEquals(12, sent.size());
        Set<String> seen = new TreeSet<>();
        for (int i = 0; i < 12; i++) {
            String variant = armOf.get("prompted-" + i);
            OpenAiStub.Request r = sent.get(i);
            String system = r.body().path("messages").get(0).path("content").asText();
            assertEquals(variant.equals("cheap") ? "You are the shop's assistant. Be brief." : "You are the shop's assistant.", system, variant);
            assertEquals(Map.of("control", "shop-model", "cheap", "shop-mini", "big", "shop-big").get(variant), r.model(), "prompt and model agree");
            seen.add(variant);
        }
        assertTrue(seen.size() >= 2, seen.toString());
    }

    @Test
    void should_route_streamed_calls_by_arm_and_record_their_first_tokens() throws Exception {
        java.util.function.Function<String, dev.langchain4j.model.chat.StreamingChatModel> streaming = name ->
                dev.langchain4j.model.openai.OpenAiStreamingChatModel.builder().baseUrl(stub.baseUrl()).apiKey("k").modelName(name)
                        .timeout(Duration.ofSeconds(10)).listeners(List.of(listener)).build();
        ArmStreamingChatModel routed = ArmStreamingChatModel.builder("checkout-model").router(router).control(streaming.apply("shop-model"))
                .variant("big", streaming.apply("shop-big")).build();
        for (int c = 0; c < 9; c++) {
            try (MessageTurn t = logger.beginMessage("streamed-" + c, "Hi")) {
                router.enter(t, "checkout-model", t.conversationId());
                java.util.concurrent.CompletableFuture<dev.langchain4j.model.chat.response.ChatResponse> done = new java.util.concurrent.CompletableFuture<>();
                routed.chat(dev.langchain4j.model.chat.request.ChatRequest.builder().messages(dev.langchain4j.data.message.UserMessage.from("Hi")).build(),
                        dev.chatlog.langchain4j.FirstTokenClock.wrap(new dev.langchain4j.model.chat.response.StreamingChatResponseHandler() {
                            @Override public void onPartialResponse(String p) {}
                            @Override public void onCompleteResponse(dev.langchain4j.model.chat.response.ChatResponse r) { done.complete(r); }
                            @Override public void onError(Throwable e) { done.completeExceptionally(e); }
                        }));
                t.output(done.get(10, java.util.concurrent.TimeUnit.SECONDS).aiMessage().text(), null);
            }
        }
        assertTrue(logger.flush(Duration.ofSeconds(30)));
        List<Map<String, Object>> rows = db.jdbi().withHandle(h -> h.createQuery("""
                SELECT c.arm, c.model, c.call_type, c.time_to_first_token_ms FROM chatbot_llm_calls c WHERE c.conversation_id LIKE 'streamed-%'""")
                .mapToMap().list());
        assertEquals(9, rows.size());
        for (Map<String, Object> r : rows) {
            assertEquals("streaming_chat", r.get("call_type"));
            assertEquals(Map.of("checkout-model/control", "shop-model", "checkout-model/cheap", "shop-mini", "checkout-model/big", "shop-big")
                    .get((String) r.get("arm")), r.get("model"), r.toString());
            assertTrue(r.get("time_to_first_token_ms") != null, "a streamed call has its first token: " + r);
        }
    }

    @Test
    void should_send_an_evaluators_call_to_the_control_outside_any_arm() {
        ChatModel routed = ArmChatModel.builder("checkout-model").router(router).control(openAi("shop-model"))
                .variant("big", openAi("shop-big")).build();
        Experiment e = router.experiment("checkout-model").orElseThrow();
        String conv = java.util.stream.IntStream.range(0, 100).mapToObj(i -> "judged-" + i)
                .filter(c -> Assignment.variantFor(e, c, java.time.Instant.now()).name().equals("big")).findFirst().orElseThrow();
        try (var s = dev.chatlog.core.ChatContext.forMessage(conv, "m-judged").asEvaluation().makeCurrent()) { // an LLM judge rating a turn
            routed.chat("Rate this answer");
        }
        assertTrue(logger.flush(Duration.ofSeconds(30)));
        Map<String, Object> row = db.jdbi().withHandle(h -> h.createQuery("SELECT arm, model, call_type FROM chatbot_llm_calls WHERE message_id = 'm-judged'")
                .mapToMap().one());
        assertEquals("shop-model", row.get("model"), "a judge rates every arm with the control's model: " + row);
        assertEquals(null, row.get("arm"));
        assertEquals("evaluation", row.get("call_type"));
    }
}
