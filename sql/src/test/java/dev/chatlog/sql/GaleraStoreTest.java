package dev.chatlog.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.core.Batch;
import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.LlmCall;
import dev.chatlog.sql.rollup.ConsistencyCheck;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The store on a real 3-node Galera cluster, one writer per node, all at once: the schema migrated once while three
 * instances start together, every table with a primary key (Galera replicates rows by it), and writes to the same
 * conversations from every node (hot summary and rollup rows: certification conflicts at commit, retried whole) stored
 * exactly once, replays included, with summaries and rollups equal to their recomputation on every node.
 */
@Tag("slow")
class GaleraStoreTest {
    private static final String SCHEMA = "chatlog";
    private static GaleraCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = GaleraCluster.start(Path.of("target", "galera"), 3, SCHEMA);
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) cluster.close();
    }

    @Test
    void should_migrate_once_with_three_instances_starting_together_and_store_every_record_once_from_every_node() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        List<Database> dbs = new ArrayList<>();
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Database>> opening = new ArrayList<>();
            for (int n = 1; n <= 3; n++) {
                DatabaseConfig config = cluster.config(n, SCHEMA);
                opening.add(pool.submit(() -> {
                    go.await();
                    return Database.open(config, 4);
                }));
            }
            go.countDown();
            for (Future<Database> f : opening) dbs.add(f.get());
            Database first = dbs.get(0);
            List<Map<String, Object>> history = first.jdbi().withHandle(h -> h.createQuery("""
                    SELECT version, COUNT(*) n FROM chatlog_schema_history WHERE version IS NOT NULL AND version <> '0'
                    GROUP BY version HAVING COUNT(*) > 1""").mapToMap().list());
            assertEquals(List.of(), history, "each migration applied once");
            List<String> withoutKey = first.jdbi().withHandle(h -> h.createQuery("""
                    SELECT t.table_name FROM information_schema.tables t
                    LEFT JOIN information_schema.table_constraints k ON k.table_schema = t.table_schema
                         AND k.table_name = t.table_name AND k.constraint_type = 'PRIMARY KEY'
                    WHERE t.table_schema = DATABASE() AND t.table_type = 'BASE TABLE' AND k.constraint_name IS NULL""")
                    .mapTo(String.class).list());
            assertEquals(List.of(), withoutKey, "tables without a primary key");

            // three writers, one per node, on the same 20 conversations; every batch also sent again to another node
            int perWriter = 300;
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> writers = new ArrayList<>();
            for (int w = 0; w < 3; w++) {
                int writer = w;
                writers.add(pool.submit(() -> {
                    start.await();
                    Random random = new Random(writer);
                    JdbcChatLogStore own = new JdbcChatLogStore(dbs.get(writer).jdbi());
                    JdbcChatLogStore other = new JdbcChatLogStore(dbs.get((writer + 1) % 3).jdbi());
                    for (int i = 0; i < perWriter; i++) {
                        String conversation = "conv-" + random.nextInt(20);
                        String message = "w" + writer + "-m" + i;
                        Instant at = Instant.parse("2026-12-06T10:00:00Z").plusSeconds(random.nextInt(7200));
                        List<LlmCall> calls = List.of(call(conversation, message, "a", at), call(conversation, message, "b", at));
                        Batch batch = new Batch(calls, List.of(message(conversation, message, at)));
                        own.write(batch);
                        if (i % 10 == 0) other.write(batch); // a replay through another node: adds nothing
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : writers) f.get();
            for (Database db : dbs) {
                long calls = db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM chatbot_llm_calls").mapTo(Long.class).one());
                long messages = db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM chatbot_conversation_messages").mapTo(Long.class).one());
                assertEquals(3L * perWriter * 2, calls);
                assertEquals(3L * perWriter, messages);
                ConsistencyCheck check = new ConsistencyCheck(db.jdbi());
                assertEquals(List.of(), check.mismatches());
                assertEquals(List.of(), check.rollupMismatches());
            }
            long conflicts = dbs.stream().mapToLong(GaleraStoreTest::localCertificationFailures).sum();
            System.out.println("certification conflicts retried across the three nodes: " + conflicts);
        } finally {
            for (Database db : dbs) db.close();
            pool.shutdownNow();
        }
    }

    private static long localCertificationFailures(Database db) {
        return db.jdbi().withHandle(h -> h.createQuery("SHOW STATUS LIKE 'wsrep_local_cert_failures'")
                .map((rs, ctx) -> rs.getLong(2)).findOne().orElse(0L));
    }

    private static LlmCall call(String conversation, String message, String suffix, Instant at) {
        return LlmCall.builder().callId(message + "-" + suffix).conversationId(conversation).messageId(message).model("gpt-4o-mini")
                .inputTokens(100).outputTokens(20).priced(true).costEstimate(new BigDecimal("0.000027")).durationMs(120)
                .functionName("answer").startedAt(at).build();
    }

    private static ConversationMessage message(String conversation, String message, Instant at) {
        return ConversationMessage.builder().conversationId(conversation).messageId(message).userInput("q " + message)
                .finalOutput("{}").conversationMessage("a " + message).success(true).timestamp(at.plusMillis(500)).build();
    }
}
