package dev.chatlog.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SchemaTest {

    @Test
    void should_create_the_three_tables_when_the_database_is_empty() {
        DatabaseConfig cfg = TestDatabase.freshSchema();
        try (Database db = Database.open(cfg, 2)) {
            List<String> tables = db.jdbi().withHandle(h -> h.createQuery(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name")
                    .mapTo(String.class).list());
            assertTrue(tables.containsAll(List.of("chatbot_conversation_messages", "chatbot_conversation_summary",
                    "chatbot_llm_calls")), tables.toString());
            List<String> callColumns = db.jdbi().withHandle(h -> h.createQuery(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'chatbot_llm_calls'")
                    .mapTo(String.class).list());
            assertTrue(callColumns.containsAll(List.of("call_id", "parent_call_id", "call_sequence", "call_type",
                    "cached_input_tokens", "reasoning_tokens", "token_source", "priced", "price_version",
                    "time_to_first_token_ms", "metadata")), callColumns.toString());
        }
    }

    @Test
    void should_change_nothing_when_migrated_twice() {
        DatabaseConfig cfg = TestDatabase.freshSchema();
        int before;
        try (Database db = Database.open(cfg, 2)) {
            db.jdbi().useHandle(h -> h.execute("INSERT INTO chatbot_conversation_summary (conversation_id) VALUES ('kept')"));
            before = db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM chatlog_schema_history").mapTo(Integer.class).one());
        }
        try (Database db = Database.open(cfg, 2)) {
            int after = db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM chatlog_schema_history").mapTo(Integer.class).one());
            assertEquals(before, after);
            assertEquals(1, (int) db.jdbi().withHandle(h -> h.createQuery(
                    "SELECT COUNT(*) FROM chatbot_conversation_summary WHERE conversation_id = 'kept'").mapTo(Integer.class).one()));
        }
    }
}
