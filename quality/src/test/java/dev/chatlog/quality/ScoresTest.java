package dev.chatlog.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.core.CallType;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.InvalidDefinitionException;
import dev.chatlog.core.LlmCall;
import dev.chatlog.core.MessageTurn;
import dev.chatlog.core.score.Score;
import dev.chatlog.core.score.ScoreDefinition;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.chatlog.sql.TestDatabase;
import dev.chatlog.sql.score.ScoreDefinitions;
import dev.chatlog.sql.score.ScoreRows;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Scores stored once per identity against a real MariaDB: replaced when scored again, checked against their definition. */
class ScoresTest {

    private static Score score(Score.Target t, String id, String name, BigDecimal value, String label, String evaluator) {
        return new Score(t, id, name, value, label, Score.Source.HUMAN, evaluator, null, null, null, Instant.parse("2026-12-05T10:00:00Z"));
    }

    @Test
    void should_replace_a_score_of_the_same_identity_and_check_it_against_its_definition() {
        try (Database db = TestDatabase.freshDatabase()) {
            String conv, message, call = "call-1";
            try (ChatLogger logger = ChatLogger.builder(new JdbcChatLogStore(db.jdbi())).build()) {
                try (MessageTurn turn = logger.beginMessage(null, "is the kettle in stock?")) {
                    conv = turn.conversationId();
                    message = turn.messageId();
                    logger.logCall(LlmCall.builder().callId(call).callType(CallType.CHAT).context(turn.context()).model("gpt-4o-mini")
                            .startedAt(Instant.now()).inputTokens(10).outputTokens(5).durationMs(100).build());
                    turn.output("{}", "yes");
                }
                assertTrue(logger.flush(Duration.ofSeconds(20)));
            }
            ScoreDefinitions defs = new ScoreDefinitions(db.jdbi(), Clock.systemUTC());
            Scores scores = new Scores(db.jdbi(), Clock.systemUTC());
            assertTrue(defs.put(new ScoreDefinition("correctness", ScoreDefinition.Type.CATEGORICAL, null, null,
                    List.of("correct", "partially", "wrong"), "the answer against the shop's data")));
            assertFalse(defs.put(new ScoreDefinition("correctness", ScoreDefinition.Type.CATEGORICAL, null, null,
                    List.of("correct", "wrong"), null)), "a second put replaces");

            ScoreRows.Stored first = scores.record(score(Score.Target.MESSAGE, message, "helpful", BigDecimal.ONE, null, null));
            assertTrue(first.created());
            assertEquals(conv, first.conversationId());
            ScoreRows.Stored again = scores.record(score(Score.Target.MESSAGE, message, "helpful", BigDecimal.ZERO, null, null));
            assertFalse(again.created(), "the same identity: replaced");
            scores.record(score(Score.Target.MESSAGE, message, "helpful", BigDecimal.ONE, null, "reviewer-2")); // another evaluator: its own
            ScoreRows.Stored onCall = scores.record(score(Score.Target.CALL, call, "correctness", null, "correct", "judge"));
            assertEquals(message, onCall.messageId(), "a call's score lists under its message");
            scores.record(score(Score.Target.CONVERSATION, conv, "resolved", BigDecimal.ONE, null, null));

            @SuppressWarnings("unchecked")
            List<Map<String, Object>> all = (List<Map<String, Object>>) new dev.chatlog.sql.report.Reports(db.jdbi()).conversation(conv)
                    .orElseThrow().get("scores");
            assertEquals(4, all.size(), all.toString());
            assertEquals(0, BigDecimal.ZERO.compareTo((BigDecimal) all.get(0).get("value")), "the re-score's value");
            assertEquals("correct", all.get(2).get("value"));

            InvalidDefinitionException outside = assertThrows(InvalidDefinitionException.class,
                    () -> scores.record(score(Score.Target.CALL, call, "correctness", null, "partially", "judge")));
            assertEquals("value", outside.field(), "a label outside the declared set");
            assertEquals("value", assertThrows(InvalidDefinitionException.class,
                    () -> scores.record(score(Score.Target.CALL, call, "tone", null, "friendly", null))).field(), "a label needs a definition");
            assertEquals("message_id", assertThrows(ScoreRows.UnknownTarget.class,
                    () -> scores.record(score(Score.Target.MESSAGE, "no-such-message", "helpful", BigDecimal.ONE, null, null))).field());
            int rows = db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM chatbot_scores").mapTo(Integer.class).one());
            assertEquals(4, rows, "one row per identity");
            // the rollups follow the replacement exactly: helpful by model-less message, 2 scores (0 and 1) in the day
            Map<String, Object> helpful = db.jdbi().withHandle(h -> h.createQuery("""
                    SELECT SUM(scores) n, SUM(value_sum) s FROM chatbot_score_rollup
                    WHERE granularity = 'd' AND dimension = 'all' AND name = 'helpful'""").mapToMap().one());
            assertEquals(2, ((Number) helpful.get("n")).intValue(), helpful.toString());
            assertEquals(0, BigDecimal.ONE.compareTo((BigDecimal) helpful.get("s")), "0 (replaced 1) + 1: " + helpful);
            int correct = db.jdbi().withHandle(h -> h.createQuery("""
                    SELECT scores FROM chatbot_score_rollup WHERE granularity = 'h' AND dimension = 'model' AND dim_value = 'gpt-4o-mini'
                      AND name = 'correctness' AND label = 'correct'""").mapTo(Integer.class).one());
            assertEquals(1, correct, "a call's label by its model");
            assertEquals(List.of(), new dev.chatlog.sql.rollup.ConsistencyCheck(db.jdbi()).mismatches());
            new dev.chatlog.sql.erasure.Erasure(db.jdbi()).erase(new dev.chatlog.sql.erasure.Erasure.Request(
                    dev.chatlog.sql.erasure.Erasure.Scope.CONVERSATION, conv, "test", null, false));
            int left = db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM chatbot_scores").mapTo(Integer.class).one());
            assertEquals(0, left, "erasing the conversation erases its scores");
            assertEquals(List.of(), new dev.chatlog.sql.rollup.ConsistencyCheck(db.jdbi()).mismatches(), "and takes them out of the rollups");
        }
    }

