package dev.chatlog.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatlog.sql.SystemMariaDb;
import dev.chatlog.sql.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A primary and a read replica (two MariaDB 10.11 servers from Debian's package, MariaDB replication between them):
 * the dashboard's read routes read the replica, the conversation just chatted and the budget admissions the primary.
 * With the replication stopped, the overview stays where the replica is while the new turn's detail is there at once,
 * a budget still refuses at its limit, and {@code /health}, {@code /freshness} and the dashboard say how far behind
 * the read side is; started again, the replica catches up and the lag falls back; down, the primary serves the reads.
 */
@Tag("slow")
class ReadReplicaTest {

    @Test
    void should_read_the_dashboard_from_the_replica_and_own_writes_and_admissions_from_the_primary_and_report_the_lag() throws Exception {
        Path dir = Files.createTempDirectory("chatlog-replica");
        TestDatabase.deleteAtExit(dir);
        try (SystemMariaDb primary = SystemMariaDb.startPrimary(Path.of("target", "replication"));
             SystemMariaDb replica = SystemMariaDb.startReplicaOf(Path.of("target", "replication"), primary)) {
            primary.admin("CREATE DATABASE app", "CREATE USER 'app'@'127.0.0.1' IDENTIFIED BY 'app-pw'",
                    "GRANT ALL ON app.* TO 'app'@'127.0.0.1'", "GRANT ALL ON chatlog_shop.* TO 'app'@'127.0.0.1'");
            Map<String, String> env = new HashMap<>();
            env.put("CHATLOG_PORT", "0");
            env.put("CHATLOG_DATA_DIR", dir.toString());
            env.put("CHATLOG_DB_URL", primary.jdbcUrl("app"));
            env.put("CHATLOG_DB_USER", "app");
            env.put("CHATLOG_DB_PASSWORD", "app-pw");
            env.put("CHATLOG_DB_READ_URL", replica.jdbcUrl("app")); // the user and password: the primary's, replicated
            env.put("CHATLOG_HEALTH_REPLICA_LAG_SECONDS", "3");
            env.put("CHATLOG_JUDGE", "off");
            env.put("CHATLOG_CHAT_EXPERIMENT", "off");
            env.put("CHATLOG_BUDGETS", "{\"tiny\": {\"scope\": \"global\", \"period\": \"day\", \"limit_usd\": 0.002, \"action\": \"enforce\"}}");
            try (ChatlogServer server = ChatlogServer.start(ServerConfig.from(env))) {
                Http http = new Http("http://127.0.0.1:" + server.port());
                JsonNode first = chat(http, "Show me recent orders");
                await(() -> calls(http) > 0, "the replica applied the first turn");
                JsonNode health = http.get("/health").json();
                assertEquals("ok", health.get("status").asText(), health.toString());
                assertTrue(health.at("/read_replica/lag_seconds").asDouble() < 3, health.toString());
                assertEquals("replica", http.get("/logging-dashboard/freshness").json().get("source").asText());

                replica.stopReplication();
                long before = calls(http);
                JsonNode second = chat(http, "Which products sell best?");
                String conversation = second.get("conversation_id").asText();
                assertTrue(server.logger().flush(java.time.Duration.ofSeconds(30)));
                Http.Response detail = http.get("/logging-dashboard/conversation/" + conversation + "/detailed");
                assertEquals(200, detail.status(), "the turn just chatted, from the primary: " + detail.raw());
                assertEquals(before, calls(http), "the overview reads the stopped replica: no new call there");
                int refused = 0;
                for (int i = 0; i < 40 && refused == 0; i++) { // admissions read the primary's ledger: the limit holds
                    Http.Response r = http.post("/chat-chat/", "{\"input\": \"Show me recent orders\", \"conversation_id\": \"" + conversation + "\"}");
                    if (r.status() == 429) refused++;
                    else assertEquals(200, r.status(), r.raw());
                }
                assertEquals(1, refused, "the budget refused at its limit while the replica was behind");
                JsonNode stale = await(() -> http.get("/health").json(), h -> h.at("/read_replica/lag_seconds").asDouble() > 3,
                        "the lag grows past the threshold");
                assertEquals("degraded", stale.get("status").asText(), stale.toString());
                assertTrue(stale.get("reasons").toString().contains("read replica"), stale.toString());
                assertEquals(200, http.get("/health").status(), "a lagging replica degrades, it does not fail the instance");
                JsonNode freshness = http.get("/logging-dashboard/freshness").json();
                assertTrue(freshness.get("lag_seconds").asDouble() > 3, freshness.toString());

                replica.startReplication();
                await(() -> calls(http) > before, "the replica caught up");
                JsonNode caught = await(() -> http.get("/health").json(), h -> h.at("/read_replica/lag_seconds").asDouble() < 3,
                        "the lag fell back");
                assertEquals("ok", caught.get("status").asText(), caught.toString());
                System.out.printf("read replica: %d calls before the stop, %d after catching up; lag while stopped %s s%n", before,
                        calls(http), stale.at("/read_replica/lag_seconds").asText());
                assertTrue(first.has("conversation_id"));

                replica.close(); // the replica down: the read routes answer from the primary, /health says the lag is unknown
                Http.Response overview = http.get("/logging-dashboard/stats/range?window=all");
                assertEquals(200, overview.status(), overview.raw());
                JsonNode down = await(() -> http.get("/health").json(), h -> h.at("/read_replica/lag_seconds").isNull()
                        && h.toString().contains("has not answered"), "the replica reported down");
                assertEquals("degraded", down.get("status").asText(), down.toString());
                assertEquals(calls(http), overview.json().at("/totals/llm_calls").asLong());
            }
        }
    }

    private static JsonNode chat(Http http, String input) throws Exception {
        Http.Response r = http.post("/chat-chat/", "{\"input\": \"" + input + "\"}");
        assertEquals(200, r.status(), r.raw());
        return r.json();
    }

    private static long calls(Http http) throws Exception {
        return http.get("/logging-dashboard/stats/range?window=all").json().at("/totals/llm_calls").asLong();
    }

    private interface Probe<T> {
        T get() throws Exception;
    }

    private static void await(Probe<Boolean> condition, String what) throws Exception {
        await(condition, Boolean::booleanValue, what);
    }

    private static <T> T await(Probe<T> probe, Predicate<T> ok, String what) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        T last = null;
        while (System.nanoTime() < deadline) {
            last = probe.get();
            if (ok.test(last)) return last;
            Thread.sleep(250);
        }
        throw new AssertionError(what + ": not within 60 s; last " + last);
    }
}
