package dev.chatlog.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.core.Batch;
import dev.chatlog.core.ChatLogSink;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.MessageTurn;
import dev.chatlog.core.token.TokenCounter;
import dev.chatlog.langchain4j.OpenAiStub.Reply;
import dev.chatlog.langchain4j.OpenAiStub.Usage;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.chatlog.sql.TestDatabase;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ChatLogListenerTest {
    private static Database db;
    private static Jdbi jdbi;
    private static OpenAiStub stub;
    private static ChatLogger logger;
    private static ChatLogListener listener;

    @BeforeAll
    static void start() throws Exception {
        db = TestDatabase.freshDatabase();
        jdbi = db.jdbi();
        stub = new OpenAiStub();
        logger = ChatLogger.builder(new JdbcChatLogStore(jdbi)).build();
        listener = ChatLogListener.builder(logger).build();
    }

    @AfterAll
    static void stop() {
        logger.close();
        stub.close();
        db.close();
    }

    @BeforeEach
    void echo() {
        stub.respond(r -> Reply.text("echo: " + r.lastUserMessage(), Usage.of(20, 5)));
    }

    private static ChatModel model(String name) {
        return OpenAiChatModel.builder().baseUrl(stub.baseUrl()).apiKey("test-key").modelName(name)
                .maxRetries(0).timeout(Duration.ofSeconds(10)).listeners(List.of(listener)).build();
    }

    private static StreamingChatModel streamingModel(String name) {
        return OpenAiStreamingChatModel.builder().baseUrl(stub.baseUrl()).apiKey("test-key").modelName(name)
                .timeout(Duration.ofSeconds(10)).listeners(List.of(listener)).build();
    }

    private static Map<String, Object> row(String callIdOrConversation) {
        assertTrue(logger.flush(Duration.ofSeconds(20)));
        List<Map<String, Object>> rows = jdbi.withHandle(h -> h.createQuery(
                "SELECT * FROM chatbot_llm_calls WHERE conversation_id = ? ORDER BY call_sequence")
                .bind(0, callIdOrConversation).mapToMap().list());
        assertEquals(1, rows.size(), rows.toString());
        return rows.get(0);
    }

    private static int i(Object o) {
        return ((Number) o).intValue();
    }

    private static ChatResponse stream(StreamingChatModel model, ChatRequest request) throws Exception {
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        model.chat(request, FirstTokenClock.wrap(new StreamingChatResponseHandler() {
            @Override public void onPartialResponse(String partial) { }
            @Override public void onCompleteResponse(ChatResponse r) { done.complete(r); }
            @Override public void onError(Throwable t) { done.completeExceptionally(t); }
        }));
        return done.get(20, TimeUnit.SECONDS);
    }

    @Test
    void should_fingerprint_each_request_and_its_cacheable_prefix_for_the_insights() {
        ChatModel m = model("gpt-4o-mini");
        String system = "You are the support assistant of an online shop. ".repeat(40);
        ToolSpecification tool = ToolSpecification.builder().name("lookup_order").description("Finds an order by its number").build();
        java.util.function.BiFunction<String, Double, ChatRequest> request = (question, temperature) -> ChatRequest.builder()
                .messages(SystemMessage.from(system), UserMessage.from(question)).toolSpecifications(tool).temperature(temperature).build();
        String conversation = "fingerprints-" + System.nanoTime();
        try (MessageTurn turn = logger.beginMessage(conversation, "q")) {
            m.chat(request.apply("Where is order 42?", 0.0));
            m.chat(request.apply("Where is order 42?", 0.0)); // the same request again
            m.chat(request.apply("Where is order 42?", 0.7)); // another temperature: another request
            m.chat(request.apply("Can I return shoes?", 0.0)); // another question: the same prefix
            m.chat(ChatRequest.builder().messages(UserMessage.from("Where is order 42?")).temperature(0.0).build()); // no prefix
            for (String image : List.of("https://shop.example/a.png", "https://shop.example/b.png")) { // the same words, two images
                m.chat(ChatRequest.builder().messages(UserMessage.from(dev.langchain4j.data.message.TextContent.from("What is this?"),
                        dev.langchain4j.data.message.ImageContent.from(image))).build());
            }
            m.chat(ChatRequest.builder().messages(UserMessage.from("Where is order 42?")).temperature(0.0).stopSequences(List.of("END")).build());
            turn.output("{}", "ok");
        }
        assertTrue(logger.flush(Duration.ofSeconds(10)));
        List<Map<String, Object>> rows = jdbi.withHandle(h -> h.createQuery("""
                SELECT JSON_UNQUOTE(JSON_EXTRACT(metadata, '$.request_hash')) AS rh, JSON_UNQUOTE(JSON_EXTRACT(metadata, '$.prefix_hash')) AS ph,
                       JSON_EXTRACT(metadata, '$.prefix_tokens') AS pt
                FROM chatbot_llm_calls WHERE conversation_id = :c ORDER BY call_sequence""").bind("c", conversation).mapToMap().list());
        assertEquals(8, rows.size());
        List<Object> hashes = rows.stream().map(r -> r.get("rh")).toList();
        assertTrue(!hashes.get(5).equals(hashes.get(6)), "the same words about two images: two requests");
        assertTrue(!hashes.get(4).equals(hashes.get(7)), "another stop sequence: another request");
        assertTrue(hashes.stream().allMatch(h -> h != null && ((String) h).matches("[0-9a-f]{32}")), hashes.toString());
        assertEquals(hashes.get(0), hashes.get(1), "the same request, the same hash");
        assertEquals(7, new java.util.HashSet<>(hashes).size(), "another temperature, question, prefix, image or stop: another request");
        assertEquals(rows.get(0).get("ph"), rows.get(3).get("ph"), "the same system prompt and tools: the same prefix");
        assertNotNull(rows.get(0).get("ph"));
        assertNull(rows.get(4).get("ph"), "no system message and no tools: no prefix");
        int tokens = Integer.parseInt(String.valueOf(rows.get(0).get("pt")));
        int systemAlone = TokenCounter.shared().countText("gpt-4o-mini", system);
        assertTrue(tokens > systemAlone && tokens < systemAlone + 50, "the system prompt's tokens and the tool's: " + tokens + " vs " + systemAlone);
    }

    @Test
    void should_store_provider_usage_with_cached_and_reasoning_tokens_when_a_blocking_call_succeeds() {
        stub.respond(r -> Reply.text("Your last order shipped.", new Usage(1200, 300, 1000, 120)).model("gpt-4o-2024-08-06"));
        String conversation;
        try (MessageTurn turn = logger.beginMessage("conv-blocking", "where is my order?").user("u-7").chatMode("simple");
             var fn = turn.function("summarize")) {
            conversation = turn.conversationId();
            ChatResponse r = model("gpt-4o").chat(ChatRequest.builder()
                    .messages(SystemMessage.from("You answer about orders."), UserMessage.from("where is my order?"))
                    .temperature(0.2).maxOutputTokens(400).build());
            assertEquals("Your last order shipped.", r.aiMessage().text());
        }
        Map<String, Object> row = row(conversation);
        assertEquals("chat", row.get("call_type"));
        assertEquals("openai", row.get("provider"));
        assertEquals("gpt-4o", row.get("model"));
        assertEquals("gpt-4o-2024-08-06", row.get("response_model"));
        assertEquals("summarize", row.get("function_name"));
        assertEquals("u-7", row.get("user_id"));
        assertEquals("simple", row.get("chat_mode"));
        assertEquals(1, i(row.get("call_sequence")));
        assertEquals(1200, i(row.get("input_tokens")));
        assertEquals(300, i(row.get("output_tokens")));
        assertEquals(1000, i(row.get("cached_input_tokens")));
        assertEquals(120, i(row.get("reasoning_tokens")));
        assertEquals("provider", row.get("token_source"));
        assertEquals("stop", row.get("finish_reason"));
        // 200 uncached * 2.50 + 1000 cached * 1.25 + 300 out * 10.00, per 1M tokens
        assertEquals(0, new BigDecimal("0.00475").compareTo((BigDecimal) row.get("cost_estimate")));
        assertTrue((Boolean) row.get("priced"));
        assertTrue(((String) row.get("input_text")).contains("system: You answer about orders."));
        assertTrue(((String) row.get("input_text")).contains("user: where is my order?"));
        assertEquals("Your last order shipped.", row.get("output_text"));
        assertTrue(row.get("metadata").toString().contains("\"temperature\":0.2"), row.get("metadata").toString());
        assertTrue(row.get("metadata").toString().contains("\"max_output_tokens\":400"));
    }

    @Test
    void should_store_and_price_anthropic_cache_writes_and_reads_from_the_real_anthropic_client() {
        // Anthropic reports input tokens without the cache: 100 uncached, 2,000 written to the cache, 3,000 read from it
        stub.respondAnthropic(new OpenAiStub.AnthropicReply("Cached answer.", 100, 50, 2_000, 3_000));
        ChatModel claude = dev.langchain4j.model.anthropic.AnthropicChatModel.builder().baseUrl(stub.baseUrl() + "/")
                .apiKey("test-key").modelName("claude-haiku-4-5").maxRetries(0).timeout(Duration.ofSeconds(10))
                .listeners(List.of(listener)).build();
        String conversation;
        try (MessageTurn turn = logger.beginMessage("conv-anthropic-cache", "long document question")) {
            conversation = turn.conversationId();
            assertEquals("Cached answer.", claude.chat("what does section 4 say?"));
        }
        Map<String, Object> row = row(conversation);
        assertEquals("anthropic", row.get("provider"));
        assertEquals(5_100, i(row.get("input_tokens")), "the whole prompt");
        assertEquals(3_000, i(row.get("cached_input_tokens")));
        assertEquals(2_000, i(row.get("cache_write_tokens")));
        assertEquals(50, i(row.get("output_tokens")));
        // Claude Haiku 4.5: $1 in, $1.25 cache write, $0.10 cache read, $5 out per 1M:
        // 100 * 1 + 2,000 * 1.25 + 3,000 * 0.10 + 50 * 5 = 3,150 per 1M
        assertEquals(0, new BigDecimal("0.00315").compareTo((BigDecimal) row.get("cost_estimate")), row.toString());
        assertTrue(((String) row.get("price_version")).startsWith("genai-prices@"), row.toString());
    }

    @Test
    void should_store_and_price_gemini_cached_and_thinking_tokens_from_the_real_gemini_client() {
        // Gemini: a 10,000-token prompt of which 4,000 cached; 500 answer tokens plus 1,500 thinking tokens
        stub.respondGemini(new OpenAiStub.GeminiReply("Thought it through.", 10_000, 500, 4_000, 1_500));
        ChatModel gemini = dev.langchain4j.model.googleai.GoogleAiGeminiChatModel.builder().baseUrl(stub.baseUrl())
                .apiKey("test-key").modelName("gemini-2.5-flash").maxRetries(0).timeout(Duration.ofSeconds(10))
                .listeners(List.of(listener)).build();
        String conversation;
        try (MessageTurn turn = logger.beginMessage("conv-gemini-cache", "a long question")) {
            conversation = turn.conversationId();
            assertEquals("Thought it through.", gemini.chat("what follows?"));
        }
        Map<String, Object> row = row(conversation);
        assertEquals("google-ai-gemini", row.get("provider"));
        assertEquals(10_000, i(row.get("input_tokens")));
        assertEquals(4_000, i(row.get("cached_input_tokens")));
        assertEquals(2_000, i(row.get("output_tokens")), "thinking tokens are billed as output");
        assertEquals(1_500, i(row.get("reasoning_tokens")));
        // Gemini 2.5 Flash: $0.30 in, $0.03 cached, $2.50 out per 1M: 6,000 * 0.30 + 4,000 * 0.03 + 2,000 * 2.50 = 6,920 per 1M
        assertEquals(0, new BigDecimal("0.00692").compareTo((BigDecimal) row.get("cost_estimate")), row.toString());
    }

    @Test
    void should_price_an_openai_compatible_client_pointed_at_another_vendor_by_its_base_url() {
        assertEquals("groq", dev.chatlog.core.price.GenaiPrices.bundled().providerAt("https://api.groq.com/openai/v1").orElseThrow());
        assertTrue(dev.chatlog.core.price.GenaiPrices.bundled().providerAt(stub.baseUrl()).isEmpty(), "a local server is nobody's");
        stub.respond(r -> Reply.text("fast answer", Usage.of(1_000_000, 1_000_000)));
        ChatLogListener groq = ChatLogListener.builder(logger).baseUrl("https://api.groq.com/openai/v1").build();
        ChatModel viaGroq = OpenAiChatModel.builder().baseUrl(stub.baseUrl()).apiKey("k").modelName("llama-3.3-70b-versatile")
                .maxRetries(0).listeners(List.of(groq)).build();
        String conversation;
        try (MessageTurn turn = logger.beginMessage("conv-groq", "hi")) {
            conversation = turn.conversationId();
            viaGroq.chat("hello");
        }
        Map<String, Object> row = row(conversation);
        assertEquals("groq", row.get("provider"), "not openai: the client is OpenAI's, the vendor is Groq");
        // Groq's llama-3.3-70b-versatile: $0.59 in, $0.79 out per 1M
        assertEquals(0, new BigDecimal("1.38").compareTo((BigDecimal) row.get("cost_estimate")), row.toString());
    }

    @Test
    void should_price_another_vendors_model_served_by_an_openai_compatible_gateway_and_say_whose_price_it_is() {
        // a LiteLLM proxy, OpenRouter or a company gateway: the OpenAI client, an unrecognised URL, a Claude model
        stub.respond(r -> Reply.text("from claude via the gateway", Usage.of(1_000_000, 1_000_000)));
        String conversation;
        try (MessageTurn turn = logger.beginMessage("conv-gateway", "hi")) {
            conversation = turn.conversationId();
            model("claude-3-haiku-20240307").chat("hello");
        }
        Map<String, Object> row = row(conversation);
        assertEquals("openai", row.get("provider"), "the client is OpenAI's: stored as it is");
        assertEquals(Boolean.TRUE, row.get("priced"), "not unpriced: " + row);
        // Anthropic's claude-3-haiku: $0.25 in, $1.25 out per 1M
        assertEquals(0, new BigDecimal("1.5").compareTo((BigDecimal) row.get("cost_estimate")), row.toString());
        String meta = String.valueOf(row.get("metadata"));
        assertTrue(meta.contains("\"priced_as_provider\": \"anthropic\"") || meta.contains("\"priced_as_provider\":\"anthropic\""), meta);
    }

    @Test
    void should_log_a_streaming_call_with_final_usage_and_time_to_first_token() throws Exception {
        stub.respond(r -> Reply.text("Three orders are open.", new Usage(42, 7, null, null)));
        String conversation;
        try (MessageTurn turn = logger.beginMessage("conv-stream-usage", "open orders?")) {
            conversation = turn.conversationId();
            ChatResponse r = stream(streamingModel("gpt-4o-mini"),
                    ChatRequest.builder().messages(UserMessage.from("open orders?")).build());
            assertEquals("Three orders are open.", r.aiMessage().text());
        }
        Map<String, Object> row = row(conversation);
        assertEquals("streaming_chat", row.get("call_type"));
        assertEquals(42, i(row.get("input_tokens")));
        assertEquals(7, i(row.get("output_tokens")));
        assertEquals("provider", row.get("token_source"));
        assertNotNull(row.get("time_to_first_token_ms"));
        assertTrue(i(row.get("time_to_first_token_ms")) <= ((BigDecimal) row.get("duration_ms")).doubleValue());
        assertTrue(stub.requests().get(stub.requests().size() - 1).includesUsageInStream());
    }

    @Test
    void should_estimate_tokens_with_jtokkit_when_the_stream_reports_no_usage() throws Exception {
        stub.respond(r -> Reply.text("Nothing is pending right now.", null));
        String conversation;
        try (MessageTurn turn = logger.beginMessage("conv-stream-nousage", "pending?")) {
            conversation = turn.conversationId();
            stream(streamingModel("gpt-4o"), ChatRequest.builder()
                    .messages(SystemMessage.from("Be brief."), UserMessage.from("Anything pending for customer 42?")).build());
        }
        Map<String, Object> row = row(conversation);
        TokenCounter tc = TokenCounter.shared();
        int expectedIn = tc.countChat("gpt-4o", List.of(new TokenCounter.PromptMessage("system", "Be brief.", null),
                new TokenCounter.PromptMessage("user", "Anything pending for customer 42?", null)));
        assertEquals("estimated", row.get("token_source"));
        assertEquals(expectedIn, i(row.get("input_tokens")));
        assertEquals(tc.countText("gpt-4o", "Nothing is pending right now."), i(row.get("output_tokens")));
        assertTrue((Boolean) row.get("priced"));
    }

    @Test
    void should_log_failed_calls_and_leave_the_application_exception_unchanged_when_the_provider_errors() {
        for (int status : new int[] {429, 500}) {
            stub.respond(r -> Reply.error(status, "boom " + status));
            ChatModel bare = OpenAiChatModel.builder().baseUrl(stub.baseUrl()).apiKey("k").modelName("gpt-4o-mini").maxRetries(0).build();
            RuntimeException without = assertThrows(RuntimeException.class, () -> bare.chat("hi"));
            String conversation;
            RuntimeException with;
            try (MessageTurn turn = logger.beginMessage("conv-error-" + status, "hi")) {
                conversation = turn.conversationId();
                with = assertThrows(RuntimeException.class, () -> model("gpt-4o-mini").chat("hi"));
            }
            assertEquals(without.getClass(), with.getClass());
            assertEquals(without.getMessage(), with.getMessage());
            Map<String, Object> row = row(conversation);
            assertFalse((Boolean) row.get("success"));
            assertEquals(with.getClass().getName(), row.get("error_type"));
            assertTrue(((String) row.get("error_message")).contains("boom " + status), (String) row.get("error_message"));
            assertTrue(row.get("metadata").toString().contains("\"http_status\":" + status), row.get("metadata").toString());
            assertEquals("estimated", row.get("token_source"));
            assertEquals(0, i(row.get("output_tokens")));
        }
    }

    @Test
    void should_record_requested_tool_calls_and_offered_tools() {
        stub.respond(r -> Reply.toolCall("get_orders", "{\"customer_id\":42}", Usage.of(80, 15)));
        String conversation;
        try (MessageTurn turn = logger.beginMessage("conv-tools", "orders of 42")) {
            conversation = turn.conversationId();
            ChatResponse r = model("gpt-4.1").chat(ChatRequest.builder().messages(UserMessage.from("orders of 42"))
                    .toolSpecifications(ToolSpecification.builder().name("get_orders").description("orders of a customer").build())
                    .build());
            assertTrue(r.aiMessage().hasToolExecutionRequests());
        }
        Map<String, Object> row = row(conversation);
        assertEquals("tool_execution", row.get("finish_reason"));
        assertTrue(((String) row.get("output_text")).contains("[tool call] get_orders({\"customer_id\":42})"));
        String meta = row.get("metadata").toString();
        assertTrue(meta.contains("\"tools_offered\":[\"get_orders\"]"), meta);
        assertTrue(meta.contains("\"tool_calls\":[\"get_orders\"]"), meta);
    }

    @Test
    void should_attribute_every_row_to_its_own_conversation_when_16_threads_interleave_blocking_and_streaming_calls()
            throws Exception {
        stub.respond(r -> Reply.text("echo: " + r.lastUserMessage(), Usage.of(10, 3)).delay(r.lastUserMessage().hashCode() & 7));
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<?>> futures = new ArrayList<>();
        ChatModel blocking = model("gpt-4o-mini");
        StreamingChatModel streaming = streamingModel("gpt-4o-mini");
        for (int t = 0; t < 16; t++) {
            int thread = t;
            futures.add(pool.submit(() -> {
                for (int turnNo = 0; turnNo < 3; turnNo++) {
                    try (MessageTurn turn = logger.beginMessage("mt-" + thread, "turn " + turnNo)) {
                        for (int k = 0; k < 4; k++) {
                            String text = turn.conversationId() + "|" + turn.messageId() + "|" + k;
                            if (k % 2 == 0) {
                                blocking.chat(text);
                            } else {
                                stream(streaming, ChatRequest.builder().messages(UserMessage.from(text)).build());
                            }
                        }
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : futures) f.get(120, TimeUnit.SECONDS);
        pool.shutdown();
        assertTrue(logger.flush(Duration.ofSeconds(30)));
        List<Map<String, Object>> rows = jdbi.withHandle(h -> h.createQuery(
                "SELECT conversation_id, message_id, call_sequence, call_type, output_text FROM chatbot_llm_calls WHERE conversation_id LIKE 'mt-%'")
                .mapToMap().list());
        assertEquals(16 * 3 * 4, rows.size());
        for (Map<String, Object> r : rows) {
            String[] sent = ((String) r.get("output_text")).substring("echo: ".length()).split("\\|");
            assertEquals(sent[0], r.get("conversation_id"));
            assertEquals(sent[1], r.get("message_id"));
            assertEquals(Integer.parseInt(sent[2]) + 1, i(r.get("call_sequence")));
            assertEquals(Integer.parseInt(sent[2]) % 2 == 0 ? "chat" : "streaming_chat", r.get("call_type"));
        }
        assertEquals(List.of(), new dev.chatlog.sql.rollup.ConsistencyCheck(jdbi).mismatches());
    }

    @Test
    void should_log_calls_made_outside_any_conversation() {
        stub.respond(r -> Reply.text("free-floating", Usage.of(3, 2)));
        model("gpt-4o-mini").chat("no context here");
        Map<String, Object> row = row("");
        assertEquals("", row.get("message_id"));
        assertEquals("free-floating", row.get("output_text"));
        assertNull(row.get("function_name"));
    }

    @Test
    void should_never_reach_the_model_call_when_the_logging_side_fails() {
        ChatLogSink broken = new ChatLogSink() {
            @Override public void write(Batch batch) { throw new IllegalStateException("sink bug"); }
            @Override public boolean isRetryable(Exception e) { return false; }
        };
        try (ChatLogger brokenLogger = ChatLogger.builder(broken).queueCapacity(1).build()) {
            ChatLogListener l = ChatLogListener.builder(brokenLogger).build();
            ChatModel m = OpenAiChatModel.builder().baseUrl(stub.baseUrl()).apiKey("k").modelName("gpt-4o")
                    .listeners(List.of(l)).build();
            for (int k = 0; k < 20; k++) {
                assertEquals("echo: still works " + k, m.chat("still works " + k));
            }
            brokenLogger.flush(Duration.ofSeconds(5));
            assertTrue(brokenLogger.stats().rejected() + brokenLogger.stats().dropped() > 0);
        }
    }
}
