package dev.chatlog.sql;

import dev.chatlog.sql.rollup.ConsistencyCheck;
import dev.chatlog.embedded.EmbeddedMariaDb;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.core.Batch;
import dev.chatlog.core.CallType;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.LlmCall;
import dev.chatlog.core.LoggerStats;
import dev.chatlog.core.SqlQuery;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class JdbcChatLogStoreTest {
    private static Database db;
    private static Jdbi jdbi;
    private static JdbcChatLogStore store;

    @BeforeAll
    static void open() {
        db = TestDatabase.freshDatabase();
        jdbi = db.jdbi();
        store = new JdbcChatLogStore(jdbi);
    }

    @AfterAll
    static void close() {
        db.close();
    }

    private static LlmCall call(String conversation, String message, String model, int in, int out, String cost) {
        return LlmCall.builder().conversationId(conversation).messageId(message).model(model)
                .inputTokens(in).outputTokens(out).priced(cost != null)
                .costEstimate(cost == null ? null : new BigDecimal(cost)).durationMs(12.5)
                .startedAt(Instant.parse("2026-11-20T10:00:00.123Z")).functionName("summarize").build();
    }

    private static ConversationMessage message(String conversation, String message, Instant at, boolean ok) {
        return ConversationMessage.builder().conversationId(conversation).messageId(message)
                .userInput("show orders " + message).finalOutput("{\"rows\":[]}").conversationMessage("answer " + message)
                .intent("orders").sqlQueries(List.of(SqlQuery.succeeded("SELECT 1", 1.5, 1))).success(ok)
                .timestamp(at).build();
    }

    private static long count(String sql, Object... args) {
        return jdbi.withHandle(h -> {
            var q = h.createQuery(sql);
            for (int i = 0; i < args.length; i++) q.bind(i, args[i]);
            return q.mapTo(Long.class).one();
        });
    }

    private static Map<String, Object> summary(String conversation) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM chatbot_conversation_summary WHERE conversation_id = ?")
                .bind(0, conversation).mapToMap().one());
    }

    @Test
    void should_store_rows_totals_and_summary_when_writing_a_turn() throws Exception {
        Instant t = Instant.parse("2026-11-20T10:00:01.456Z");
        store.write(new Batch(List.of(
                call("conv-a", "m1", "gpt-4o", 100, 20, "0.0004500000"),
                call("conv-a", "m1", "mystery", 50, 5, null)),
                List.of(message("conv-a", "m1", t, true))));
        Map<String, Object> m = jdbi.withHandle(h -> h.createQuery(
                "SELECT * FROM chatbot_conversation_messages WHERE message_id = 'm1'").mapToMap().one());
        assertEquals(2, ((Number) m.get("total_llm_calls")).intValue());
        assertEquals(175L, ((Number) m.get("total_tokens_used")).longValue());
        assertEquals(0, new BigDecimal("0.00045").compareTo((BigDecimal) m.get("total_cost")));
        assertEquals(1, ((Number) m.get("unpriced_calls")).intValue());
        assertTrue(m.get("sql_queries").toString().contains("SELECT 1"));
        Map<String, Object> s = summary("conv-a");
        assertEquals(1, ((Number) s.get("total_messages")).intValue());
        assertEquals(2, ((Number) s.get("total_llm_calls")).intValue());
        assertEquals("show orders m1", s.get("last_user_input"));
        assertEquals(1, count("SELECT COUNT(*) FROM chatbot_llm_calls WHERE model = 'mystery' AND cost_estimate IS NULL AND priced = 0"));
        assertEquals("2026-11-20 10:00:01.456", jdbi.withHandle(h -> h.createQuery(
                "SELECT DATE_FORMAT(`timestamp`, '%Y-%m-%d %H:%i:%s.%f') FROM chatbot_conversation_messages WHERE message_id = 'm1'")
                .mapTo(String.class).one()).substring(0, 23));
        assertEquals(List.of(), new ConsistencyCheck(jdbi).mismatches());
    }

    @Test
    void should_keep_the_user_of_a_conversations_first_turn_whoever_writes_later() throws Exception {
        Instant t = Instant.parse("2026-11-20T12:00:00Z");
        store.write(new Batch(List.of(), List.of(message("conv-u", "u0", t.minusSeconds(1), true)))); // anonymous: no owner yet
        store.write(new Batch(List.of(), List.of(ConversationMessage.builder().conversationId("conv-u").messageId("u1")
                .userId("alice").userInput("mine").finalOutput("{}").timestamp(t).build())));
        store.write(new Batch(List.of(), List.of(ConversationMessage.builder().conversationId("conv-u").messageId("u2")
                .userId("mallory").userInput("now mine").finalOutput("{}").timestamp(t.plusSeconds(1)).build())));
        Map<String, Object> s = summary("conv-u");
        assertEquals("alice", s.get("user_id"));
        assertEquals(3, ((Number) s.get("total_messages")).intValue());
        assertEquals("now mine", s.get("last_user_input"));
    }

    @Test
    void should_not_duplicate_or_double_count_when_a_batch_is_replayed() throws Exception {
        Instant t = Instant.parse("2026-11-20T11:00:00Z");
        Batch batch = new Batch(List.of(call("conv-r", "r1", "gpt-4o-mini", 1000, 100, "0.0002100000"),
                call("conv-r", "r1", "gpt-4o-mini", 10, 1, "0.0000021000")), List.of(message("conv-r", "r1", t, true)));
        store.write(batch);
        Map<String, Object> first = summary("conv-r");
        store.write(batch);
        // a partly new batch: one old call, one new call, the old message, a new message
        LlmCall fresh = call("conv-r", "r2", "gpt-4o-mini", 7, 3, "0.0000030000");
        store.write(new Batch(List.of(batch.calls().get(0), fresh, fresh),
                List.of(batch.messages().get(0), message("conv-r", "r2", t.plusSeconds(5), false))));
        assertEquals(3, count("SELECT COUNT(*) FROM chatbot_llm_calls WHERE conversation_id = 'conv-r'"));
        assertEquals(2, count("SELECT COUNT(*) FROM chatbot_conversation_messages WHERE conversation_id = 'conv-r'"));
        Map<String, Object> s = summary("conv-r");
        assertEquals(((Number) first.get("total_tokens_used")).longValue() + 10, ((Number) s.get("total_tokens_used")).longValue());
        assertEquals(3, ((Number) s.get("total_llm_calls")).intValue());
        assertEquals(2, ((Number) s.get("total_messages")).intValue());
        assertEquals(0, new BigDecimal("50.00").compareTo((BigDecimal) s.get("success_rate")));
        assertEquals("show orders r2", s.get("last_user_input"));
        assertEquals(List.of(), new ConsistencyCheck(jdbi).mismatches());
    }

    @Test
    void should_give_the_same_totals_whichever_arrives_first_message_or_calls() throws Exception {
        Instant t = Instant.parse("2026-11-20T12:00:00Z");
        store.write(new Batch(List.of(), List.of(message("conv-o", "late-calls", t, true))));
        store.write(new Batch(List.of(call("conv-o", "late-calls", "gpt-4o", 10, 10, "0.0001250000")), List.of()));
        store.write(new Batch(List.of(call("conv-o", "early-calls", "gpt-4o", 10, 10, "0.0001250000")), List.of()));
        store.write(new Batch(List.of(), List.of(message("conv-o", "early-calls", t.plusSeconds(1), true))));
        List<Long> totals = jdbi.withHandle(h -> h.createQuery(
                "SELECT total_tokens_used FROM chatbot_conversation_messages WHERE conversation_id = 'conv-o' ORDER BY message_id")
                .mapTo(Long.class).list());
        assertEquals(List.of(20L, 20L), totals);
        assertEquals(List.of(), new ConsistencyCheck(jdbi).mismatches());
    }

    @Test
    void should_keep_summaries_exact_when_many_loggers_write_the_same_conversations_concurrently() throws Exception {
        int writers = 6;
        int threadsPerWriter = 3;
        int turnsPerThread = 60;
        List<String> conversations = new ArrayList<>();
        for (int i = 0; i < 12; i++) conversations.add("hot-" + i);
        List<ChatLogger> loggers = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            // each logger stands for one application instance with its own writer thread
            loggers.add(ChatLogger.builder(new JdbcChatLogStore(jdbi)).batchSize(40).flushInterval(Duration.ofMillis(5)).build());
        }
        ExecutorService pool = Executors.newFixedThreadPool(writers * threadsPerWriter);
        List<Future<?>> futures = new ArrayList<>();
        List<LlmCall> replays = Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicLong tools = new java.util.concurrent.atomic.AtomicLong();
        for (int w = 0; w < writers; w++) {
            ChatLogger logger = loggers.get(w);
            for (int t = 0; t < threadsPerWriter; t++) {
                futures.add(pool.submit(() -> {
                    ThreadLocalRandom r = ThreadLocalRandom.current();
                    for (int i = 0; i < turnsPerThread; i++) {
                        String conv = conversations.get(r.nextInt(conversations.size()));
                        String msg = java.util.UUID.randomUUID().toString();
                        for (int c = 0; c < 3; c++) {
                            LlmCall call = call(conv, msg, r.nextBoolean() ? "gpt-4o" : "unknown-x", r.nextInt(1, 500),
                                    r.nextInt(1, 100), r.nextBoolean() ? "0.0001000000" : null).toBuilder()
                                    .callType(c == 2 ? CallType.STREAMING_CHAT : CallType.CHAT).build();
                            logger.logCall(call);
                            if (r.nextInt(10) == 0) replays.add(call);
                        }
                        if (r.nextInt(4) == 0) { // a tool execution too (the per-tool rollup and its histogram)
                            LlmCall tool = call(conv, msg, null, 0, 0, null).toBuilder().callType(CallType.TOOL)
                                    .functionName(r.nextBoolean() ? "search_orders" : "refund").success(r.nextInt(6) > 0)
                                    .durationMs(r.nextInt(1, 4000) + r.nextInt(100) / 100.0).build();
                            logger.logCall(tool);
                            tools.incrementAndGet();
                            if (r.nextInt(3) == 0) replays.add(tool);
                        }
                        String intent = switch (r.nextInt(3)) { case 0 -> "orders"; case 1 -> "refunds"; default -> null; };
                        logger.logMessage(message(conv, msg, Instant.now(), r.nextInt(5) > 0).toBuilder().intent(intent).build());
                    }
                }));
            }
        }
        for (Future<?> f : futures) f.get();
        // replay a tenth of the calls through other loggers, as a retry from another instance would
        for (int i = 0; i < replays.size(); i++) loggers.get(i % writers).logCall(replays.get(i));
        for (ChatLogger l : loggers) {
            assertTrue(l.flush(Duration.ofSeconds(60)));
            l.close();
        }
        pool.shutdown();
        long expectedCalls = (long) writers * threadsPerWriter * turnsPerThread * 3;
        assertEquals(expectedCalls + tools.get(), count("SELECT COUNT(*) FROM chatbot_llm_calls WHERE conversation_id LIKE 'hot-%'"));
        assertEquals(tools.get(), count("SELECT SUM(tool_calls) FROM chatbot_usage_rollup WHERE granularity = 'd' AND dimension = 'tool'"));
        assertEquals(expectedCalls, count("SELECT SUM(total_llm_calls) FROM chatbot_conversation_summary WHERE conversation_id LIKE 'hot-%'"));
        long rejected = loggers.stream().mapToLong(l -> l.stats().rejected() + l.stats().lost()).sum();
        assertEquals(0, rejected);
        assertEquals(List.of(), new ConsistencyCheck(jdbi).mismatches());
    }

    @Test
    @Tag("slow") // a database outage through a proxy, ~9 s
    void should_keep_the_caller_unaffected_and_write_after_recovery_when_the_database_is_unreachable() throws Exception {
        EmbeddedMariaDb server = TestDatabase.server();
        String schema = jdbi.withHandle(h -> h.createQuery("SELECT DATABASE()").mapTo(String.class).one());
        try (TcpProxy proxy = new TcpProxy(server.port());
             Database viaProxy = Database.open(new DatabaseConfig(
                     "jdbc:mysql://127.0.0.1:" + proxy.port() + "/" + schema, server.user(), server.password()), 2);
             ChatLogger logger = ChatLogger.builder(new JdbcChatLogStore(viaProxy.jdbi()))
                     .maxBackoff(Duration.ofMillis(200)).build()) {
            proxy.cut();
            long worstNanos = 0;
            for (int i = 0; i < 200; i++) {
                long t0 = System.nanoTime();
                logger.logCall(call("conv-outage", "o" + (i / 4), "gpt-4o", 10, 10, "0.0001250000"));
                worstNanos = Math.max(worstNanos, System.nanoTime() - t0);
                Thread.sleep(5);
            }
            long waitUntil = System.nanoTime() + 30_000_000_000L;
            while (logger.stats().failedWrites() == 0 && System.nanoTime() < waitUntil) {
                Thread.sleep(50);
            }
            LoggerStats during = logger.stats();
            assertTrue(during.failedWrites() > 0, during.toString());
            assertTrue(during.lastError() != null);
            assertEquals(0, during.written(), during.toString());
            assertEquals(0, count("SELECT COUNT(*) FROM chatbot_llm_calls WHERE conversation_id = 'conv-outage'"));
            // a caller waiting on the database would wait for the pool's 5 s connection timeout at least;
            // anything far below it is scheduling noise (speed is measured by the benchmarks, not here)
            assertTrue(worstNanos < 1_000_000_000L, "caller blocked for " + worstNanos / 1_000_000 + " ms");
            proxy.restore();
            assertTrue(logger.flush(Duration.ofSeconds(60)), logger.stats().toString());
            assertEquals(200, logger.stats().written());
            assertEquals(200, count("SELECT COUNT(*) FROM chatbot_llm_calls WHERE conversation_id = 'conv-outage'"));
            assertEquals(List.of(), new ConsistencyCheck(jdbi).mismatches());
        }
    }
}