    @Test
    void should_store_a_score_given_through_the_logger_once_and_reject_one_without_a_target() {
        try (Database db = TestDatabase.freshDatabase()) {
            dev.chatlog.core.LoggerStats stats;
            String message;
            try (ChatLogger logger = ChatLogger.builder(new JdbcChatLogStore(db.jdbi())).build()) {
                try (MessageTurn turn = logger.beginMessage(null, "hi")) {
                    message = turn.messageId();
                    turn.output("{}", "hello");
                }
                logger.score(score(Score.Target.MESSAGE, message, "helpful", BigDecimal.ONE, null, "ui"));
                logger.score(score(Score.Target.MESSAGE, message, "helpful", BigDecimal.ONE, null, "ui")); // the same, twice
                logger.score(score(Score.Target.MESSAGE, "never-logged", "helpful", BigDecimal.ONE, null, "ui"));
                assertTrue(logger.flush(Duration.ofSeconds(20)));
                stats = logger.stats();
            }
            int rows = db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM chatbot_scores WHERE message_id = :m").bind("m", message)
                    .mapTo(Integer.class).one());
            assertEquals(1, rows, "one identity, one row");
            assertEquals(1, stats.rejected(), "the score of a message never logged is rejected, and counted: " + stats);
        }
    }

    @Test
    void should_count_a_score_once_when_writers_race_keep_the_newest_and_refuse_a_time_out_of_range() throws Exception {
        try (Database db = TestDatabase.freshDatabase()) {
            String message;
            try (ChatLogger logger = ChatLogger.builder(new JdbcChatLogStore(db.jdbi())).build()) {
                try (MessageTurn turn = logger.beginMessage(null, "hi").user("alice")) {
                    message = turn.messageId();
                    turn.output("{}", "hello");
                }
                assertTrue(logger.flush(Duration.ofSeconds(20)));
            }
            Scores scores = new Scores(db.jdbi(), Clock.systemUTC());
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
            try {
                for (int round = 0; round < 20; round++) { // 8 writers giving one new identity at once (a double-clicked thumbs up)
                    String name = "race" + round;
                    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
                    List<java.util.concurrent.Future<ScoreRows.Stored>> all = new java.util.ArrayList<>();
                    for (int t = 0; t < 8; t++) {
                        all.add(pool.submit(() -> {
                            go.await();
                            return scores.record(score(Score.Target.MESSAGE, message, name, BigDecimal.ONE, null, null));
                        }));
                    }
                    go.countDown();
                    long created = 0;
                    for (var f : all) created += f.get().created() ? 1 : 0;
                    assertEquals(1, created, "one writer created it, the others replaced it");
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(List.of(), new dev.chatlog.sql.rollup.ConsistencyCheck(db.jdbi()).mismatches(), "each counted once in the rollups");

            Instant later = Instant.parse("2026-12-05T12:00:00Z");
            scores.record(new Score(Score.Target.MESSAGE, message, "helpful", BigDecimal.ZERO, null, Score.Source.HUMAN, null, null, null, "newer", later));
            scores.record(new Score(Score.Target.MESSAGE, message, "helpful", BigDecimal.ONE, null, Score.Source.HUMAN, null, null, null, "older",
                    later.minusSeconds(60))); // a spool replaying a score given before the one stored
            String kept = db.jdbi().withHandle(h -> h.createQuery("SELECT comment FROM chatbot_scores WHERE name = 'helpful'").mapTo(String.class).one());
            assertEquals("newer", kept, "an older score never replaces a newer one");
            assertEquals("at", assertThrows(InvalidDefinitionException.class, () -> new Score(Score.Target.MESSAGE, message, "helpful",
                    BigDecimal.ONE, null, Score.Source.HUMAN, null, null, null, null, Instant.MAX)).field());

            new dev.chatlog.sql.erasure.Erasure(db.jdbi()).erase(new dev.chatlog.sql.erasure.Erasure.Request(
                    dev.chatlog.sql.erasure.Erasure.Scope.USER, "alice", "test", null, false));
            int aliceRows = db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM chatbot_score_rollup WHERE dimension = 'user' AND dim_value = 'alice'")
                    .mapTo(Integer.class).one());
            assertEquals(0, aliceRows, "no rollup row keyed by an erased user");
            assertEquals(List.of(), new dev.chatlog.sql.rollup.ConsistencyCheck(db.jdbi()).mismatches());
        }
    }
}
