package dev.chatlog.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.chatlog.alerts.channel.WebhookChannel;
import dev.chatlog.core.Batch;
import dev.chatlog.core.LlmCall;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.GaleraCluster;
import dev.chatlog.sql.JdbcChatLogStore;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Three alert instances, each with its engine and its outbox sender on its own node of a real 3-node Galera cluster, the
 * same rule and one webhook receiver: the engines race on every evaluation (certification conflicts at commit, retried),
 * the senders race for every outbox row, and each change of state still reaches the receiver exactly once.
 */
@Tag("slow")
class AlertGaleraTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The real clock, moved forward by {@link #shift} for every instance at once (the senders' leases and backoffs run). */
    static final class ShiftedClock extends Clock {
        volatile Duration shift = Duration.ZERO;

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(shift);
        }
    }

    /**
     * Instances starting together on a fresh cluster each put the default alert rules (a read, then an upsert, in one
     * transaction): two nodes committing the same rule at once is a certification conflict, refused at commit (1213).
     * Before the rules' upsert retried it, 19 of 30 such starts failed ("Deadlock found when trying to get
     * lock; try restarting transaction").
     */
    @Test
    void should_put_the_default_rules_from_three_nodes_at_once_without_failing() throws Exception {
        try (GaleraCluster cluster = GaleraCluster.start(Path.of("target", "galera"), 3, "chatlog")) {
            List<Database> dbs = new ArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(3);
            try {
                for (int n = 1; n <= 3; n++) dbs.add(Database.open(cluster.config(n, "chatlog"), 2));
                int failures = 0;
                for (int round = 0; round < 10; round++) {
                    dbs.get(0).jdbi().useHandle(h -> h.execute("DELETE FROM chatbot_alert_rules"));
                    awaitEmptyEverywhere(dbs);
                    CyclicBarrier together = new CyclicBarrier(3);
                    List<Future<Integer>> starts = new ArrayList<>();
                    for (Database db : dbs) {
                        starts.add(pool.submit(() -> {
                            together.await();
                            return new AlertRules(db.jdbi()).putDefaults();
                        }));
                    }
                    for (Future<Integer> f : starts) {
                        try {
                            f.get();
                        } catch (java.util.concurrent.ExecutionException e) {
                            failures++;
                            System.out.println("a start failed: " + e.getCause());
                        }
                    }
                }
                assertEquals(0, failures, "starts that failed to put the default rules, of 30");
                int rules = dbs.get(0).jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM chatbot_alert_rules").mapTo(Integer.class).one());
                assertEquals(AlertRules.defaults().size(), rules);
            } finally {
                pool.shutdownNow();
                dbs.forEach(Database::close);
            }
        }
    }

    private static void awaitEmptyEverywhere(List<Database> dbs) throws InterruptedException {
        for (Database db : dbs) {
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM chatbot_alert_rules").mapTo(Integer.class).one()) > 0) {
                if (System.nanoTime() > deadline) throw new AssertionError("the rules' deletion did not reach every node");
                Thread.sleep(50);
            }
        }
    }

    @Test
    void should_notify_each_change_once_with_three_instances_on_three_nodes() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>(); // "key state resolved" of each POST
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.setExecutor(Executors.newCachedThreadPool());
        receiver.createContext("/hook", ex -> {
            JsonNode body = JSON.readTree(ex.getRequestBody().readAllBytes());
            received.add(ex.getRequestHeaders().getFirst(WebhookChannel.KEY_HEADER) + " " + body.get("state").asText()
                    + (body.get("resolved").asBoolean() ? " resolved" : ""));
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        receiver.start();
        URI url = URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook");
        ShiftedClock clock = new ShiftedClock();
        List<Database> dbs = new ArrayList<>();
        List<AlertDispatcher> senders = new CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        long started = System.nanoTime();
        try (GaleraCluster cluster = GaleraCluster.start(Path.of("target", "galera"), 3, "chatlog")) {
            for (int n = 1; n <= 3; n++) dbs.add(Database.open(cluster.config(n, "chatlog"), 6));
            List<AlertEngine> engines = new ArrayList<>();
            for (Database db : dbs) { // one instance per node: its sender (started as Alerts starts it) and its engine
                senders.add(AlertDispatcher.builder(db.jdbi(), List.of(new WebhookChannel(url, null, Duration.ofSeconds(2))))
                        .clock(clock).build().start(Duration.ofMillis(250)));
                // a written change wakes every sender, not only the winner's: the three claim the new rows at once
                engines.add(AlertEngine.builder(db.jdbi()).channels(List.of("webhook")).clock(clock).dashboardUrl("http://chatlog.test")
                        .onWritten(() -> senders.forEach(AlertDispatcher::wake)).build());
            }
            engines.get(0).rules().put(AlertRuleParser.parse("failures", JSON.readTree("""
                    {"kind": "failure_rate", "by": "model", "window": "5m", "alert_above": 0.2, "min_calls": 10,
                     "severity": "critical", "channels": ["webhook"]}""")));
            await("the rule on every node", () -> dbs.stream().allMatch(db -> count(db, "SELECT COUNT(*) FROM chatbot_alert_rules") == 1));

            // the condition goes bad: 12 calls of gpt-4o, 6 failed, written through each node's real store
            Instant at = clock.instant().minusSeconds(30);
            for (int n = 0; n < 3; n++) {
                List<LlmCall> calls = new ArrayList<>();
                for (int i = 0; i < 4; i++) calls.add(call(n * 4 + i, i % 2 == 0, at.plusMillis(n * 4 + i)));
                new JdbcChatLogStore(dbs.get(n).jdbi()).write(new Batch(calls, List.of()));
            }
            await("the calls on every node", () -> dbs.stream().allMatch(db -> count(db, "SELECT COUNT(*) FROM chatbot_llm_calls") == 12));
            List<AlertEngine.Transition> alerted = race(pool, engines, 5);
            assertEquals(List.of(AlertState.ALERT), alerted.stream().map(AlertEngine.Transition::to).toList(),
                    "one instance writes the ALERT: " + alerted);
            awaitDelivered(dbs, received, 1);

            // and good again: no call in the window any more
            clock.shift = Duration.ofMinutes(10);
            List<AlertEngine.Transition> resolved = race(pool, engines, 5);
            assertEquals(List.of(AlertState.OK), resolved.stream().map(AlertEngine.Transition::to).toList(),
                    "one instance writes the resolution: " + resolved);
            awaitDelivered(dbs, received, 2);

            senders.forEach(AlertDispatcher::close); // nothing in flight any more: what the receiver has is all it gets
            senders.clear();
            assertEquals(2, received.size(), "one POST per change, not 0, not 2-3: " + received);
            assertEquals(List.of("ALERT", "OK resolved"), received.stream().map(r -> r.substring(r.indexOf(' ') + 1)).toList(), received.toString());
            assertEquals(2L, received.stream().map(r -> r.substring(0, r.indexOf(' '))).distinct().count(), "two idempotency keys: " + received);
            for (Database db : dbs) {
                assertEquals(java.util.Map.of("delivered", 2L), new AlertOutbox(db.jdbi()).counts().byStatus(), "the outbox, every row sent once");
                assertEquals(0, count(db, "SELECT COUNT(*) FROM chatbot_alert_outbox WHERE status IN ('pending', 'sending') OR attempts <> 1"));
            }
            long conflicts = 0;
            long aborts = 0;
            for (Database db : dbs) {
                conflicts += status(db, "wsrep_local_cert_failures");
                aborts += status(db, "wsrep_local_bf_aborts");
            }
            System.out.println("certification conflicts across the three nodes: " + conflicts + " (wsrep_local_cert_failures; "
                    + aborts + " local transactions aborted by replicated ones, wsrep_local_bf_aborts); " + received.size()
                    + " notifications received, " + Duration.ofNanos(System.nanoTime() - started).toSeconds() + " s after the cluster began to start");
        } finally {
            senders.forEach(AlertDispatcher::close);
            dbs.forEach(Database::close);
            pool.shutdownNow();
            receiver.stop(0);
        }
    }

    /** {@code rounds} evaluations of every engine at once (each round's threads released together); the changes written. */
    private static List<AlertEngine.Transition> race(ExecutorService pool, List<AlertEngine> engines, int rounds) throws Exception {
        List<AlertEngine.Transition> out = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            CyclicBarrier start = new CyclicBarrier(engines.size());
            List<Future<List<AlertEngine.Transition>>> runs = new ArrayList<>();
            for (AlertEngine e : engines) {
                runs.add(pool.submit(() -> {
                    start.await();
                    return e.evaluate();
                }));
            }
            for (Future<List<AlertEngine.Transition>> f : runs) out.addAll(f.get());
        }
        return out;
    }

    /** Until the receiver has {@code posts} and no node has a row to send (nor one being sent). */
    private static void awaitDelivered(List<Database> dbs, List<String> received, int posts) throws Exception {
        await(posts + " notification(s) delivered", () -> received.size() >= posts && dbs.stream().allMatch(db -> count(db,
                "SELECT COUNT(*) FROM chatbot_alert_outbox WHERE status <> 'delivered'") == 0
                && count(db, "SELECT COUNT(*) FROM chatbot_alert_outbox") == posts));
    }

    private static void await(String what, BooleanSupplier done) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not within 60 s: " + what);
            Thread.sleep(50);
        }
    }

    private static long count(Database db, String sql) {
        return db.jdbi().withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }

    private static long status(Database db, String variable) {
        return db.jdbi().withHandle(h -> h.createQuery("SHOW STATUS LIKE '" + variable + "'").map((rs, ctx) -> rs.getLong(2)).findOne().orElse(0L));
    }

    private static LlmCall call(int i, boolean ok, Instant at) {
        return LlmCall.builder().conversationId("conv-" + i % 3).messageId("m" + i).callId("c" + i).model("gpt-4o").inputTokens(100)
                .outputTokens(50).priced(ok).costEstimate(ok ? new BigDecimal("0.001") : null).durationMs(500).success(ok)
                .errorType(ok ? null : "HttpException").startedAt(at).build();
    }
}
