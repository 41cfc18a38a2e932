package dev.chatlog.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.core.CallType;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.error.ErrorCategory;
import dev.chatlog.core.MessageTurn;
import dev.chatlog.langchain4j.OpenAiStub.Reply;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.chatlog.sql.TestDatabase;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every failure the real OpenAI client meets, against the stub (and a closed port), stored with its category: the
 * class LangChain4j maps the status to, the provider's code in the message, or the JDK's network and timeout errors.
 */
class ErrorCategoriesTest {
    private static Database db;
    private static Jdbi jdbi;
    private static OpenAiStub stub;
    private static ChatLogger logger;

    @BeforeAll
    static void start() throws Exception {
        db = TestDatabase.freshDatabase();
        jdbi = db.jdbi();
        stub = new OpenAiStub();
        logger = ChatLogger.builder(new JdbcChatLogStore(jdbi)).build();
    }

    @AfterAll
    static void stop() {
        logger.close();
        stub.close();
        db.close();
    }

    private static ChatModel model(String baseUrl, Duration timeout) {
        return OpenAiChatModel.builder().baseUrl(baseUrl).apiKey("k").modelName("gpt-4o-mini").maxRetries(0).timeout(timeout)
                .listeners(List.of(ChatLogListener.builder(logger).build())).build();
    }

    /** The stored category of the one call of a turn that fails with {@code reply}. */
    private static String categoryOf(String baseUrl, Function<OpenAiStub.Request, Reply> reply, Duration timeout) {
        stub.respond(reply);
        String conversation;
        try (MessageTurn turn = logger.beginMessage(null, "hello")) {
            conversation = turn.conversationId();
            assertThrows(RuntimeException.class, () -> model(baseUrl, timeout).chat("hello"));
            turn.failed("model failed");
        }
        assertTrue(logger.flush(Duration.ofSeconds(20)));
        return jdbi.withHandle(h -> h.createQuery("SELECT error_category FROM chatbot_llm_calls WHERE conversation_id = :c AND success = 0")
                .bind("c", conversation).mapTo(String.class).one());
    }

