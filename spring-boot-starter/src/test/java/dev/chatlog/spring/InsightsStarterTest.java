package dev.chatlog.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.InvalidDefinitionException;
import dev.chatlog.core.MessageTurn;
import dev.chatlog.insights.Finding;
import dev.chatlog.insights.Insights;
import dev.chatlog.insights.InsightsMeters;
import dev.chatlog.insights.InsightsReport;
import dev.chatlog.insights.InsightsRuntime;
import dev.chatlog.langchain4j.OpenAiStub;
import dev.chatlog.springtest.StarterFixtures;
import dev.chatlog.sql.TestDatabase;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The insights in a Spring Boot application: the runtime bean finds the same question sent by three conversations through
 * the application's own model (the listener the starter attaches fingerprints it), its gauge follows, and a bad setting
 * names its property — what the server does ({@code InsightsRoutesTest}), through the starter.
 */
@SpringBootTest(classes = InsightsStarterTest.App.class, properties = {"spring.flyway.enabled=false", "chatlog.insights.refresh=10s",
        "chatlog.experiments.enabled=false"})
class InsightsStarterTest {
    static final OpenAiStub STUB = StarterFixtures.stub(r -> OpenAiStub.Reply.text("We open at nine.", OpenAiStub.Usage.of(400, 20)));
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
            return OpenAiChatModel.builder().baseUrl(STUB.baseUrl()).apiKey("k").modelName("gpt-4o-mini").maxRetries(0)
                    .timeout(Duration.ofSeconds(10)).build();
        }
    }

    @Autowired ChatModel model;
    @Autowired ChatLogger chatLogger;
    @Autowired InsightsRuntime runtime;
    @Autowired InsightsMeters meters;

    @Test
    void should_find_the_repeated_request_and_meter_its_saving() throws Exception {
        for (int i = 0; i < 3; i++) {
            try (MessageTurn t = chatLogger.beginMessage("starter-insights-" + i, "When do you open?")) {
                t.output(model.chat("When do you open?"), null);
            }
        }
        assertTrue(chatLogger.flush(Duration.ofSeconds(20)));
        InsightsReport report = runtime.report(Insights.InsightsWindow.parse("1d"));
        Finding redundant = report.findings().stream().filter(f -> f.kind() == Finding.Kind.REDUNDANT_CALLS).findFirst()
                .orElseThrow(() -> new AssertionError(report.findings()));
        assertEquals(2L, redundant.evidence().rows(), "the second and third conversations repeated the first's request");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        meters.bindTo(registry);
        double open = 0;
        for (long until = System.nanoTime() + Duration.ofSeconds(60).toNanos(); open <= 0 && System.nanoTime() < until; Thread.sleep(500)) {
            open = registry.get("chatlog.insights.savings.open").tag("kind", "redundant_calls").gauge().value();
        }
        assertTrue(open > 0, "the gauge follows the default window, refreshed in the background");
    }

    @Test
    void should_refuse_a_bad_setting_naming_its_property() {
        ChatlogInsightsProperties p = new ChatlogInsightsProperties();
        p.setRefresh(Duration.ofSeconds(1));
        InvalidDefinitionException e = assertThrows(InvalidDefinitionException.class, p::settings);
        assertTrue(e.getMessage().startsWith("chatlog.insights.refresh: "), e.getMessage());
    }
}
