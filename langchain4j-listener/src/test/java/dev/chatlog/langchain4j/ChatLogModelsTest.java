package dev.chatlog.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.MessageTurn;
import dev.chatlog.langchain4j.OpenAiStub.Reply;
import dev.chatlog.langchain4j.OpenAiStub.Usage;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.chatlog.sql.TestDatabase;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A model built without chatlog (someone else's bean) is wrapped, and then logs like one built with it, once. */
class ChatLogModelsTest {
    private static Database db;
    private static OpenAiStub stub;
    private static ChatLogger logger;
    private static ChatLogListener listener;

    @BeforeAll
    static void start() throws Exception {
        db = TestDatabase.freshDatabase();
        stub = new OpenAiStub();
        stub.respond(r -> r.lastUserMessage().contains("fail") ? Reply.error(500, "boom")
                : Reply.text("echo: " + r.lastUserMessage(), Usage.of(30, 7)));
        logger = ChatLogger.builder(new JdbcChatLogStore(db.jdbi())).build();
        listener = ChatLogListener.builder(logger).build();
    }

    @AfterAll
    static void stop() {
        logger.close();
        stub.close();
        db.close();
    }

    private static List<Map<String, Object>> calls(String conversation) {
        logger.flush(Duration.ofSeconds(10));
        return db.jdbi().withHandle(h -> h.createQuery("SELECT model, input_tokens, output_tokens, success, finish_reason "
                + "FROM chatbot_llm_calls WHERE conversation_id = :c ORDER BY call_sequence").bind("c", conversation).mapToMap().list());
    }

    @Test
    void should_log_a_wrapped_model_with_the_models_own_parameters_and_errors() {
        ChatModel bare = OpenAiChatModel.builder().baseUrl(stub.baseUrl()).apiKey("k").modelName("gpt-4o-mini").temperature(0.3)
                .maxRetries(0).timeout(Duration.ofSeconds(10)).build();
        ChatModel observed = ChatLogModels.observe(bare, listener);
        assertSame(observed, ChatLogModels.observe(observed, listener), "observing twice wraps once");
        assertSame(bare, ChatLogModels.unwrap(observed));
        assertEquals(bare.defaultRequestParameters().temperature(), observed.defaultRequestParameters().temperature());
        try (MessageTurn turn = logger.beginMessage("wrapped-1", "hi")) {
            assertEquals("echo: hello", observed.chat("hello"));
            ChatResponse r = observed.chat(ChatRequest.builder().messages(UserMessage.from("again"))
                    .parameters(ChatRequestParameters.builder().maxOutputTokens(50).build()).build());
            assertEquals("echo: again", r.aiMessage().text());
            assertThrows(RuntimeException.class, () -> observed.chat("please fail"));
        }
        List<Map<String, Object>> rows = calls("wrapped-1");
        assertEquals(3, rows.size(), rows.toString());
        assertEquals(30, ((Number) rows.get(0).get("input_tokens")).intValue());
        assertEquals(Boolean.FALSE, asBoolean(rows.get(2).get("success")), rows.toString());
        double sentTemperature = stub.requests().get(stub.requests().size() - 2).body().get("temperature").asDouble();
        assertEquals(0.3, sentTemperature, 1e-9, "the bean's own default parameters still go out");
    }

    @Test
    void should_not_log_twice_a_model_that_already_has_the_listener() {
        ChatModel withListener = OpenAiChatModel.builder().baseUrl(stub.baseUrl()).apiKey("k").modelName("gpt-4o")
                .maxRetries(0).listeners(List.of(listener)).build();
        assertSame(withListener, ChatLogModels.observe(withListener, listener));
        try (MessageTurn turn = logger.beginMessage("wrapped-2", "hi")) {
            withListener.chat("once");
        }
        assertEquals(1, calls("wrapped-2").size());
    }

    @Test
    void should_log_a_wrapped_streaming_model() throws Exception {
        StreamingChatModel bare = OpenAiStreamingChatModel.builder().baseUrl(stub.baseUrl()).apiKey("k").modelName("gpt-4o-mini")
                .timeout(Duration.ofSeconds(10)).build();
        StreamingChatModel observed = ChatLogModels.observe(bare, listener);
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        try (MessageTurn turn = logger.beginMessage("wrapped-3", "hi")) {
            observed.chat("streamed", new StreamingChatResponseHandler() {
                @Override
                public void onPartialResponse(String partial) {}

                @Override
                public void onCompleteResponse(ChatResponse response) {
                    done.complete(response);
                }

                @Override
                public void onError(Throwable error) {
                    done.completeExceptionally(error);
                }
            });
            assertEquals("echo: streamed", done.get(10, TimeUnit.SECONDS).aiMessage().text());
        }
        List<Map<String, Object>> rows = calls("wrapped-3");
        assertEquals(1, rows.size(), rows.toString());
        assertTrue(asBoolean(rows.get(0).get("success")));
    }

    private static boolean asBoolean(Object v) {
        return v instanceof Boolean b ? b : ((Number) v).intValue() != 0;
    }
}
