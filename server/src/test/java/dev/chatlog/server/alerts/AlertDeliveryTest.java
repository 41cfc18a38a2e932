package dev.chatlog.server.alerts;

import dev.chatlog.server.Http;
import dev.chatlog.server.WebhookReceiver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatlog.langchain4j.OpenAiStub;
import dev.chatlog.server.load.ServerProcess;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Alerts through the product: the server as a child JVM, its model the real OpenAI client against
 * the stub, a real webhook receiver, a real SIGKILL. A slow-call rule fires once, is quiet while
 * slow calls go on, resolves when they stop; every signature verifies; with the receiver down for
 * 20 s and the server killed and restarted meanwhile, every notification arrives, once by its key.
 */
@Tag("slow")
class AlertDeliveryTest {
    private static final String RULES = """
            {"slow": {"kind": "slow_calls", "by": "model", "window": "1m", "alert_above": 400, "suppress": "0s", "severity": "critical"},
             "failing": {"kind": "failure_rate", "by": "function", "window": "1m", "alert_above": 0.5, "min_calls": 3, "suppress": "0s",
                         "severity": "critical"},
             "failing-model": {"kind": "failure_rate", "by": "model", "window": "1m", "alert_above": 0.5, "min_calls": 3, "suppress": "0s",
                               "severity": "critical"}}""";

    private volatile String mode = "fast";

