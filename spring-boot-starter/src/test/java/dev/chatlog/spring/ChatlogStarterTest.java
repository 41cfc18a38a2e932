package dev.chatlog.spring;

import dev.chatlog.springtest.StarterFixtures;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.embedded.EmbeddedMariaDb;
import dev.chatlog.langchain4j.ChatLogModels;
import dev.chatlog.langchain4j.OpenAiStub;
import dev.chatlog.sql.TestDatabase;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * A real Spring Boot application with the starter on its classpath and nothing else of chatlog:
 * an OpenAI {@code ChatModel} and {@code EmbeddingModel} bean pointed at the local stub, the
 * embedded MariaDB as its {@code DataSource}, a controller, Tomcat, Actuator.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, classes = ChatlogStarterTest.App.class,
        properties = {"chatlog.web.turn-paths=/chat/*", "management.endpoint.health.show-details=always",
                "management.endpoints.web.exposure.include=health", "spring.flyway.enabled=false"})
class ChatlogStarterTest {
    static final OpenAiStub STUB = StarterFixtures.stub(r -> OpenAiStub.Reply.text("answer to " + r.lastUserMessage(),
            OpenAiStub.Usage.of(1_000, 200)));
    static final String SCHEMA = TestDatabase.createSchema();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

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

        @Bean
        EmbeddingModel embeddingModel() {
            return OpenAiEmbeddingModel.builder().baseUrl(STUB.baseUrl()).apiKey("k").modelName("text-embedding-3-small")
                    .maxRetries(0).build();
        }

        @RestController
        static class Chat {
            private final ChatModel model;
            private final EmbeddingModel embeddings;

            Chat(ChatModel model, EmbeddingModel embeddings) {
                this.model = model;
                this.embeddings = embeddings;
            }

            @PostMapping("/chat/ask")
            Map<String, Object> ask(@RequestBody Map<String, String> body) {
                String q = body.get("question");
                ChatlogTurnFilter.current().ifPresent(t -> t.input(q).intent("faq"));
                embeddings.embed(q);
                String a = model.chat(q);
                ChatlogTurnFilter.current().ifPresent(t -> t.output("{\"answer\":" + JSON.valueToTree(a) + "}", a));
                return Map.of("answer", a);
            }
        }
    }

    @LocalServerPort
    int port;
    @Autowired
    ChatModel chatModel;
    @Autowired
    ChatLogger chatLogger;

    private HttpResponse<String> post(String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Jdbi jdbi() {
        EmbeddedMariaDb db = TestDatabase.server();
        return Jdbi.create(db.jdbcUrl(SCHEMA), db.user(), db.password());
    }

    @Test
    void should_log_a_call_through_the_bean_with_tokens_cost_and_the_requests_turn() throws Exception {
        assertInstanceOf(OpenAiChatModel.class, ChatLogModels.unwrap(chatModel), "the bean is the application's model, observed");
        HttpResponse<String> r = post("/chat/ask", "{\"question\": \"where is my order?\"}",
                "X-Conversation-Id", "spring-conv-1", "X-User-Id", "alice");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("spring-conv-1", r.headers().firstValue("X-Conversation-Id").orElse(null));
        assertTrue(chatLogger.flush(Duration.ofSeconds(10)));
        List<Map<String, Object>> calls = jdbi().withHandle(h -> h.createQuery("SELECT call_type, model, input_tokens, "
                + "output_tokens, cost_estimate, priced, user_id FROM chatbot_llm_calls WHERE conversation_id = 'spring-conv-1' "
                + "ORDER BY call_sequence").mapToMap().list());
        assertEquals(2, calls.size(), calls.toString());
        Map<String, Object> embedding = calls.get(0);
        Map<String, Object> llm = calls.get(1);
        assertEquals("embedding", embedding.get("call_type"), calls.toString());
        assertEquals("gpt-4o-mini", llm.get("model"));
        assertEquals(1_000, ((Number) llm.get("input_tokens")).intValue());
        assertEquals(200, ((Number) llm.get("output_tokens")).intValue());
        // gpt-4o-mini: $0.15 in, $0.60 out per 1M tokens
        assertEquals(0, new BigDecimal("0.00027").compareTo((BigDecimal) llm.get("cost_estimate")), llm.toString());
        assertEquals("alice", llm.get("user_id"));
        Map<String, Object> message = jdbi().withHandle(h -> h.createQuery("SELECT user_input, conversation_message, intent, "
                + "user_id, success FROM chatbot_conversation_messages WHERE conversation_id = 'spring-conv-1'").mapToMap().one());
        assertEquals("where is my order?", message.get("user_input"));
        assertEquals("answer to where is my order?", message.get("conversation_message"));
        assertEquals("faq", message.get("intent"));
        assertEquals("alice", message.get("user_id"));
    }

    @Test
    void should_open_a_new_conversation_when_the_request_names_none_or_a_malformed_one() throws Exception {
        HttpResponse<String> r = post("/chat/ask", "{\"question\": \"hi\"}", "X-Conversation-Id", "bad id; DROP");
        assertEquals(200, r.statusCode(), r.body());
        String conv = r.headers().firstValue("X-Conversation-Id").orElseThrow();
        assertNotEquals("bad id; DROP", conv);
        chatLogger.flush(Duration.ofSeconds(10));
        int rows = jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM chatbot_conversation_messages "
                + "WHERE conversation_id = :c").bind("c", conv).mapTo(Integer.class).one());
        assertEquals(1, rows);
    }

    @Test
    void should_report_health_up_then_down_when_the_database_stops_then_up_again() throws Exception {
        JsonNode up = health();
        assertEquals("UP", up.get("status").asText(), up.toString());
        assertEquals("up", up.at("/details/database").asText(), up.toString());
        EmbeddedMariaDb db = TestDatabase.server();
        db.stop();
        try {
            JsonNode down = health();
            assertEquals("DOWN", down.get("status").asText(), down.toString());
            assertTrue(down.at("/details/reasons").toString().contains("database unreachable"), down.toString());
        } finally {
            db.restart();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        JsonNode again = health();
        while (!"UP".equals(again.get("status").asText()) && System.nanoTime() < deadline) {
            Thread.sleep(500);
            again = health();
        }
        assertEquals("UP", again.get("status").asText(), again.toString());
    }

    private JsonNode health() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health/chatlog"))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }
}
