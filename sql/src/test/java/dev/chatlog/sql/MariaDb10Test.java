package dev.chatlog.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.chatlog.core.Batch;
import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.LlmCall;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Debian's MariaDB 10.11 (a separate server the test starts; {@code .ci/run} installs the package)
 * through MySQL's Connector/J, as README's {@code jdbc:mysql://} URL has it: Connector/J reads
 * 10.x's version string ({@code 5.5.5-10.11...}) as MySQL 5.5, which had no fractional seconds.
 * Times keep their milliseconds all the same.
 */
class MariaDb10Test {
    private static SystemMariaDb mariadb;

    @BeforeAll
    static void start() throws Exception {
        mariadb = SystemMariaDb.start(Path.of("target", "mariadb-10"));
        mariadb.admin("CREATE DATABASE app");
    }

    @AfterAll
    static void stop() throws Exception {
        if (mariadb != null) mariadb.close();
    }

    @Test
    void should_keep_the_milliseconds_of_call_and_message_times_on_mariadb_10_through_connector_j() throws Exception {
        Instant started = Instant.parse("2026-12-05T10:11:12.345Z");
        try (Database db = Database.open(new DatabaseConfig(mariadb.jdbcUrl("app"), SystemMariaDb.ADMIN, SystemMariaDb.ADMIN_PASSWORD), 2)) {
            new JdbcChatLogStore(db.jdbi()).write(new Batch(
                    List.of(LlmCall.builder().callId("ms-1").conversationId("c").messageId("m").model("gpt-4o-mini").inputTokens(1)
                            .outputTokens(1).startedAt(started).durationMs(250).build()),
                    List.of(ConversationMessage.builder().conversationId("c").messageId("m").userInput("q").finalOutput("{}")
                            .timestamp(started.plusMillis(7)).success(true).build())));
            Map<String, Object> row = db.jdbi().withHandle(h -> h.createQuery("""
                    SELECT DATE_FORMAT(c.started_at, '%H:%i:%s.%f') started, DATE_FORMAT(c.ended_at, '%H:%i:%s.%f') ended,
                           DATE_FORMAT(m.timestamp, '%H:%i:%s.%f') at, VERSION() version
                    FROM chatbot_llm_calls c JOIN chatbot_conversation_messages m ON m.message_id = c.message_id""").mapToMap().one());
            System.out.println("on " + row.get("version") + ": " + row);
            assertEquals("10:11:12.345000", row.get("started"), row.toString());
            assertEquals("10:11:12.595000", row.get("ended"), row.toString());
            assertEquals("10:11:12.352000", row.get("at"), row.toString());
            java.time.LocalDateTime read = db.jdbi().withHandle(h -> h.createQuery("SELECT started_at FROM chatbot_llm_calls")
                    .mapTo(java.time.LocalDateTime.class).one());
            assertEquals(345_000_000, read.getNano(), "read back with its milliseconds: " + read);
            long found = db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM chatbot_llm_calls WHERE started_at >= :t")
                    .bind("t", java.time.LocalDateTime.parse("2026-12-05T10:11:12.345")).mapTo(Long.class).one());
            assertEquals(1, found, "a bound time compares at millisecond precision");
        }
    }
}
