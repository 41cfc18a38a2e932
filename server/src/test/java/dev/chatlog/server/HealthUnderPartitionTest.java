package dev.chatlog.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatlog.embedded.EmbeddedMariaDb;
import dev.chatlog.sql.TcpProxy;
import dev.chatlog.sql.TestDatabase;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code /health} when the database stops answering without closing anything (a network partition): the answer comes
 * within seconds, saying the database is down, instead of waiting for the driver's 60 s socket timeout.
 */
class HealthUnderPartitionTest {
    @Test
    void should_answer_health_within_seconds_when_the_database_goes_silent() throws Exception {
        EmbeddedMariaDb db = TestDatabase.server();
        String schema = TestDatabase.createSchema();
        try (TcpProxy proxy = new TcpProxy(db.port())) {
            ChatlogServer server = ChatlogServer.start(ServerConfig.from(Map.of("CHATLOG_PORT", "0",
                    "CHATLOG_SPOOL_DIR", java.nio.file.Files.createTempDirectory("chatlog-spool").toString(),
                    "CHATLOG_DB_URL", "jdbc:mysql://127.0.0.1:" + proxy.port() + "/" + schema,
                    "CHATLOG_DB_USER", db.user(), "CHATLOG_DB_PASSWORD", db.password(), "CHATLOG_CHATBOT", "off")));
            try {
                Http http = new Http("http://127.0.0.1:" + server.port());
                assertEquals("ok", http.get("/health").json().get("status").asText());
                proxy.freeze();
                long t0 = System.nanoTime();
                Http.Response r = http.get("/health");
                double seconds = (System.nanoTime() - t0) / 1e9;
                JsonNode body = r.json();
                System.out.printf("health during a partition: %d in %.1f s: %s%n", r.status(), seconds, r.raw());
                assertTrue(seconds < 10, "answered in " + seconds + " s");
                assertEquals(503, r.status(), r.raw());
                assertTrue(body.toString().contains("database"), r.raw());
                proxy.thaw();
            } finally {
                proxy.thaw();
                server.close();
            }
        }
    }
}