    @Test
    void should_store_the_category_of_every_failure_of_the_real_client() throws IOException {
        Duration normal = Duration.ofSeconds(10);
        Map<String, String> got = new LinkedHashMap<>();
        got.put("429", categoryOf(stub.baseUrl(), r -> Reply.error(429, "Rate limit reached for gpt-4o-mini"), normal));
        got.put("401", categoryOf(stub.baseUrl(), r -> Reply.error(401, "Incorrect API key provided"), normal));
        got.put("404 model", categoryOf(stub.baseUrl(), r -> Reply.error(404, "The model gpt-9 does not exist"), normal));
        got.put("400 context", categoryOf(stub.baseUrl(), r -> Reply.error(400,
                "This model's maximum context length is 128000 tokens. However, your messages resulted in 130512 tokens."
                        + " (context_length_exceeded)"), normal));
        got.put("400 content filter", categoryOf(stub.baseUrl(), r -> Reply.error(400,
                "The response was filtered due to the prompt triggering Azure OpenAI's content management policy (content_filter)"), normal));
        got.put("400 other", categoryOf(stub.baseUrl(), r -> Reply.error(400, "Invalid value for 'temperature'"), normal));
        got.put("500", categoryOf(stub.baseUrl(), r -> Reply.error(500, "The server had an error while processing your request"), normal));
        got.put("read timeout", categoryOf(stub.baseUrl(), r -> Reply.text("late", OpenAiStub.Usage.of(1, 1)).delay(3_000), Duration.ofMillis(300)));
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort(); // nothing listens there once it is closed
        }
        got.put("refused connection", categoryOf("http://127.0.0.1:" + closed + "/v1", r -> Reply.error(500, "unused"), normal));
        System.out.println("categories through the real OpenAI client: " + got);
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("429", "rate_limited");
        expected.put("401", "authentication");
        expected.put("404 model", "model_not_found");
        expected.put("400 context", "context_length_exceeded");
        expected.put("400 content filter", "content_filtered");
        expected.put("400 other", "invalid_request");
        expected.put("500", "provider_error");
        expected.put("read timeout", "timeout");
        expected.put("refused connection", "network");
        assertEquals(expected, got);
    }

    @Test
    void should_classify_the_rows_stored_before_the_column_the_same_way_in_the_migration() throws IOException {
        // rows as an older version stored them (no category), then the migration's UPDATE, then the Java classifier
        Object[][] rows = {
                {"tool", "java.lang.IllegalStateException", null, "refunds are closed"},
                {"chat", "dev.langchain4j.exception.RateLimitException", 429, "slow down"},
                {"chat", "dev.langchain4j.exception.InvalidRequestException", 400, "maximum context length is 8192 tokens"},
                {"chat", "dev.langchain4j.exception.InvalidRequestException", 400, "code: content_filter"},
                {"chat", "java.lang.RuntimeException", 503, "upstream"},
                {"chat", "java.lang.RuntimeException", null, "java.net.http.HttpTimeoutException: request timed out"},
                {"chat", "java.lang.RuntimeException", null, "java.net.ConnectException: Connection refused"},
                {"agent", "dev.chatlog.core.budget.BudgetExceededException", null, "budget team-a has no room"},
                {"guardrail", "guardrail_refused", null, "prompt injection"},
                {"chat", "com.example.Weird", null, "no idea"},
                // the edges: '_' is no wildcard, a status that is not a JSON integer is no status
                {"chat", "java.lang.RuntimeException", null, "Input context length exceeded"},
                {"chat", "java.lang.RuntimeException", "\"429\"", "x"},
                {"chat", "java.lang.RuntimeException", "429.0", "x"},
                {"chat", "java.lang.RuntimeException", "\"abc\"", "x"},
                {"chat", "dev.langchain4j.exception.InvalidRequestException", 400, "code: content-filter"}};
        String conversation = "migration-" + System.nanoTime();
        jdbi.useHandle(h -> {
            for (int i = 0; i < rows.length; i++) {
                h.createUpdate("""
                        INSERT INTO chatbot_llm_calls (call_id, conversation_id, message_id, call_sequence, call_type, input_tokens,
                            output_tokens, total_tokens, token_source, priced, duration_ms, success, error_type, error_message, metadata,
                            started_at, ended_at, write_batch_id)
                        VALUES (:id, :c, '', :i, :t, 0, 0, 0, 'estimated', 0, 1, 0, :e, :m, :meta, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), 0)""")
                        .bind("id", "old-" + i).bind("c", conversation).bind("i", i).bind("t", rows[i][0]).bind("e", rows[i][1])
                        .bind("m", rows[i][3]).bind("meta", meta(rows[i][2])).execute();
            }
        });
        String migration;
        try (InputStream in = Database.class.getResourceAsStream("/db/chatlog/migration/V19__error_categories.sql")) {
            migration = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String update = migration.substring(migration.indexOf("UPDATE chatbot_llm_calls")).replace("WHERE success = 0",
                "WHERE success = 0 AND conversation_id = '" + conversation + "'");
        jdbi.useHandle(h -> h.execute(update.substring(0, update.lastIndexOf(';'))));
        for (int i = 0; i < rows.length; i++) {
            int n = i;
            String stored = jdbi.withHandle(h -> h.createQuery("SELECT error_category FROM chatbot_llm_calls WHERE call_id = :id")
                    .bind("id", "old-" + n).mapTo(String.class).one());
            // the store's path: the metadata as the JSON gives it back, then ErrorCategory.of
            Map<String, Object> meta = rows[i][2] == null ? Map.of()
                    : new com.fasterxml.jackson.databind.ObjectMapper().readValue(meta(rows[i][2]), Map.class);
            ErrorCategory classified = ErrorCategory.of(dev.chatlog.core.LlmCall.builder().callId("x").callType(CallType.fromDb((String) rows[i][0]))
                    .success(false).errorType((String) rows[i][1]).errorMessage((String) rows[i][3]).metadata(meta).build());
            assertEquals(classified.dbValue(), stored, java.util.Arrays.toString(rows[i]));
        }
    }

    private static String meta(Object status) {
        return status == null ? null : "{\"http_status\": " + status + "}";
    }
}
