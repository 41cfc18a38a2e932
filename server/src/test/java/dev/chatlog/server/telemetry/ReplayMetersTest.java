package dev.chatlog.server.telemetry;

import dev.chatlog.core.testing.HttpReceiver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatlog.server.load.ServerProcess;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Meters count what the database holds, also after a crash: a server SIGKILLed right after its
 * records reached the database (the spool checkpoint trails by its lag, so the restart replays them)
 * counts, after the restart, only the calls it stored itself, none of the replayed ones.
 */
@Tag("slow")
class ReplayMetersTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    private static String get(ServerProcess s, String path) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create(s.baseUrl() + path)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static void chat(ServerProcess s, String input) throws Exception {
        HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create(s.baseUrl() + "/chat-chat/"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"input\": \"" + input + "\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
    }

    /** Calls the meters counted: the sum of the operation-duration timer's counts. */
    private static long countedCalls(ServerProcess s) throws Exception {
        long n = 0;
        for (String line : get(s, "/metrics").split("\n")) {
            if (line.startsWith("gen_ai_client_operation_duration_seconds_count")) n += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
        return n;
    }

    private static void awaitShipped(ServerProcess s) throws Exception {
        long until = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < until) {
            JsonNode h = JSON.readTree(get(s, "/health"));
            if (h.at("/logger/spoolBacklogRecords").asLong() == 0 && h.at("/logger/queueDepth").asLong() == 0) return;
            Thread.sleep(50);
        }
        throw new AssertionError("not shipped within 60 s");
    }

    private static long storedCalls(ServerProcess s) throws Exception {
        try (Database db = Database.open(s.database(), 2)) {
            // the model calls (the meters and the model-call spans count those; stages and cache lookups are not)
            return db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM chatbot_llm_calls WHERE " + dev.chatlog.sql.rollup.RawSql.MODEL_CALL)
                    .mapTo(Long.class).one());
        }
    }

    /** A local OTLP receiver; counts the model-call spans ({@code chat ...}, the demo's {@code moderation ...}) it was sent. */
    private static HttpReceiver receiver(java.util.concurrent.atomic.AtomicLong chatSpans) {
        return HttpReceiver.start().onRequest(r -> {
            if (!r.path().equals("/v1/traces")) return;
            try {
                var req = io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.parseFrom(r.body());
                for (var rs : req.getResourceSpansList()) {
                    for (var ss : rs.getScopeSpansList()) {
                        chatSpans.addAndGet(ss.getSpansList().stream().filter(sp -> sp.getName().startsWith("chat ")
                                || sp.getName().startsWith("moderation ") || sp.getName().startsWith("embeddings ")).count());
                    }
                }
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void should_not_count_replayed_records_again_after_a_sigkill() throws Exception {
        Path data = Files.createTempDirectory("chatlog-replay-meters");
        TestDatabase.deleteAtExit(data);
        java.util.concurrent.atomic.AtomicLong chatSpans = new java.util.concurrent.atomic.AtomicLong();
        var receiver = receiver(chatSpans);
        Map<String, String> env = Map.of("CHATLOG_CHECKPOINT_LAG_MS", "30000", // the whole first run is replayed
                "OTEL_TRACES_EXPORTER", "otlp", "OTEL_BSP_SCHEDULE_DELAY", "200",
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", receiver.url("/v1/traces"));
        ServerProcess server = ServerProcess.start(data, env, 180);
        long before;
        try {
            for (int i = 0; i < 5; i++) chat(server, "Show me recent orders");
            awaitShipped(server);
            before = storedCalls(server);
            assertEquals(before, countedCalls(server), "the first run counts what it stored");
            Thread.sleep(1_000); // the first run's spans are exported
            server.kill(); // within the checkpoint lag: the spool still holds all of it
            chatSpans.set(0);
            server = ServerProcess.start(data, env, 180);
            awaitShipped(server);
            assertEquals(before, storedCalls(server), "the replay stored nothing twice");
            Thread.sleep(1_000); // what the replay would export has been
            long replayedCounted = countedCalls(server);
            System.out.printf("after the restart: %d calls in the database, %d counted again by the meters of the new process, "
                    + "%d exported again as spans%n", before, replayedCounted, chatSpans.get());
            assertEquals(0, replayedCounted, "records replayed from the spool were stored by the first run: not counted again");
            assertEquals(0, chatSpans.get(), "nor exported again as spans");
            for (int i = 0; i < 2; i++) chat(server, "Show me recent orders");
            awaitShipped(server);
            long after = storedCalls(server);
            assertTrue(after > before);
            assertEquals(after - before, countedCalls(server), "the new process counts the calls it stored");
            long until = System.nanoTime() + 10_000_000_000L;
            while (chatSpans.get() < after - before && System.nanoTime() < until) Thread.sleep(100);
            assertEquals(after - before, chatSpans.get(), "and exports them, once");
        } finally {
            server.close();
            receiver.close();
        }
    }
}
