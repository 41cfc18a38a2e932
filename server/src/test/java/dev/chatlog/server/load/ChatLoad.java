package dev.chatlog.server.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Closed-loop chat clients against {@code POST /chat-chat/} (and optional dashboard readers), bounded
 * in time and stopped early by {@link #stop()}. Every turn answered 200 is remembered as
 * acknowledged, with its latency. A client whose connection fails (the server was killed) stops.
 */
public final class ChatLoad {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] INPUTS = {
        "Show me recent orders", "hello there", "top customers by revenue", "which products sell best",
        "pending orders for customer 12", "how much revenue this month", "thanks, that helps", "orders over 100",
        "Which products do you have for the kitchen?" // the catalog: a retrieval, its embedding and its store search
    };
    private static final String[] READS = {
        "/logging-dashboard/overview?hours=24", "/logging-dashboard/stats/realtime", "/logging-dashboard/conversations?limit=20",
        "/logging-dashboard/llm-calls/analysis?hours=24", "/health"
    };

    /**
     * An answered turn; {@code sqlCache}: what the demo's SQL cache said ({@code hit}: one model call fewer, {@code miss}:
     * a lookup row more, empty: not asked, a question in a conversation), as the answer reports it.
     */
    public record Turn(String conversationId, String messageId, String sqlCache) {
        public Turn(String conversationId, String messageId) {
            this(conversationId, messageId, "");
        }
    }

    private final String base;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final ConcurrentLinkedQueue<Turn> acknowledged = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Turn> unacknowledged = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<long[]> latencies = new ConcurrentLinkedQueue<>();
    private final AtomicLong failures = new AtomicLong();
    private final ConcurrentLinkedQueue<String> failureSamples = new ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicLong refused = new java.util.concurrent.atomic.AtomicLong();
    private final AtomicLong reads = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();

    public ChatLoad(String base) {
        this.base = base;
    }

    /** Starts {@code chatClients} chat loops and {@code readers} dashboard loops, each ending after {@code duration}. */
    public ChatLoad start(int chatClients, int readers, Duration duration) {
        long deadline = System.nanoTime() + duration.toNanos();
        for (int i = 0; i < chatClients; i++) {
            int id = i;
            threads.add(started(new Thread(() -> chatLoop(id, deadline), "chat-client-" + i)));
        }
        for (int i = 0; i < readers; i++) {
            int id = i;
            threads.add(started(new Thread(() -> readLoop(id, deadline), "dashboard-reader-" + i)));
        }
        return this;
    }

    private static Thread started(Thread t) {
        t.setDaemon(true);
        t.start();
        return t;
    }

    private void chatLoop(int id, long deadline) {
        long[] lat = new long[1 << 16];
        int n = 0, turn = 0;
        String conversation = null;
        try {
            while (!stop.get() && System.nanoTime() < deadline) {
                String body = "{\"input\": \"" + INPUTS[(id + turn) % INPUTS.length] + "\", \"user_id\": \"load-user-" + id + "\""
                        + (conversation == null ? "" : ", \"conversation_id\": \"" + conversation + "\"") + "}";
                long t = System.nanoTime();
                HttpResponse<String> r;
                try {
                    r = client.send(HttpRequest.newBuilder(URI.create(base + "/chat-chat/")).timeout(Duration.ofSeconds(60))
                            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                            HttpResponse.BodyHandlers.ofString());
                } catch (java.io.IOException e) {
                    failures.incrementAndGet();
                    return; // the server is gone
                }
                long ns = System.nanoTime() - t;
                if (r.statusCode() == 200) {
                    JsonNode j = JSON.readTree(r.body());
                    conversation = j.get("conversation_id").asText();
                    acknowledged.add(new Turn(conversation, j.get("message_id").asText(), j.at("/output/sql_cache").asText("")));
                    if (n == lat.length) lat = Arrays.copyOf(lat, n * 2);
                    lat[n++] = ns;
                } else if (r.statusCode() == 503 && r.body().contains("message_id")) { // answered, not recorded in time
                    JsonNode j = JSON.readTree(r.body());
                    unacknowledged.add(new Turn(j.get("conversation_id").asText(), j.get("message_id").asText()));
                    failed("HTTP 503 " + r.body());
                } else {
                    if (r.statusCode() == 429) refused.incrementAndGet();
                    failed("HTTP " + r.statusCode() + " " + r.body());
                }
                if (++turn % 4 == 0) conversation = null;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            failed(e.toString());
        } finally {
            latencies.add(Arrays.copyOf(lat, n));
        }
    }

    private void readLoop(int id, long deadline) {
        int i = id;
        while (!stop.get() && System.nanoTime() < deadline) {
            try {
                client.send(HttpRequest.newBuilder(URI.create(base + READS[i++ % READS.length])).timeout(Duration.ofSeconds(60)).build(),
                        HttpResponse.BodyHandlers.discarding());
                reads.incrementAndGet();
            } catch (java.io.IOException e) {
                return;
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void failed(String what) {
        if (failures.incrementAndGet() <= 5) failureSamples.add(what.length() > 300 ? what.substring(0, 300) : what);
    }

    /** The first few failures (status and body, or the exception), for the report. */
    /** Turns refused by a budget (HTTP 429). */
    public long refused() {
        return refused.get();
    }

    public List<String> failureSamples() {
        return List.copyOf(failureSamples);
    }

    public void stop() {
        stop.set(true);
    }

    /** Waits for every client to end. */
    public ChatLoad join() throws InterruptedException {
        for (Thread t : threads) t.join();
        return this;
    }

    public List<Turn> acknowledged() {
        return List.copyOf(acknowledged);
    }

    /** Turns answered 503: the server could not say they were recorded. */
    public List<Turn> unacknowledged() {
        return List.copyOf(unacknowledged);
    }

    public long failures() {
        return failures.get();
    }

    public long reads() {
        return reads.get();
    }

    /** Latency of acknowledged turns at quantile {@code q}, in milliseconds (call after {@link #join()}). */
    public double latencyMs(double q) {
        long[] all = latencies.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        if (all.length == 0) return Double.NaN;
        return all[Math.min(all.length - 1, (int) Math.floor(q * all.length))] / 1e6;
    }
}
