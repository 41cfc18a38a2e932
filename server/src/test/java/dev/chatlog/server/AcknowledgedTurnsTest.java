package dev.chatlog.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatlog.server.load.ChatLoad;
import dev.chatlog.server.load.ServerProcess;
import dev.chatlog.sql.rollup.ConsistencyCheck;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The product's promise, tried at the product: the server (as {@code ./run.sh} starts it) in a child
 * JVM, real HTTP clients, a real SIGKILL, a restart on the same data directory with no manual step.
 * Every turn answered 200 is stored exactly once, summaries equal what their rows add up to, and no
 * stored call is without a visible message.
 */
@Tag("slow")
class AcknowledgedTurnsTest {

    static Map<String, Long> storedTurns(Database db) {
        Map<String, Long> out = new HashMap<>();
        db.jdbi().useHandle(h -> h.createQuery("""
                SELECT CONCAT(conversation_id, ' ', message_id) k, COUNT(*) n FROM chatbot_conversation_messages
                GROUP BY conversation_id, message_id""").map((rs, ctx) -> out.put(rs.getString(1), rs.getLong(2))).list());
        return out;
    }

    static long callsWithoutMessage(Database db) {
        return db.jdbi().withHandle(h -> h.createQuery("""
                SELECT COUNT(*) FROM chatbot_llm_calls c LEFT JOIN chatbot_conversation_messages m
                  ON m.conversation_id = c.conversation_id AND m.message_id = c.message_id
                WHERE c.message_id <> '' AND m.id IS NULL""").mapTo(Long.class).one());
    }

    static JsonNode health(ServerProcess server) throws Exception {
        return new Http(server.baseUrl()).get("/health").json();
    }

