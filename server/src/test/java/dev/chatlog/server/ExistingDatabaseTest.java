package dev.chatlog.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.LlmCall;
import dev.chatlog.server.load.ServerProcess;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.DatabaseConfig;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.chatlog.sql.SystemMariaDb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The server as a new user runs it on a database they already have: Debian's MariaDB 10.11 (a
 * separate server, not the embedded one), an app user that owns one database and nothing else.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // the grants come last: the first two run without them
class ExistingDatabaseTest {
    private static SystemMariaDb mariadb;
    private static final Path DIR = Path.of("target", "existing-db");

    @BeforeAll
    static void start() throws Exception {
        mariadb = SystemMariaDb.start(DIR);
        mariadb.admin("CREATE DATABASE app", "CREATE USER 'app'@'127.0.0.1' IDENTIFIED BY 'app-pw'",
                "GRANT ALL ON app.* TO 'app'@'127.0.0.1'");
    }

    @AfterAll
    static void stop() throws Exception {
        if (mariadb != null) mariadb.close();
    }

    private static Map<String, String> appEnv() {
        Map<String, String> env = new HashMap<>();
        env.put("CHATLOG_DB_URL", mariadb.jdbcUrl("app"));
        env.put("CHATLOG_DB_USER", "app");
        env.put("CHATLOG_DB_PASSWORD", "app-pw");
        return env;
    }

    private static ServerProcess server(String name, Map<String, String> env) throws Exception {
        return ServerProcess.start(Files.createDirectories(DIR).resolve(name + "-" + System.nanoTime()), env, 90);
    }

    @Test
    @Order(1)
    void should_start_on_a_database_the_app_user_owns_and_show_what_several_application_instances_log() throws Exception {
        Map<String, String> env = appEnv();
        env.put("CHATLOG_DB_URL", mariadb.jdbcUrl("app").replace("jdbc:mysql:", "jdbc:mariadb:")); // MariaDB's own driver here
        try (ServerProcess server = server("dashboard-only", env)) {
            Http http = new Http(server.baseUrl());
            JsonNode health = http.get("/health").json();
            assertEquals("ok", health.get("status").asText(), health.toString());
            assertEquals("off", health.get("chatbot").asText(), "no rights for the demo shop: dashboard only");
            Http.Response chat = http.post("/chat-chat/", "{\"input\": \"Show me recent orders\"}");
            assertEquals(404, chat.status(), chat.raw());
            assertTrue(chat.json().get("error").asText().contains("chatbot is off"), chat.raw());
            String log = Files.readString(server.log());
            assertTrue(log.contains("GRANT ALL ON chatlog_shop.* TO 'app'"), "the log says what to grant:\n" + log);
            assertTrue(log.contains("chatlog schema at version "), log);
            assertFalse(log.contains("version null") || log.contains("version none"), log);

            // two application instances log into the same database, one through each driver; the one server shows both
            for (String instance : new String[] {"instance-a", "instance-b"}) {
                String url = instance.equals("instance-a") ? mariadb.jdbcUrl("app") : mariadb.jdbcUrl("app").replace("jdbc:mysql:", "jdbc:mariadb:");
                try (Database db = Database.open(new DatabaseConfig(url, "app", "app-pw"), 2);
                     ChatLogger logger = ChatLogger.builder(new JdbcChatLogStore(db.jdbi())).build()) {
                    for (int i = 0; i < 25; i++) {
                        String conv = instance + "-c" + (i % 5);
                        logger.logCall(LlmCall.builder().callId(instance + "-" + i).conversationId(conv).messageId(conv + "-m" + i)
                                .model("gpt-4o-mini").inputTokens(100).outputTokens(20).startedAt(Instant.now()).build());
                        logger.logMessage(ConversationMessage.builder().conversationId(conv).messageId(conv + "-m" + i)
                                .userInput("q").finalOutput("{}").timestamp(Instant.now()).success(true).build());
                    }
                    assertTrue(logger.flush(Duration.ofSeconds(30)));
                }
            }
            JsonNode totals = http.get("/logging-dashboard/stats/range?window=all").json().get("totals");
            assertEquals(50, totals.get("llm_calls").asLong(), totals.toString());
            assertEquals(10, http.get("/logging-dashboard/conversations?hours=24&limit=100").json().get("conversations").size());
        }
    }

    @Test
    @Order(2)
    void should_refuse_to_start_when_the_chatbot_is_required_and_say_what_to_grant() throws Exception {
        Map<String, String> env = appEnv();
        env.put("CHATLOG_CHATBOT", "on");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> server("chatbot-on", env).close());
        assertTrue(e.getMessage().contains("chatlog could not start: the demo shop could not be set up"), e.getMessage());
        assertTrue(e.getMessage().contains("GRANT ALL ON chatlog_shop.*"), e.getMessage());
        assertFalse(e.getMessage().contains("could not start: chatlog could not start"), e.getMessage());
    }

    @Test
    @Order(3)
    void should_run_the_chatbot_once_the_shop_is_granted_with_a_select_only_reader() throws Exception {
        mariadb.admin("CREATE DATABASE IF NOT EXISTS chatlog_shop", "GRANT ALL ON chatlog_shop.* TO 'app'@'127.0.0.1'",
                "CREATE USER IF NOT EXISTS 'shop_reader'@'127.0.0.1' IDENTIFIED BY 'reader-pw'",
                "GRANT SELECT ON chatlog_shop.* TO 'shop_reader'@'127.0.0.1'");
        Map<String, String> env = appEnv();
        env.put("CHATLOG_CHATBOT", "on");
        // MariaDB's own driver in both URLs: the shop's query path still runs (it uses Connector/J for its own pool)
        env.put("CHATLOG_DB_URL", mariadb.jdbcUrl("app").replace("jdbc:mysql:", "jdbc:mariadb:"));
        env.put("CHATLOG_SHOP_DB_URL", mariadb.jdbcUrl("chatlog_shop").replace("jdbc:mysql:", "jdbc:mariadb:"));
        env.put("CHATLOG_SHOP_DB_USER", "shop_reader");
        env.put("CHATLOG_SHOP_DB_PASSWORD", "reader-pw");
        try (ServerProcess server = server("with-shop", env)) {
            Http http = new Http(server.baseUrl());
            assertEquals("on", http.get("/health").json().get("chatbot").asText());
            Http.Response r = http.post("/chat-chat/", "{\"input\": \"Show me recent orders\"}");
            assertEquals(200, r.status(), r.raw());
            assertTrue(r.json().at("/output/row_count").asInt() > 0, r.raw());
            Http.Response order = http.post("/chat-chat/", "{\"input\": \"Where is order 42?\"}");
            assertTrue(order.json().get("conversation_message").asText().startsWith("Order #42 from "), order.raw());
            Http.Response drop = http.post("/chat-chat/", "{\"input\": \"sql: DROP TABLE orders\"}");
            assertTrue(drop.json().at("/output/error").asText().startsWith("refused:"), drop.raw());
            assertTrue(Files.readString(server.log()).contains("read-only user (enforced by the database)"));
        }
        try (var c = mariadb.connect("shop_reader", "reader-pw", "chatlog_shop"); var s = c.createStatement()) {
            assertThrows(java.sql.SQLException.class, () -> s.execute("DELETE FROM orders"), "the reader may not write");
            var rs = s.executeQuery("SELECT COUNT(*) FROM orders");
            rs.next();
            assertEquals(500, rs.getInt(1), "seeded once, by the owner");
        }
    }
}
