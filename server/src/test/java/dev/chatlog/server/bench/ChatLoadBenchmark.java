package dev.chatlog.server.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatlog.server.load.ChatLoad;
import dev.chatlog.server.load.ServerProcess;
import dev.chatlog.sql.rollup.ConsistencyCheck;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Issue 13's benchmark, at the product: the server as a child JVM (demo model, embedded MariaDB,
 * spool on), C chat clients and R dashboard readers for S seconds. Prints chat throughput and
 * latency, records produced / spooled / written per second, drops, the deepest queue and backlog
 * seen, accept-to-spool latency, what /health said; then SIGKILLs the server under load, restarts
 * it on the same data directory and counts the acknowledged turns that are not stored.
 *
 * <pre>bench/chat-load.sh [clients=16] [readers=4] [seconds=60]</pre>
 */
public final class ChatLoadBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    public static void main(String[] args) throws Exception {
        int clients = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        int readers = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 60;
        Path data = Files.createTempDirectory("chat-load");
        if (!Boolean.getBoolean("bench.keep")) TestDatabase.deleteAtExit(data);
        String[] jvm = System.getProperty("bench.serverJvm", "").isBlank() ? new String[0]
                : System.getProperty("bench.serverJvm").split(" ");
        ServerProcess server = ServerProcess.start(data, Map.of(), 180, jvm);
        try {
            new ChatLoad(server.baseUrl()).start(4, 0, Duration.ofSeconds(5)).join(); // warm-up
            JsonNode before = health(server).get("logger");
            ChatLoad load = new ChatLoad(server.baseUrl()).start(clients, readers, Duration.ofSeconds(seconds));
            long t0 = System.nanoTime();
            long maxQueue = 0, maxPending = 0;
            Set<String> statuses = new HashSet<>();
            while (System.nanoTime() - t0 < seconds * 1_000_000_000L) {
                Thread.sleep(1000);
                JsonNode h = health(server);
                statuses.add(h.path("status").asText() + (h.has("reasons") ? " " + h.get("reasons").toString().replaceAll("\\d+", "N") : ""));
                maxQueue = Math.max(maxQueue, h.at("/logger/queueDepth").asLong());
                maxPending = Math.max(maxPending, h.at("/logger/spoolPendingBytes").asLong());
            }
            load.join();
            double s = (System.nanoTime() - t0) / 1e9;
            JsonNode after = health(server).get("logger");
            int turns = load.acknowledged().size();
            System.out.printf("load: %d chat clients + %d dashboard readers for %d s%n", clients, readers, seconds);
            System.out.printf("chat: %,d turns acknowledged (%.0f/s), %d failed; latency p50 %.1f ms, p99 %.1f ms; %,d dashboard reads%n",
                    turns, turns / s, load.failures(), load.latencyMs(0.50), load.latencyMs(0.99), load.reads());
            if (load.failures() > 0) System.out.println("failures: " + load.failureSamples());
            System.out.printf("records/s: produced %.0f, spooled %.0f, written to the database %.0f; dropped %d, lost %d%n",
                    delta(before, after, "accepted") / s, delta(before, after, "spooled") / s, delta(before, after, "written") / s,
                    delta(before, after, "dropped"), delta(before, after, "lost"));
            System.out.printf("deepest queue %,d records, largest spool backlog %,d bytes; /health said %s%n", maxQueue, maxPending, statuses);
            if (after.has("handoffP99Micros")) {
                System.out.printf("accept to spool: p50 %d us, p99 %d us%n", after.get("handoffP50Micros").asLong(), after.get("handoffP99Micros").asLong());
            }
            long drainStart = System.nanoTime();
            while (health(server).at("/logger/spoolPendingBytes").asLong() > 0 || health(server).at("/logger/queueDepth").asLong() > 0) {
                Thread.sleep(200);
            }
            System.out.printf("backlog drained %.1f s after the load ended%n", (System.nanoTime() - drainStart) / 1e9);

            String dump = System.getProperty("bench.jfrDump"); // with -Dbench.serverJvm=-XX:StartFlightRecording
            if (dump != null) {
                new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), String.valueOf(server.pid()),
                        "JFR.dump", "filename=" + dump).inheritIO().start().waitFor();
            }
            // crash under load
            ChatLoad crash = new ChatLoad(server.baseUrl()).start(8, 0, Duration.ofSeconds(60));
            Thread.sleep(4000);
            server.kill();
            crash.stop();
            crash.join();
            long t1 = System.nanoTime();
            try {
                server = ServerProcess.start(data, Map.of(), 180, jvm);
                System.out.printf("restart after SIGKILL: up in %.1f s%n", (System.nanoTime() - t1) / 1e9);
            } catch (IllegalStateException e) {
                System.out.printf("restart after SIGKILL FAILED after %.1f s (%s); killing the orphaned mariadbd by hand%n",
                        (System.nanoTime() - t1) / 1e9, e.getMessage().lines().findFirst().orElse(""));
                new ProcessBuilder("pkill", "-9", "-f", "mariadbd.*" + data).inheritIO().start().waitFor();
                Thread.sleep(2000);
                server = ServerProcess.start(data, Map.of(), 180, jvm);
            }
            while (health(server).at("/logger/spoolPendingBytes").asLong() > 0) Thread.sleep(200);
            Thread.sleep(1000);
            try (Database db = Database.open(server.database(), 2)) {
                Set<String> stored = new HashSet<>(db.jdbi().withHandle(h -> h.createQuery(
                        "SELECT CONCAT(conversation_id, ' ', message_id) FROM chatbot_conversation_messages").mapTo(String.class).list()));
                List<ChatLoad.Turn> acked = crash.acknowledged();
                long missing = acked.stream().filter(t -> !stored.contains(t.conversationId() + " " + t.messageId())).count();
                List<String> mismatches = new ConsistencyCheck(db.jdbi()).mismatches();
                System.out.printf("SIGKILL under load: %,d of %,d acknowledged turns missing; %d summary/message mismatches; %d calls without a message%n",
                        missing, acked.size(), mismatches.size(), db.jdbi().withHandle(h -> h.createQuery("""
                                SELECT COUNT(*) FROM chatbot_llm_calls c LEFT JOIN chatbot_conversation_messages m
                                  ON m.conversation_id = c.conversation_id AND m.message_id = c.message_id
                                WHERE c.message_id <> '' AND m.id IS NULL""").mapTo(Long.class).one()));
            }
        } finally {
            server.close();
        }
        System.exit(0);
    }

    private static long delta(JsonNode before, JsonNode after, String field) {
        return after.path(field).asLong() - before.path(field).asLong();
    }

    private static JsonNode health(ServerProcess server) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/health"))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }
}