    static void awaitBacklogShipped(ServerProcess server) throws Exception {
        long until = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < until) {
            JsonNode h = health(server);
            if (h.at("/logger/spoolBacklogRecords").asLong() == 0 && h.at("/logger/queueDepth").asLong() == 0) return;
            Thread.sleep(200);
        }
        throw new AssertionError("the backlog was not shipped within 120 s: " + health(server));
    }

    @Test
    void should_store_every_acknowledged_turn_exactly_once_across_sigkills_at_random_moments() throws Exception {
        Path data = Files.createTempDirectory("chatlog-sigkill");
        TestDatabase.deleteAtExit(data);
        Random random = new Random();
        List<ChatLoad.Turn> acknowledged = new ArrayList<>();
        ServerProcess server = ServerProcess.start(data, Map.of(), 180);
        try {
            // one catalog question answered before the kills: its retrieval, embedding and store-search rows are then
            // among those the consistency check covers after every restart
            Http.Response catalog = new Http(server.baseUrl()).post("/chat-chat/", "{\"input\": \"Which products do you have for the kitchen?\"}");
            assertEquals(200, catalog.status(), catalog.raw());
            for (int round = 1; round <= 3; round++) {
                ChatLoad load = new ChatLoad(server.baseUrl()).start(8, 1, Duration.ofSeconds(60));
                long killAfter = 1500 + random.nextInt(3500);
                Thread.sleep(killAfter);
                server.kill(); // SIGKILL: no shutdown hook, the embedded MariaDB is left running
                load.stop();
                load.join();
                acknowledged.addAll(load.acknowledged());
                System.out.printf("round %d: SIGKILL after %d ms, %d turns acknowledged%n", round, killAfter, load.acknowledged().size());
                assertTrue(load.acknowledged().size() > 0, "the clients got answers before the kill");
                long t = System.nanoTime();
                server = ServerProcess.start(data, Map.of(), 180); // no manual step: the orphaned database is found and stopped
                System.out.printf("round %d: restarted in %.1f s%n", round, (System.nanoTime() - t) / 1e9);
                awaitBacklogShipped(server);
                try (Database db = Database.open(server.database(), 2)) {
                    Map<String, Long> stored = storedTurns(db);
                    List<String> missing = new ArrayList<>();
                    for (ChatLoad.Turn turn : acknowledged) {
                        Long n = stored.get(turn.conversationId() + " " + turn.messageId());
                        if (n == null || n != 1) missing.add(turn + " stored " + n + " times");
                    }
                    assertEquals(List.of(), missing, "round " + round + ": acknowledged turns not stored exactly once");
                    assertEquals(List.of(), new ConsistencyCheck(db.jdbi()).mismatches(), "round " + round);
                    assertEquals(0, callsWithoutMessage(db), "round " + round + ": calls without a visible message");
                    // the check above covered every kind of row the demo makes, the pipeline's steps too
                    List<String> types = db.jdbi().withHandle(h -> h.createQuery("SELECT DISTINCT call_type FROM chatbot_llm_calls")
                            .mapTo(String.class).list());
                    assertTrue(types.containsAll(List.of("chat", "moderation", "retrieval", "embedding", "vector_store", "stage", "cache")),
                            "round " + round + ": " + types);
                }
            }
        } finally {
            server.close();
        }
    }

    @Test
    void should_drop_nothing_under_sustained_overload_and_say_so_in_health() throws Exception {
        Path data = Files.createTempDirectory("chatlog-overload");
        TestDatabase.deleteAtExit(data);
        int threshold = 300;
        ServerProcess server = ServerProcess.start(data, Map.of("CHATLOG_HEALTH_BACKLOG_RECORDS", String.valueOf(threshold)), 180);
        try {
            ChatLoad load = new ChatLoad(server.baseUrl()).start(16, 4, Duration.ofSeconds(60));
            long degraded = 0, over = 0, samples = 0;
            long end = System.nanoTime() + 60_000_000_000L;
            while (System.nanoTime() < end) {
                Thread.sleep(500);
                JsonNode h = health(server);
                samples++;
                long backlog = h.at("/logger/spoolBacklogRecords").asLong();
                if (backlog > threshold) {
                    over++;
                    assertEquals("degraded", h.get("status").asText(), h.toString());
                    assertTrue(h.get("reasons").toString().contains("backlog"), h.toString());
                }
                if ("degraded".equals(h.get("status").asText())) degraded++;
                assertEquals(0, h.at("/logger/dropped").asLong(), h.toString());
                assertEquals(0, h.at("/logger/lost").asLong(), h.toString());
            }
            load.join();
            System.out.printf("overload: %d turns acknowledged (%.0f/s), p50 %.1f ms, p99 %.1f ms; health degraded in %d of %d samples (%d over the threshold)%n",
                    load.acknowledged().size(), load.acknowledged().size() / 60.0, load.latencyMs(0.5), load.latencyMs(0.99),
                    degraded, samples, over);
            assertTrue(over > 0, "the load built a backlog over " + threshold + " records (else this test shows nothing)");
            assertEquals(0, load.failures(), "every request was answered 200: " + load.failureSamples());
            awaitBacklogShipped(server);
            JsonNode after = health(server);
            assertEquals("ok", after.get("status").asText(), after.toString());
            assertEquals(0, after.at("/logger/dropped").asLong());
            try (Database db = Database.open(server.database(), 2)) {
                Map<String, Long> stored = storedTurns(db);
                long missing = load.acknowledged().stream()
                        .filter(t -> !Long.valueOf(1).equals(stored.get(t.conversationId() + " " + t.messageId()))).count();
                assertEquals(0, missing, "acknowledged turns not stored exactly once");
                assertEquals(List.of(), new ConsistencyCheck(db.jdbi()).mismatches());
            }
        } finally {
            server.close();
        }
    }

    /** Per stored turn: its input and how many calls it has. */
    private static Map<String, String[]> turnsWithCalls(Database db) {
        Map<String, String[]> out = new HashMap<>();
        db.jdbi().useHandle(h -> h.createQuery("""
                SELECT CONCAT(m.conversation_id, ' ', m.message_id) k, m.user_input,
                       (SELECT COUNT(*) FROM chatbot_llm_calls c WHERE c.conversation_id = m.conversation_id AND c.message_id = m.message_id) n
                FROM chatbot_conversation_messages m""")
                .map((rs, ctx) -> out.put(rs.getString(1), new String[] {rs.getString(2), rs.getString(3)})).list());
        return out;
    }

    @Test
    void should_answer_503_not_200_for_a_turn_whose_records_were_dropped_at_a_full_queue() throws Exception {
        Path data = Files.createTempDirectory("chatlog-full-queue");
        TestDatabase.deleteAtExit(data);
        // the smallest queue the server takes: 24 clients outrun the spooler now and then, and records are dropped
        ServerProcess server = ServerProcess.start(data, Map.of("CHATLOG_QUEUE_CAPACITY", "16"), 180);
        try {
            ChatLoad load = new ChatLoad(server.baseUrl()).start(24, 0, Duration.ofSeconds(20));
            load.join();
            awaitBacklogShipped(server);
            JsonNode h = health(server);
            long dropped = h.at("/logger/dropped").asLong();
            System.out.printf("full queue: %d turns answered 200, %d answered 503, %d records dropped%n",
                    load.acknowledged().size(), load.unacknowledged().size(), dropped);
            assertTrue(dropped > 0, "the queue overflowed (else this test shows nothing): " + h);
            try (Database db = Database.open(server.database(), 2)) {
                Map<String, String[]> stored = turnsWithCalls(db);
                // the demo model is deterministic: one input, one number of calls — given what the demo's SQL cache said, as
                // the answer reports it (a hit: no model call for the SQL; a miss: a lookup row more; in a conversation: not asked)
                Map<String, Integer> callsPerInput = new HashMap<>();
                for (ChatLoad.Turn turn : load.acknowledged()) {
                    String[] t = stored.get(turn.conversationId() + " " + turn.messageId());
                    if (t != null) callsPerInput.merge(t[0] + "|" + turn.sqlCache(), Integer.parseInt(t[1]), Math::max);
                }
                List<String> incomplete = new ArrayList<>();
                for (ChatLoad.Turn turn : load.acknowledged()) {
                    String[] t = stored.get(turn.conversationId() + " " + turn.messageId());
                    if (t == null) incomplete.add(turn + ": no message row");
                    else if (Integer.parseInt(t[1]) < callsPerInput.get(t[0] + "|" + turn.sqlCache())) {
                        incomplete.add(turn + ": " + t[1] + " of " + callsPerInput.get(t[0] + "|" + turn.sqlCache()) + " calls");
                    }
                }
                assertEquals(List.of(), incomplete.subList(0, Math.min(10, incomplete.size())),
                        incomplete.size() + " turns answered 200 are not (fully) stored");
            }
            assertTrue(load.unacknowledged().size() > 0, "a turn with dropped records was answered 503");
        } finally {
            server.close();
        }
    }
}
