package dev.chatlog.springtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.core.ChatLogger;
import dev.chatlog.embedded.EmbeddedMariaDb;
import dev.chatlog.langchain4j.OpenAiStub;
import dev.chatlog.langchain4j.OpenAiStub.Reply;
import dev.chatlog.langchain4j.OpenAiStub.Usage;
import dev.chatlog.sql.TestDatabase;
import dev.chatlog.sql.rollup.ConsistencyCheck;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
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
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The application most Spring users of LangChain4j write: LangChain4j's own Spring Boot starters
 * ({@code langchain4j-spring-boot-starter}, {@code langchain4j-open-ai-spring-boot-starter} 1.11.0-beta19 with
 * the Spring RestClient HTTP client) make the OpenAI {@code ChatModel} from properties and an {@code @AiService}
 * with a {@code @Tool} bean; chatlog's starter is added and nothing of chatlog is written in the application.
 * The model is pointed at the local OpenAI stub, the database is the embedded MariaDB.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, classes = ShopApplication.class,
        properties = {"chatlog.web.turn-paths=/chat/*", "spring.flyway.enabled=false",
                "langchain4j.open-ai.chat-model.api-key=k", "langchain4j.open-ai.chat-model.model-name=gpt-4o-mini",
                "langchain4j.open-ai.chat-model.max-retries=0"})
class AiServiceStarterTest {
    static final OpenAiStub STUB = StarterFixtures.stub(r -> r.hasToolResults() ? Reply.text("Order 7 has shipped.", Usage.of(150, 30))
            : Reply.toolCall("shippingStatus", "{\"orderId\": 7}", Usage.of(100, 20)));
    static final String SCHEMA = TestDatabase.createSchema();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        StarterFixtures.datasource(r, SCHEMA);
        r.add("langchain4j.open-ai.chat-model.base-url", STUB::baseUrl);
    }

    @AfterAll
    static void stop() {
        STUB.close();
    }

    @LocalServerPort
    int port;
    @Autowired
    ChatModel chatModel;
    @Autowired
    ChatLogger chatLogger;

    private static Jdbi jdbi() {
        EmbeddedMariaDb db = TestDatabase.server();
        return Jdbi.create(db.jdbcUrl(SCHEMA), db.user(), db.password());
    }

    @Test
    void should_store_an_ai_service_beans_invocation_as_agent_chat_tool_chat_with_no_chatlog_code() throws Exception {
        assertInstanceOf(OpenAiChatModel.class, chatModel, "LangChain4j's starter made the model with chatlog's listener bean: no wrapper");
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/chat/ask"))
                .header("Content-Type", "application/json").header("X-Conversation-Id", "ai-service-conv").header("X-User-Id", "bob")
                .POST(HttpRequest.BodyPublishers.ofString("{\"question\": \"where is order 7?\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().contains("Order 7 has shipped."), r.body());
        assertTrue(chatLogger.flush(Duration.ofSeconds(10)));

        List<Map<String, Object>> rows = jdbi().withHandle(h -> h.createQuery("""
                SELECT call_id, parent_call_id, call_type, agent, function_name, input_text, output_text, total_tokens, user_id
                FROM chatbot_llm_calls WHERE conversation_id = 'ai-service-conv' ORDER BY call_sequence""").mapToMap().list());
        assertEquals(List.of("agent", "chat", "tool", "chat"), rows.stream().map(x -> x.get("call_type")).toList(),
                "each call logged once, under one agent: " + rows);
        Map<String, Object> agent = rows.get(0);
        assertEquals("ShopApplication.ShopAssistant.answer", agent.get("agent"));
        for (Map<String, Object> child : rows.subList(1, 4)) {
            assertEquals(agent.get("call_id"), child.get("parent_call_id"), child.toString());
            assertEquals("ShopApplication.ShopAssistant.answer", child.get("agent"));
            assertEquals("bob", child.get("user_id"));
        }
        assertEquals("shippingStatus", rows.get(2).get("function_name"));
        assertEquals("{\"orderId\": 7}", rows.get(2).get("input_text"));
        assertEquals("order 7 shipped", rows.get(2).get("output_text"));
        assertEquals(120L, ((Number) rows.get(1).get("total_tokens")).longValue());
        assertEquals(180L, ((Number) rows.get(3).get("total_tokens")).longValue());
        assertEquals(List.of(), new ConsistencyCheck(jdbi()).mismatches());
    }
}
