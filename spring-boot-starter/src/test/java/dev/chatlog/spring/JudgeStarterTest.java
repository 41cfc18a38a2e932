package dev.chatlog.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.MessageTurn;
import dev.chatlog.judge.OnlineJudge;
import dev.chatlog.langchain4j.OpenAiStub;
import dev.chatlog.springtest.StarterFixtures;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.TestDatabase;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import java.math.BigDecimal;
import java.time.Duration;
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
 * The judge in a Spring Boot application, the server's scenario ({@code JudgeRoutesTest}) through the starter: a turn is
 * stored, the judge (the application's only {@code ChatModel}, {@code chatlog.judge.enabled=true}, every turn sampled)
 * rates it, its score and its own evaluation row are stored, the turn's totals stay the product's.
 */
@SpringBootTest(classes = JudgeStarterTest.App.class, properties = {"chatlog.judge.enabled=true", "chatlog.judge.sample-rate=1",
        "spring.flyway.enabled=false"})
class JudgeStarterTest {
    static final OpenAiStub STUB = StarterFixtures.stub(r -> r.body().path("messages").get(0).path("content").asText().contains("evaluator")
            ? OpenAiStub.Reply.text("{\"score\": 4, \"reason\": \"Names the kettle.\"}", OpenAiStub.Usage.of(300, 15))
            : OpenAiStub.Reply.text("We have the Steel Kettle.", OpenAiStub.Usage.of(100, 20)));
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
    @Autowired OnlineJudge judge;
    @Autowired Database database;

    @Test
    void should_rate_a_stored_turn_and_record_the_judges_call_apart() throws Exception {
        String message;
        try (MessageTurn t = chatLogger.beginMessage("spring-judge-1", "Which kettle do you have?")) {
            message = t.messageId();
            t.output(model.chat("Which kettle do you have?"), null);
        }
        assertTrue(chatLogger.flush(Duration.ofSeconds(20)));
        assertTrue(judge.awaitIdle(Duration.ofSeconds(20)));
        assertTrue(chatLogger.flush(Duration.ofSeconds(20)));
        Map<String, Object> score = database.jdbi().withHandle(h -> h.createQuery(
                "SELECT name, value, source, evaluator, comment FROM chatbot_scores WHERE target_id = :m").bind("m", message).mapToMap().one());
        assertEquals("helpfulness", score.get("name"));
        assertEquals(0, new BigDecimal("4").compareTo((BigDecimal) score.get("value")));
        assertEquals("llm_judge", score.get("source"));
        assertEquals("judge", score.get("evaluator"));
        assertEquals("Names the kettle.", score.get("comment"));
        Map<String, Object> row = database.jdbi().withHandle(h -> h.createQuery(
                "SELECT function_name, model, input_tokens, output_tokens FROM chatbot_llm_calls WHERE message_id = :m AND call_type = 'evaluation'")
                .bind("m", message).mapToMap().one());
        assertEquals("judge:judge", row.get("function_name"));
        assertEquals(300, row.get("input_tokens"));
        Map<String, Object> turn = database.jdbi().withHandle(h -> h.createQuery(
                "SELECT total_llm_calls, total_tokens_used FROM chatbot_conversation_messages WHERE message_id = :m").bind("m", message).mapToMap().one());
        assertEquals(1, ((Number) turn.get("total_llm_calls")).intValue(), "the turn's own call only");
        assertEquals(120L, ((Number) turn.get("total_tokens_used")).longValue());
        assertEquals("numeric", database.jdbi().withHandle(h -> h.createQuery("SELECT type FROM chatbot_score_definitions WHERE name = 'helpfulness'")
                .mapTo(String.class).one()), "the rubric's scale defined");
    }
}
