package dev.chatlog.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.core.CallType;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.DatabaseConfig;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.chatlog.sql.TestDatabase;
import dev.chatlog.sql.rollup.ConsistencyCheck;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Every kind of row survives a crash exactly once: an application ({@link RowTypesWorker}, its own JVM, with a spool)
 * makes turns with a row of every call type, is SIGKILLed mid-turn, and a logger started on its spool replays what
 * it had not written. Every turn it acknowledged is stored once with all its rows, no call is stored twice, and the
 * rollups equal the rows (the consistency check) for every type.
 */
@Tag("slow") // a child JVM; mvn -B verify runs it
class EveryRowTypeReplayTest {

    @Test
    void should_store_every_row_type_exactly_once_after_a_sigkill_and_a_replay() throws Exception {
        DatabaseConfig config = TestDatabase.freshSchema();
        Path spool = Files.createTempDirectory("chatlog-row-types");
        TestDatabase.deleteAtExit(spool);
        List<String[]> acknowledged = new ArrayList<>();
        try (OpenAiStub stub = new OpenAiStub(); Database db = Database.open(config, 4)) {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process worker = new ProcessBuilder(java, "-Xmx384m", "-cp", System.getProperty("java.class.path"), RowTypesWorker.class.getName(),
                    config.jdbcUrl(), config.user(), config.password(), stub.baseUrl(), spool.toString()).redirectErrorStream(true).start();
            List<String> log = new ArrayList<>();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(worker.getInputStream(), StandardCharsets.UTF_8))) {
                long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                for (String line; acknowledged.size() < 25 && System.nanoTime() < deadline && (line = out.readLine()) != null; ) {
                    if (line.startsWith("TURN ")) acknowledged.add(line.substring(5).split(" "));
                    else if (log.size() < 200) log.add(line);
                }
                Thread.sleep(37); // in the middle of the next turn
                worker.destroyForcibly().waitFor(); // SIGKILL
            }
            assertTrue(acknowledged.size() >= 5, "the worker acknowledged turns before the kill: " + String.join("\n", log));

            try (ChatLogger replay = ChatLogger.builder(new JdbcChatLogStore(db.jdbi())).spool(spool).build()) {
                assertTrue(replay.flush(Duration.ofSeconds(60)), "the spool replayed");
            }
            Map<String, List<String>> typesByTurn = new TreeMap<>();
            db.jdbi().useHandle(h -> h.createQuery("SELECT CONCAT(conversation_id, ' ', message_id) k, call_type FROM chatbot_llm_calls ORDER BY id")
                    .map((rs, ctx) -> typesByTurn.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getString(2))).list());
            List<String> first = typesByTurn.get(acknowledged.get(0)[0] + " " + acknowledged.get(0)[1]);
            TreeSet<String> everyType = new TreeSet<>(Arrays.stream(CallType.values()).map(CallType::dbValue).toList());
            everyType.remove("streaming_chat");
            assertEquals(everyType, new TreeSet<>(first), "a turn makes every kind of row (streaming chat aside)");
            for (String[] t : acknowledged) {
                List<String> types = typesByTurn.get(t[0] + " " + t[1]);
                assertEquals(first.stream().sorted().toList(), types == null ? null : types.stream().sorted().toList(),
                        "acknowledged turn " + t[0] + " stored whole, once");
                int messages = db.jdbi().withHandle(h -> h.createQuery(
                        "SELECT COUNT(*) FROM chatbot_conversation_messages WHERE conversation_id = :c AND message_id = :m")
                        .bind("c", t[0]).bind("m", t[1]).mapTo(Integer.class).one());
                assertEquals(1, messages);
                List<String> scores = db.jdbi().withHandle(h -> h.createQuery(
                        "SELECT CONCAT(name, '=', CAST(value AS SIGNED), ' ', comment) FROM chatbot_scores WHERE message_id = :m").bind("m", t[1]).mapTo(String.class).list());
                assertEquals(List.of("helpful=1 on reflection"), scores, "the turn's score, once, as re-scored");
            }
            long duplicates = db.jdbi().withHandle(h -> h.createQuery(
                    "SELECT COUNT(*) FROM (SELECT call_id FROM chatbot_llm_calls GROUP BY call_id HAVING COUNT(*) > 1) d").mapTo(Long.class).one());
            assertEquals(0, duplicates, "no call stored twice");
            assertEquals(List.of(), new ConsistencyCheck(db.jdbi()).mismatches());
            System.out.printf("row types: %d acknowledged turns of %d rows each, %d turns stored in all%n",
                    acknowledged.size(), first.size(), typesByTurn.size());
        }
    }
}
