package dev.chatlog.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.core.ChatContext;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.MessageTurn;
import dev.chatlog.core.StepScope;
import dev.chatlog.langchain4j.OpenAiStub.Reply;
import dev.chatlog.langchain4j.OpenAiStub.Usage;
import dev.chatlog.sql.query.Filter;
import dev.chatlog.sql.query.Window;
import dev.chatlog.sql.report.Reports;
import dev.chatlog.sql.rollup.ConsistencyCheck;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.chatlog.sql.TestDatabase;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import dev.langchain4j.rag.content.retriever.EmbeddingStoreContentRetriever;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.store.embedding.inmemory.InMemoryEmbeddingStore;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CallHierarchyTest {
    private static Database db;
    private static Jdbi jdbi;
    private static OpenAiStub stub;
    private static ChatLogger logger;
    private static ChatModel chatModel;
    private static OpenAiEmbeddingModel embeddingModel;

    interface ShopAssistant {
        String answer(String question);
    }

    static final class OrderTools {
        @Tool("Find the orders of a customer")
        String findOrders(@P("customer id") int customerId) {
            return "orders of " + customerId + ": #7, #9";
        }

        @Tool("Shipping status of an order")
        String shippingStatus(@P("order id") int orderId) {
            return "order " + orderId + " shipped";
        }

        @Tool("Refund an order")
        String refund(@P("order id") int orderId) {
            throw new IllegalStateException("refunds are closed today");
        }
    }

    @BeforeAll
    static void start() throws Exception {
        db = TestDatabase.freshDatabase();
        jdbi = db.jdbi();
        stub = new OpenAiStub();
        logger = ChatLogger.builder(new JdbcChatLogStore(jdbi)).build();
        chatModel = OpenAiChatModel.builder().baseUrl(stub.baseUrl()).apiKey("k").modelName("gpt-4o-mini").maxRetries(0)
                .listeners(List.of(ChatLogListener.builder(logger).build())).build();
        embeddingModel = OpenAiEmbeddingModel.builder().baseUrl(stub.baseUrl()).apiKey("k").modelName("text-embedding-3-small")
                .maxRetries(0).listeners(List.of(new ChatLogEmbeddingListener(logger))).build();
    }

    @AfterAll
    static void stop() {
        logger.close();
        stub.close();
        db.close();
    }

    private static Map<String, Object> conversation(String id) {
        assertTrue(logger.flush(Duration.ofSeconds(20)));
        return new Reports(jdbi).conversation(id).orElseThrow();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> children(Map<String, Object> node) {
        return (List<Map<String, Object>>) node.get("children");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> rollup(Map<String, Object> node) {
        return (Map<String, Object>) node.get("rollup");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> roots(Map<String, Object> conversation, int message) {
        return (List<Map<String, Object>>) ((List<Map<String, Object>>) conversation.get("messages")).get(message).get("llm_calls");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> message(Map<String, Object> conversation, int message) {
        return ((List<Map<String, Object>>) conversation.get("messages")).get(message);
    }

    private static long n(Object o) {
        return ((Number) o).longValue();
    }

    @Test
    void should_store_an_ai_service_invocation_as_one_exact_tree_with_tools_and_retrieval() {
        InMemoryEmbeddingStore<TextSegment> store = new InMemoryEmbeddingStore<>();
        TextSegment doc = TextSegment.from("Orders ship within two days.");
        store.add(embeddingModel.embed(doc).content(), doc); // ingestion, outside any conversation
        ShopAssistant assistant = ChatLogAiServices.observe(logger, AiServices.builder(ShopAssistant.class)
                .chatModel(chatModel).tools(new OrderTools())
                .contentRetriever(EmbeddingStoreContentRetriever.builder().embeddingStore(store)
                        .embeddingModel(embeddingModel).maxResults(1).minScore(0.0).build())).build();
        stub.respond(r -> r.hasToolResults()
                ? Reply.text("Customer 42 has orders #7 and #9; #7 shipped.", Usage.of(150, 30))
                : Reply.toolCalls(Usage.of(100, 20), "findOrders", "{\"customerId\": 42}", "shippingStatus", "{\"orderId\": 7}"));

        String conversation;
        try (MessageTurn turn = logger.beginMessage("tree-ai-service", "What about customer 42?").chatMode("rag").user("u-42")) {
            conversation = turn.conversationId();
            assertEquals("Customer 42 has orders #7 and #9; #7 shipped.", assistant.answer("What about customer 42?"));
            turn.output("{}", "done");
        }
        Map<String, Object> conv = conversation(conversation);
        List<Map<String, Object>> roots = roots(conv, 0);
        assertEquals(1, roots.size(), roots.toString());
        Map<String, Object> agent = roots.get(0);
        assertEquals("agent", agent.get("call_type"));
        assertEquals("CallHierarchyTest.ShopAssistant.answer", agent.get("agent"));
        assertTrue((Boolean) agent.get("success"));
        List<Map<String, Object>> kids = children(agent);
        assertEquals(List.of("embedding", "chat", "tool", "tool", "chat"), kids.stream().map(k -> k.get("call_type")).toList());
        assertEquals(List.of(2L, 3L, 4L, 5L, 6L), kids.stream().map(k -> n(k.get("call_sequence"))).toList());
        assertEquals(List.of("findOrders", "shippingStatus"), List.of(kids.get(2).get("function_name"), kids.get(3).get("function_name")));
        assertEquals("orders of 42: #7, #9", kids.get(2).get("output_text"));
        assertEquals("order 7 shipped", kids.get(3).get("output_text"));
        for (Map<String, Object> k : kids) {
            assertEquals(agent.get("call_id"), k.get("parent_call_id"));
            assertEquals("CallHierarchyTest.ShopAssistant.answer", k.get("agent"));
            assertEquals("rag", k.get("chat_mode"));
        }
        assertEquals("text-embedding-3-small", kids.get(0).get("model"));
        assertEquals((long) OpenAiStub.EMBEDDING_TOKENS_PER_INPUT, n(kids.get(0).get("input_tokens")));
        assertEquals("provider", kids.get(0).get("token_source"));
        assertEquals(120L, n(kids.get(1).get("total_tokens")));
        assertEquals(180L, n(kids.get(4).get("total_tokens")));
        // 100*0.15 + 20*0.60 + 150*0.15 + 30*0.60 (gpt-4o-mini) + 8*0.02 (text-embedding-3-small), per 1M tokens
        BigDecimal expected = new BigDecimal("0.00006766");
        Map<String, Object> r = rollup(agent);
        assertEquals(3L, n(r.get("llm_calls")));
        assertEquals(308L, n(r.get("total_tokens")));
        assertEquals(0, expected.compareTo((BigDecimal) r.get("cost")));
        Map<String, Object> m = message(conv, 0);
        assertEquals(n(m.get("total_llm_calls")), n(r.get("llm_calls")));
        assertEquals(n(m.get("total_tokens_used")), n(r.get("total_tokens")));
        assertEquals(0, new BigDecimal(m.get("total_cost").toString()).compareTo((BigDecimal) r.get("cost")));
        assertEquals(List.of(), new ConsistencyCheck(jdbi).mismatches());
    }

    interface StreamingAssistant {
        dev.langchain4j.service.TokenStream answer(String question);
    }

    @Test
    void should_not_leave_a_streaming_ai_services_agent_on_the_invoking_thread_once_it_completed_elsewhere() throws Exception {
        stub.respond(r -> Reply.text("streamed by the agent", Usage.of(20, 5)));
        var streaming = dev.langchain4j.model.openai.OpenAiStreamingChatModel.builder().baseUrl(stub.baseUrl()).apiKey("k")
                .modelName("gpt-4o-mini").listeners(List.of(ChatLogListener.builder(logger).build())).build();
        StreamingAssistant assistant = ChatLogAiServices.observe(logger, AiServices.builder(StreamingAssistant.class)
                .streamingChatModel(streaming)).build();
        java.util.concurrent.CompletableFuture<Thread> completedOn = new java.util.concurrent.CompletableFuture<>();
        assistant.answer("stream please").onPartialResponse(p -> { })
                .onCompleteResponse(r -> completedOn.complete(Thread.currentThread()))
                .onError(completedOn::completeExceptionally).start();
        assertTrue(completedOn.get(20, java.util.concurrent.TimeUnit.SECONDS) != Thread.currentThread(), "completed on another thread");
        Thread.sleep(200); // the completion's listeners have run
        stub.respond(r -> Reply.text("a later answer", Usage.of(10, 2)));
        chatModel.chat("later-call-on-the-invoking-thread"); // this thread's next call, for another user, outside the agent
        assertTrue(logger.flush(Duration.ofSeconds(20)));
        Map<String, Object> later = jdbi.withHandle(h -> h.createQuery(
                "SELECT parent_call_id, agent, conversation_id FROM chatbot_llm_calls WHERE input_text LIKE '%later-call-on-the-invoking-thread%'")
                .mapToMap().one());
        assertEquals(null, later.get("agent"), "the finished agent is not this thread's context any more: " + later);
        assertEquals(null, later.get("parent_call_id"), later.toString());
    }

    @Test
    void should_nest_explicit_agents_including_one_that_works_on_another_thread() throws Exception {
        stub.respond(q -> Reply.text("ok: " + q.lastUserMessage(), Usage.of(10, 2)));
        ExecutorService pool = Executors.newSingleThreadExecutor();
        String conversation;
        try (MessageTurn turn = logger.beginMessage("tree-agents", "plan a refund")) {
            conversation = turn.conversationId();
            try (StepScope orchestrator = logger.beginAgent("Orchestrator")) {
                chatModel.chat("plan");
                try (StepScope rag = logger.beginAgent("RAGAgent")) {
                    chatModel.chat("retrieve");
                }
                ChatContext handoff = ChatContext.current();
                pool.submit(() -> {
                    try (ChatContext.Scope s = handoff.makeCurrent(); StepScope mcp = logger.beginAgent("MCPAgent")) {
                        chatModel.chat("call mcp");
                        try (StepScope tool = logger.beginTool("mcp_search", "{\"q\": \"refund\"}")) {
                            tool.result("2 hits");
                        }
                    }
                    assertNull(ChatContext.current().conversationId(), "the worker thread's context is restored");
                    return null;
                }).get();
                chatModel.chat("finish");
            }
        }
        pool.shutdown();
        Map<String, Object> conv = conversation(conversation);
        List<Map<String, Object>> roots = roots(conv, 0);
        assertEquals(1, roots.size());
        Map<String, Object> orch = roots.get(0);
        assertEquals("Orchestrator", orch.get("agent"));
        List<Map<String, Object>> kids = children(orch);
        assertEquals(List.of("chat", "agent", "agent", "chat"), kids.stream().map(k -> k.get("call_type")).toList());
        assertEquals("ok: plan", kids.get(0).get("output_text"));
        assertEquals("RAGAgent", kids.get(1).get("agent"));
        assertEquals("ok: retrieve", children(kids.get(1)).get(0).get("output_text"));
        assertEquals("RAGAgent", children(kids.get(1)).get(0).get("agent"));
        Map<String, Object> mcp = kids.get(2);
        assertEquals("MCPAgent", mcp.get("agent"));
        assertEquals(List.of("chat", "tool"), children(mcp).stream().map(k -> k.get("call_type")).toList());
        assertEquals("MCPAgent", children(mcp).get(0).get("agent"));
        assertEquals("mcp_search", children(mcp).get(1).get("function_name"));
        assertEquals("ok: finish", kids.get(3).get("output_text"));
        assertEquals(4L, n(rollup(orch).get("llm_calls")));
        assertEquals(48L, n(rollup(orch).get("total_tokens")));
        assertEquals(n(message(conv, 0).get("total_tokens_used")), n(rollup(orch).get("total_tokens")));
    }

    @Test
    void should_record_a_failing_tool_and_a_failing_llm_call_as_failed_nodes_of_a_complete_tree() {
        ShopAssistant assistant = ChatLogAiServices.observe(logger, AiServices.builder(ShopAssistant.class)
                .chatModel(chatModel).tools(new OrderTools())).build();
        stub.respond(r -> r.hasToolResults() ? Reply.error(500, "upstream exploded")
                : Reply.toolCall("refund", "{\"orderId\": 9}", Usage.of(60, 12)));
        String conversation;
        try (MessageTurn turn = logger.beginMessage("tree-failures", "refund order 9")) {
            conversation = turn.conversationId();
            assertThrows(RuntimeException.class, () -> assistant.answer("refund order 9"));
            turn.failed("model failed");
        }
        Map<String, Object> conv = conversation(conversation);
        List<Map<String, Object>> roots = roots(conv, 0);
        assertEquals(1, roots.size());
        Map<String, Object> agent = roots.get(0);
        assertFalse((Boolean) agent.get("success"));
        List<Map<String, Object>> kids = children(agent);
        assertEquals(List.of("chat", "tool", "chat"), kids.stream().map(k -> k.get("call_type")).toList());
        assertTrue((Boolean) kids.get(0).get("success"));
        assertFalse((Boolean) kids.get(1).get("success"));
        assertTrue(String.valueOf(kids.get(1).get("error_message")).contains("refunds are closed today"));
        assertFalse((Boolean) kids.get(2).get("success"));
        assertTrue(String.valueOf(kids.get(2).get("error_message")).contains("upstream exploded"));
        assertEquals(2L, n(rollup(agent).get("llm_calls")));
        assertEquals(n(message(conv, 0).get("total_llm_calls")), n(rollup(agent).get("llm_calls")));
        assertEquals(List.of(), new ConsistencyCheck(jdbi).mismatches());
    }

    @Test
    @SuppressWarnings("unchecked")
    void should_break_usage_down_by_agent_tool_and_chat_mode() {
        stub.respond(q -> Reply.text("fine", Usage.of(40, 4)));
        try (MessageTurn turn = logger.beginMessage("tree-breakdown", "x").chatMode("bd-mode");
             StepScope agent = logger.beginAgent("BreakdownAgent")) {
            chatModel.chat("one");
            chatModel.chat("two");
            try (StepScope tool = logger.beginTool("breakdown_tool", "{}")) {
                tool.failed("tool_error", "no luck");
            }
        }
        assertTrue(logger.flush(Duration.ofSeconds(20)));
        Reports q = new Reports(jdbi);
        java.time.Instant now = java.time.Instant.now();
        for (Map<String, Object> view : List.of(q.overview(Window.lastHours(1, now), Filter.NONE, now), q.llmCalls(Window.lastHours(1, now), Filter.NONE))) {
            Map<String, Object> byAgent = ((List<Map<String, Object>>) view.get("by_agent")).stream()
                    .filter(g -> "BreakdownAgent".equals(g.get("agent"))).findFirst().orElseThrow();
            assertEquals(2L, n(byAgent.get("llm_calls")));
            assertEquals(88L, n(byAgent.get("total_tokens")));
            Map<String, Object> byMode = ((List<Map<String, Object>>) view.get("by_chat_mode")).stream()
                    .filter(g -> "bd-mode".equals(g.get("chat_mode"))).findFirst().orElseThrow();
            assertEquals(2L, n(byMode.get("llm_calls")));
            Map<String, Object> byTool = ((List<Map<String, Object>>) view.get("by_tool")).stream()
                    .filter(g -> "breakdown_tool".equals(g.get("tool"))).findFirst().orElseThrow();
            assertEquals(1L, n(byTool.get("executions")));
            assertEquals(1L, n(byTool.get("failures")));
        }
        Map<String, Object> filtered = q.llmCalls(Window.lastHours(1, now), new Filter(null, "BreakdownAgent", null, null, null, null));
        assertEquals(2L, n(((Map<String, Object>) filtered.get("totals")).get("llm_calls")));
    }
    @Test
    void should_give_every_ai_service_the_tree_once_observe_all_is_on_without_touching_its_builder() throws Exception {
        stub.respond(r -> r.hasToolResults() ? Reply.text("Customer 5 has #7.", Usage.of(90, 10))
                : Reply.toolCall("findOrders", "{\"customerId\": 5}", Usage.of(70, 8)));
        ShopAssistant plain = AiServices.builder(ShopAssistant.class).chatModel(chatModel).tools(new OrderTools()).build();
        ShopAssistant byHand = ChatLogAiServices.observe(logger, AiServices.builder(ShopAssistant.class)
                .chatModel(chatModel).tools(new OrderTools())).build();
        String before = turnWith("observe-all-off", plain);
        String everywhere;
        String both;
        try (AutoCloseable on = ChatLogAiServices.observeAll(logger)) {
            everywhere = turnWith("observe-all-on", plain); // built before observeAll: observed all the same
            both = turnWith("observe-all-and-by-hand", byHand);
        }
        String after = turnWith("observe-all-closed", plain);

        assertEquals(List.of("chat", "chat"), roots(conversation(before), 0).stream().map(k -> k.get("call_type")).toList(),
                "not observed: the chat rows only");
        assertEquals(List.of("chat", "chat"), roots(conversation(after), 0).stream().map(k -> k.get("call_type")).toList());
        for (String conv : List.of(everywhere, both)) {
            List<Map<String, Object>> roots = roots(conversation(conv), 0);
            assertEquals(1, roots.size(), "one agent, not two: " + roots);
            Map<String, Object> agent = roots.get(0);
            assertEquals("CallHierarchyTest.ShopAssistant.answer", agent.get("agent"));
            List<Map<String, Object>> kids = children(agent);
            assertEquals(List.of("chat", "tool", "chat"), kids.stream().map(k -> k.get("call_type")).toList(), conv);
            assertEquals("findOrders", kids.get(1).get("function_name"));
            assertEquals("orders of 5: #7, #9", kids.get(1).get("output_text"));
            assertEquals("{\"customerId\": 5}", kids.get(1).get("input_text"));
            assertEquals("Customer 5 has #7.", kids.get(2).get("output_text"));
        }
        assertEquals(List.of(), new ConsistencyCheck(jdbi).mismatches());
    }

    private static String turnWith(String name, ShopAssistant assistant) {
        try (MessageTurn turn = logger.beginMessage(name, "orders of 5?")) {
            assertEquals("Customer 5 has #7.", assistant.answer("orders of 5?"));
            turn.output("{}", "done");
            return turn.conversationId();
        }
    }
}