    private static void await(String what, int seconds, BooleanSupplier done) throws InterruptedException {
        long until = System.nanoTime() + seconds * 1_000_000_000L;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > until) throw new AssertionError("not within " + seconds + " s: " + what);
            Thread.sleep(200);
        }
    }

    private static List<JsonNode> bodies(WebhookReceiver r, String rule) {
        return r.arrivals().stream().map(a -> {
            try {
                return Http.JSON.readTree(a.body());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).filter(b -> b.path("rule").asText().equals(rule)).toList();
    }

    private static List<Map<String, Object>> webhookRows(Database db) {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT notification_key, rule_name, subject, state, status, attempts, last_error "
                + "FROM chatbot_alert_outbox WHERE channel = 'webhook' ORDER BY id").mapToMap().list());
    }

    @Test
    void should_notify_once_resolve_and_deliver_every_notification_across_an_outage_and_a_sigkill() throws Exception {
        Path data = Files.createTempDirectory("chatlog-alerts");
        TestDatabase.deleteAtExit(data);
        try (OpenAiStub stub = new OpenAiStub(); WebhookReceiver receiver = new WebhookReceiver(WebhookReceiver.freePort(), "s3cret").start()) {
            stub.respond(req -> switch (mode) {
                case "slow" -> OpenAiStub.Reply.text("smalltalk", OpenAiStub.Usage.of(40, 4)).delay(600);
                case "fail" -> OpenAiStub.Reply.error(500, "the model is overloaded");
                default -> OpenAiStub.Reply.text("smalltalk", OpenAiStub.Usage.of(40, 4));
            });
            Map<String, String> env = Map.of("OPENAI_API_KEY", "test-key", "OPENAI_BASE_URL", stub.baseUrl(), "CHATLOG_MODEL", "gpt-4o-mini",
                    "CHATLOG_ALERT_DEFAULTS", "off", "CHATLOG_ALERT_RULES", RULES, "CHATLOG_ALERT_CHECK_SECONDS", "1",
                    "CHATLOG_ALERT_WEBHOOK_URL", receiver.url(), "CHATLOG_ALERT_WEBHOOK_SECRET", "s3cret",
                    "CHATLOG_ALERT_WEBHOOK_TIMEOUT_MS", "2000", "CHATLOG_ALERT_MAX_BACKOFF_SECONDS", "4");
            ServerProcess server = ServerProcess.start(data, env, 180);
            try {
                Http http = new Http(server.baseUrl());
                // 1. slow calls: one ALERT, then quiet while they go on
                mode = "slow";
                long slowFrom = System.currentTimeMillis();
                for (int i = 0; i < 3; i++) assertEquals(200, http.post("/chat-chat/", "{\"input\": \"hello " + i + "\"}").status());
                await("the slow-call alert", 30, () -> !bodies(receiver, "slow").isEmpty());
                long firedMs = bodies(receiver, "slow").isEmpty() ? -1 : receiver.arrivals().get(0).atMillis() - slowFrom;
                long holdUntil = System.currentTimeMillis() + 8_000;
                while (System.currentTimeMillis() < holdUntil) http.post("/chat-chat/", "{\"input\": \"still slow\"}");
                List<JsonNode> slow = bodies(receiver, "slow");
                assertEquals(1, slow.size(), "one notification while the condition holds: " + slow);
                assertEquals("ALERT", slow.get(0).get("state").asText());
                assertEquals("gpt-4o-mini", slow.get(0).at("/subject/value").asText());
                assertTrue(slow.get(0).get("value").asDouble() > 400, slow.get(0).toString());
                assertTrue(slow.get(0).at("/causes/0/link").asText().startsWith(server.baseUrl() + "/dashboard#conversation="), slow.get(0).toString());
                // 2. the calls are fast again: RESOLVED once the window has no slow call
                mode = "fast";
                long fastFrom = System.currentTimeMillis();
                for (int i = 0; i < 3; i++) http.post("/chat-chat/", "{\"input\": \"fast " + i + "\"}");
                await("the slow-call resolution", 150, () -> bodies(receiver, "slow").size() >= 2);
                long resolvedMs = System.currentTimeMillis() - fastFrom;
                slow = bodies(receiver, "slow");
                assertEquals(2, slow.size(), slow.toString());
                assertEquals("OK", slow.get(1).get("state").asText());
                assertTrue(slow.get(1).get("resolved").asBoolean());
                assertTrue(receiver.arrivals().stream().allMatch(WebhookReceiver.Arrival::signatureValid), "every signature verifies");
                String log = Files.readString(server.log());
                List<String> turns = log.lines().filter(l -> l.contains("dev.chatlog.turns - turn ")).toList();
                assertTrue(turns.size() >= 6 && turns.get(0).contains(" ok in ") && turns.get(0).contains("2 LLM calls, tokens 80 prompt / 8 completion"),
                        "one console line per turn: " + turns.subList(0, Math.min(3, turns.size())));
                assertTrue(log.contains("INFO dev.chatlog.server.ChatlogServer - yesterday ("), "yesterday's summary at start");
                assertTrue(log.contains("WARN dev.chatlog.alerts - [ALERT] slow model gpt-4o-mini"), "the log channel too");

                // 3. the receiver goes down; failures make two alerts; the server is killed while they wait; restart; receiver back after 20 s
                receiver.stop();
                long downAt = System.currentTimeMillis();
                mode = "fail";
                for (int i = 0; i < 4; i++) assertEquals(502, http.post("/chat-chat/", "{\"input\": \"fail " + i + "\"}").status());
                Set<String> pendingAtKill;
                try (Database db = Database.open(server.database(), 2)) {
                    await("two failure-rate alerts written and tried", 30, () -> webhookRows(db).stream()
                            .filter(r -> String.valueOf(r.get("rule_name")).startsWith("failing") && ((Number) r.get("attempts")).intValue() > 0)
                            .count() >= 2);
                    pendingAtKill = webhookRows(db).stream().filter(r -> !"delivered".equals(r.get("status")))
                            .map(r -> (String) r.get("notification_key")).collect(Collectors.toCollection(TreeSet::new));
                }
                assertTrue(pendingAtKill.size() >= 2, "undelivered at the kill: " + pendingAtKill);
                // the receiver comes back 20 s after it went down, whatever the server is doing then
                java.util.concurrent.CompletableFuture<Long> back = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        long wait = downAt + 20_000 - System.currentTimeMillis();
                        if (wait > 0) Thread.sleep(wait);
                        receiver.start();
                        return System.currentTimeMillis();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                server.kill();
                long killedAt = System.currentTimeMillis();
                server = ServerProcess.start(data, env, 180);
                long restartedMs = System.currentTimeMillis() - killedAt;
                long upAt = back.get(60, java.util.concurrent.TimeUnit.SECONDS);
                assertTrue(receiver.arrivals().stream().noneMatch(a -> a.atMillis() >= downAt && a.atMillis() < upAt), "nothing arrived while down");
                List<Map<String, Object>> rows;
                try (Database db = Database.open(server.database(), 2)) {
                    await("every webhook notification delivered", 90, () -> webhookRows(db).stream().allMatch(r -> "delivered".equals(r.get("status"))));
                    long deliveredMs = System.currentTimeMillis() - Math.max(upAt, killedAt + restartedMs);
                    rows = webhookRows(db);
                    Set<String> stored = rows.stream().map(r -> (String) r.get("notification_key")).collect(Collectors.toCollection(TreeSet::new));
                    Map<String, List<WebhookReceiver.Arrival>> got = receiver.byKey();
                    assertEquals(stored, new TreeSet<>(got.keySet()), "each notification arrived, and nothing else");
                    assertTrue(stored.containsAll(pendingAtKill), "the ones pending at the kill are among them");
                    for (var e : got.entrySet()) {
                        assertEquals(1, e.getValue().stream().map(WebhookReceiver.Arrival::body).distinct().count(), "one body per key: " + e.getKey());
                        assertTrue(e.getValue().stream().allMatch(WebhookReceiver.Arrival::signatureValid));
                    }
                    int attempts = rows.stream().mapToInt(r -> ((Number) r.get("attempts")).intValue()).sum();
                    System.out.printf(Locale.ROOT, "alert delivery: slow-call alert %d ms after the first slow turn, resolved %d s after the calls got "
                                    + "fast; outage %d s with a SIGKILL (restart %d s); %d notifications, %d pending at the kill, all delivered %d ms "
                                    + "after both the receiver and the server were back; %d arrivals for %d keys (%d repeats dropped by key); %d send attempts%n",
                            firedMs, resolvedMs / 1000, (upAt - downAt) / 1000, restartedMs / 1000, stored.size(), pendingAtKill.size(), deliveredMs,
                            receiver.arrivals().size(), got.size(), receiver.arrivals().size() - got.size(), attempts);
                }
                assertTrue(rows.stream().anyMatch(r -> "failing".equals(r.get("rule_name")) && "classify_intent".equals(r.get("subject"))), rows.toString());
                assertTrue(rows.stream().anyMatch(r -> "failing-model".equals(r.get("rule_name")) && "gpt-4o-mini".equals(r.get("subject"))), rows.toString());
                JsonNode failing = bodies(receiver, "failing").get(0);
                assertEquals("ALERT", failing.get("state").asText());
                assertTrue(failing.at("/causes/0/success").isBoolean() && !failing.at("/causes/0/success").asBoolean(), failing.toString());
            } finally {
                server.close();
            }
        }
    }
}
