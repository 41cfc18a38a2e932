package dev.chatlog.sql;

import dev.chatlog.sql.rollup.ConsistencyCheck;
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
    void should_migrate_into_a_database_that_already_holds_the_applications_tables() throws Exception {
        DatabaseConfig cfg = TestDatabase.freshSchema();
        try (var c = java.sql.DriverManager.getConnection(cfg.jdbcUrl(), cfg.user(), cfg.password()); var s = c.createStatement()) {
            s.execute("CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(50))");
            s.execute("INSERT INTO customers VALUES (1, 'kept')");
            s.execute("CREATE TABLE flyway_schema_history (installed_rank INT PRIMARY KEY)"); // the application's own Flyway
        }
        try (Database db = Database.open(cfg, 2)) {
            assertEquals(1, (int) db.jdbi().withHandle(h -> h.createQuery(
                    "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'chatbot_llm_calls'")
                    .mapTo(Integer.class).one()));
            assertEquals("kept", db.jdbi().withHandle(h -> h.createQuery("SELECT name FROM customers").mapTo(String.class).one()));
            List<String> applied = db.jdbi().withHandle(h -> h.createQuery(
                    "SELECT COALESCE(version, '-') FROM chatlog_schema_history WHERE success = 1 ORDER BY installed_rank").mapTo(String.class).list());
            assertEquals("0", applied.get(0), "a baseline below every chatlog migration: " + applied);
            long migrations;
            try (var files = java.nio.file.Files.list(java.nio.file.Path.of("src/main/resources/db/chatlog/migration"))) {
                migrations = files.filter(f -> f.getFileName().toString().matches("V\\d+__.*\\.sql")).count();
            }
            assertEquals(migrations + 1, applied.size(), "then every migration ran: " + applied);
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

    @Test
    void should_backfill_the_pair_and_tool_pair_rollups_exactly_from_stored_calls() throws Exception {
        try (Database db = Database.open(TestDatabase.freshSchema(), 2)) {
            java.util.Random r = new java.util.Random(3);
            List<dev.chatlog.core.LlmCall> calls = new java.util.ArrayList<>();
            java.time.Instant t0 = java.time.Instant.parse("2026-10-01T22:00:00Z");
            for (int i = 0; i < 300; i++) {
                boolean tool = i % 5 == 0;
                dev.chatlog.core.LlmCall.Builder b = dev.chatlog.core.LlmCall.builder().conversationId("c" + (i / 6)).messageId("m" + (i / 3))
                        .agent(i % 7 == 0 ? null : List.of("A", "B|C", "D").get(r.nextInt(3))).chatMode(List.of("rag", "simple").get(r.nextInt(2)))
                        .functionName(tool ? "search" : List.of("f1", "f2").get(r.nextInt(2))).userId("u" + r.nextInt(4))
                        .startedAt(t0.plusSeconds(i * 97L)).durationMs(r.nextInt(9000) + r.nextInt(100) / 100.0).success(r.nextInt(9) != 0);
                if (tool) b.callType(dev.chatlog.core.CallType.TOOL);
                else b.callType(dev.chatlog.core.CallType.CHAT).model(List.of("m1", "m2").get(r.nextInt(2))).inputTokens(r.nextInt(500))
                        .outputTokens(r.nextInt(50)).costEstimate(r.nextInt(4) == 0 ? null : new java.math.BigDecimal(r.nextInt(9999) + 1).movePointLeft(7))
                        .priced(true).timeToFirstTokenMs(r.nextBoolean() ? (long) r.nextInt(3000) : null);
                calls.add(b.build());
            }
            new JdbcChatLogStore(db.jdbi()).write(new dev.chatlog.core.Batch(calls, List.of()));
            String pairs = "'model_agent', 'model_chat_mode', 'agent_function', 'agent_chat_mode', 'function_chat_mode', 'tool_agent', 'tool_chat_mode'";
            List<String> written = db.jdbi().withHandle(h -> h.createQuery("SELECT CONCAT_WS(' ', granularity, dimension, bucket_start, dim_value, "
                    + "llm_calls, tool_calls, cost, lat_05, ttft_03, max_duration_ms, max_cost) FROM chatbot_usage_rollup WHERE dimension IN ("
                    + pairs + ") ORDER BY 1").mapTo(String.class).list());
            assertTrue(written.size() > 50, "pair rows written: " + written.size());
            // the migration's statements, run on the same calls with the rows the writer made removed
            StringBuilder v10 = new StringBuilder();
            for (String file : List.of("V10__pair_rollups.sql", "V11__tool_pair_rollups.sql")) {
                try (java.io.InputStream in = getClass().getResourceAsStream("/db/chatlog/migration/" + file)) {
                    v10.append(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)).append('\n');
                }
            }
            db.jdbi().useHandle(h -> {
                h.execute("DELETE FROM chatbot_usage_rollup WHERE dimension IN (" + pairs + ")");
                for (String statement : v10.toString().split(";\\s*\\n")) {
                    String sql = statement.lines().filter(l -> !l.startsWith("--")).collect(java.util.stream.Collectors.joining("\n")).trim();
                    if (sql.startsWith("INSERT")) h.execute(sql);
                }
            });
            List<String> backfilled = db.jdbi().withHandle(h -> h.createQuery("SELECT CONCAT_WS(' ', granularity, dimension, bucket_start, dim_value, "
                    + "llm_calls, tool_calls, cost, lat_05, ttft_03, max_duration_ms, max_cost) FROM chatbot_usage_rollup WHERE dimension IN ("
                    + pairs + ") ORDER BY 1").mapTo(String.class).list());
            assertEquals(written, backfilled);
            assertEquals(List.of(), new ConsistencyCheck(db.jdbi()).mismatches());
        }
    }

    @Test
    void should_backfill_the_arm_rollup_of_rows_stored_before_arms_exactly() throws Exception {
        try (Database db = Database.open(TestDatabase.freshSchema(), 2)) {
            java.time.Instant t0 = java.time.Instant.parse("2026-10-01T22:00:00Z");
            List<dev.chatlog.core.LlmCall> calls = new java.util.ArrayList<>();
            List<dev.chatlog.core.ConversationMessage> messages = new java.util.ArrayList<>();
            for (int i = 0; i < 120; i++) {
                calls.add(dev.chatlog.core.LlmCall.builder().conversationId("c" + i / 4).messageId("m" + i / 2).model("m1").inputTokens(100 + i)
                        .outputTokens(10).costEstimate(new java.math.BigDecimal(i + 1).movePointLeft(6)).priced(true)
                        .startedAt(t0.plusSeconds(i * 211L)).durationMs(100 + i * 7).success(i % 9 != 0).build());
                if (i % 2 == 0) messages.add(dev.chatlog.core.ConversationMessage.builder().conversationId("c" + i / 4).messageId("m" + i / 2)
                        .timestamp(t0.plusSeconds(i * 211L)).responseTimeMs(300 + i).success(i % 7 != 0).build());
            }
            new JdbcChatLogStore(db.jdbi()).write(new dev.chatlog.core.Batch(calls, messages));
            String rows = "SELECT CONCAT_WS(' ', granularity, bucket_start, dim_value, messages, failed_messages, message_duration_ms, llm_calls, "
                    + "cost, lat_05, max_duration_ms, max_cost) FROM chatbot_usage_rollup WHERE dimension = 'arm' ORDER BY 1";
            List<String> written = db.jdbi().withHandle(h -> h.createQuery(rows).mapTo(String.class).list());
            assertTrue(written.size() > 5, "arm rows written: " + written.size());
            String v25;
            try (java.io.InputStream in = getClass().getResourceAsStream("/db/chatlog/migration/V25__experiment_arms.sql")) {
                v25 = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            }
            db.jdbi().useHandle(h -> { // the migration's backfill, run on rows in no arm with the rows the writer made removed
                h.execute("DELETE FROM chatbot_usage_rollup WHERE dimension = 'arm'");
                for (String statement : v25.split(";\\s*\\n")) {
                    String sql = statement.lines().filter(l -> !l.startsWith("--")).collect(java.util.stream.Collectors.joining("\n")).trim();
                    if (!sql.isEmpty() && !sql.startsWith("ALTER")) h.execute(sql);
                }
            });
            assertEquals(written, db.jdbi().withHandle(h -> h.createQuery(rows).mapTo(String.class).list()));
            assertEquals(List.of(), new ConsistencyCheck(db.jdbi()).mismatches());
        }
    }
}
