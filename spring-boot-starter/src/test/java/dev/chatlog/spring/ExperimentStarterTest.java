package dev.chatlog.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.MessageTurn;
import dev.chatlog.experiments.ArmChatModel;
import dev.chatlog.experiments.ExperimentRouter;
import dev.chatlog.experiments.ExperimentRuntime;
import dev.chatlog.langchain4j.OpenAiStub;
import dev.chatlog.springtest.StarterFixtures;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.TestDatabase;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Experiments configured by properties in a Spring Boot application: the definition is stored and started at start, the
 * router bean puts turns in their arm, an {@code ArmChatModel} over the application's model sends each arm's calls to its
 * model name, and the analysis reads them — the server's scenario ({@code ExperimentRoutesTest}) through the starter.
 */
@SpringBootTest(classes = ExperimentStarterTest.App.class, properties = {"spring.flyway.enabled=false",
        "chatlog.experiments.definitions={\"spring-swap\": {\"variants\": [{\"name\": \"control\", \"percent\": 50}, "
                + "{\"name\": \"mini\", \"percent\": 50, \"model\": \"gpt-4o-mini\"}], \"primary_metric\": \"cost_per_turn\", "
                + "\"guardrails\": [\"success_rate\"]}}",
        "chatlog.experiments.start=spring-swap"})
class ExperimentStarterTest {
    static final OpenAiStub STUB = StarterFixtures.stub(r -> OpenAiStub.Reply.text("We have the Steel Kettle.", OpenAiStub.Usage.of(100, 20)).model(r.model()));
    static final String SCHEMA = TestDatabase.createSchema();

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry r) {
        StarterFixtures.datasource(r, SCHEMA);
    }

    @AfterAll
    static void stop() {
        STUB.close();
    }

    @SpringBootApplication
    static class App {
        @Bean
        ChatModel chatModel() {
            return OpenAiChatModel.builder().baseUrl(STUB.baseUrl()).apiKey("k").modelName("gpt-4o").maxRetries(0)
                    .timeout(Duration.ofSeconds(10)).build();
        }
    }

    @Autowired ChatModel model;
    @Autowired ChatLogger chatLogger;
    @Autowired ExperimentRouter router;
    @Autowired ExperimentRuntime runtime;
    @Autowired Database database;

    @Test
    void should_define_and_start_the_configured_experiment_and_route_each_arm_to_its_model() {
        assertEquals("running", dev.chatlog.experiments.Experiments.status(runtime.store().get("spring-swap").orElseThrow(), java.time.Instant.now()));
        ChatModel routed = ArmChatModel.builder("spring-swap").router(router).control(model).build();
        for (int i = 0; i < 30; i++) {
            try (MessageTurn t = chatLogger.beginMessage("spring-conv-" + i, "Which kettle?")) {
                router.enter(t, "spring-swap", t.conversationId());
                t.output(routed.chat("Which kettle?"), null);
            }
        }
        assertTrue(chatLogger.flush(Duration.ofSeconds(20)));
        List<Map<String, Object>> rows = database.jdbi().withHandle(h -> h.createQuery(
                "SELECT c.arm, c.model FROM chatbot_llm_calls c WHERE c.conversation_id LIKE 'spring-conv-%'").mapToMap().list());
        assertEquals(30, rows.size());
        for (Map<String, Object> r : rows) {
            assertEquals("spring-swap/mini".equals(r.get("arm")) ? "gpt-4o-mini" : "gpt-4o", r.get("model"), r.toString());
        }
        var analysis = runtime.analyses().of(runtime.store().get("spring-swap").orElseThrow());
        assertEquals(30, analysis.arms().stream().mapToLong(a -> a.units()).sum(), analysis.arms().toString());
        assertTrue(analysis.arms().stream().allMatch(a -> a.units() > 3), analysis.arms().toString());
    }
}
