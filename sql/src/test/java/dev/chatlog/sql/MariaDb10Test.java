package dev.chatlog.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.chatlog.core.Batch;
import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.LlmCall;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Both drivers a user may name in the URL — MySQL's Connector/J ({@code jdbc:mysql://}, as README has it) and
 * MariaDB's own ({@code jdbc:mariadb://}) — on both servers: Debian's MariaDB 10.11 (a separate server the test
 * starts; {@code .ci/run} installs the package) and the embedded 11.4. Connector/J reads 10.x's version string
 * ({@code 5.5.5-10.11...}) as MySQL 5.5, which had no fractional seconds; MariaDB's driver rejects Connector/J's
 * option values. The store starts through either, and times keep their milliseconds.
 */
class MariaDb10Test {
    private static SystemMariaDb mariadb10;

    @BeforeAll
    static void start() throws Exception {
        mariadb10 = SystemMariaDb.start(Path.of("target", "mariadb-10"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (mariadb10 != null) mariadb10.close();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mysql driver on 10.11", "mariadb driver on 10.11", "mysql driver on embedded", "mariadb driver on embedded"})
    void should_start_and_keep_the_milliseconds_of_call_and_message_times(String setup) throws Exception {
        DatabaseConfig config;
        if (setup.endsWith("10.11")) {
            String schema = "app_" + setup.split(" ")[0];
            mariadb10.admin("CREATE DATABASE " + schema);
            config = new DatabaseConfig(mariadb10.jdbcUrl(schema), SystemMariaDb.ADMIN, SystemMariaDb.ADMIN_PASSWORD);
        } else {
            config = TestDatabase.freshSchema();
        }
        String url = setup.startsWith("mariadb") ? config.jdbcUrl().replace("jdbc:mysql:", "jdbc:mariadb:") : config.jdbcUrl();
        Instant started = Instant.parse("2026-12-05T10:11:12.345Z");
        try (Database db = Database.open(new DatabaseConfig(url, config.user(), config.password()), 2)) {
            new JdbcChatLogStore(db.jdbi()).write(new Batch(
                    List.of(LlmCall.builder().callId("ms-1").conversationId("c").messageId("m").model("gpt-4o-mini").inputTokens(1)
                            .outputTokens(1).startedAt(started).durationMs(250).build()),
                    List.of(ConversationMessage.builder().conversationId("c").messageId("m").userInput("q").finalOutput("{}")
                            .timestamp(started.plusMillis(7)).success(true).build())));
            Map<String, Object> row = db.jdbi().withHandle(h -> h.createQuery("""
                    SELECT DATE_FORMAT(c.started_at, '%H:%i:%s.%f') started, DATE_FORMAT(c.ended_at, '%H:%i:%s.%f') ended,
                           DATE_FORMAT(m.timestamp, '%H:%i:%s.%f') at, VERSION() version, @@session.time_zone zone
                    FROM chatbot_llm_calls c JOIN chatbot_conversation_messages m ON m.message_id = c.message_id""").mapToMap().one());
            System.out.println(setup + " (" + db.dataSource().getConnection().getMetaData().getDriverName() + "): " + row);
            assertEquals("10:11:12.345000", row.get("started"), row.toString());
            assertEquals("10:11:12.595000", row.get("ended"), row.toString());
            assertEquals("10:11:12.352000", row.get("at"), row.toString());
            assertEquals("+00:00", row.get("zone"), "the session runs in UTC, as the store's times are");
            LocalDateTime read = db.jdbi().withHandle(h -> h.createQuery("SELECT started_at FROM chatbot_llm_calls")
                    .mapTo(LocalDateTime.class).one());
            assertEquals(LocalDateTime.parse("2026-12-05T10:11:12.345"), read, "read back with its milliseconds");
            long found = db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM chatbot_llm_calls WHERE started_at >= :t")
                    .bind("t", LocalDateTime.parse("2026-12-05T10:11:12.345")).mapTo(Long.class).one());
            assertEquals(1, found, "a bound time compares at millisecond precision");
        }
    }
}
