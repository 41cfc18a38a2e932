package dev.chatlog.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.LlmCall;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RetentionTest {

    @Test
    void should_delete_old_rows_and_clear_older_texts_in_batches_keeping_rollups() {
        try (Database db = TestDatabase.freshDatabase()) {
            Instant now = Instant.parse("2026-11-23T12:00:00Z");
            try (ChatLogger logger = ChatLogger.builder(new JdbcChatLogStore(db.jdbi())).build()) {
                for (int age : new int[] {40, 20, 1}) {
                    for (int i = 0; i < 1500; i++) { // more than one batch per band
                        Instant t = now.minus(Duration.ofDays(age)).plusSeconds(i);
                        String conv = "age" + age + "-" + (i % 5);
                        logger.logCall(LlmCall.builder().callId(age + "-" + i).conversationId(conv).messageId(conv + "-m" + i)
                                .model("gpt-4o").inputTokens(10).outputTokens(5).inputText("secret prompt").outputText("answer")
                                .startedAt(t).build());
                        if (i % 10 == 0) {
                            logger.logMessage(ConversationMessage.builder().conversationId(conv).messageId(conv + "-m" + i)
                                    .userInput("question").finalOutput("{}").conversationMessage("answer").timestamp(t).build());
                        }
                    }
                }
                logger.flush(Duration.ofSeconds(60));
            }
            long rollupCalls = db.jdbi().withHandle(h -> h.createQuery(
                    "SELECT SUM(llm_calls) FROM chatbot_usage_rollup WHERE granularity = 'd' AND dimension = 'all'").mapTo(Long.class).one());

            Retention.Result r = new Retention(db.jdbi()).purge(now, 30, 10);

            assertEquals(1500, r.callsDeleted());
            assertEquals(150, r.messagesDeleted());
            assertEquals(5, r.summariesDeleted());
            assertEquals(1500, r.callTextsCleared());
            assertEquals(150, r.messageTextsCleared());
            Map<String, Object> left = db.jdbi().withHandle(h -> h.createQuery("""
                    SELECT (SELECT COUNT(*) FROM chatbot_llm_calls WHERE call_id LIKE '40-%') AS old_calls,
                           (SELECT COUNT(*) FROM chatbot_llm_calls WHERE call_id LIKE '20-%' AND input_text IS NULL AND output_text IS NULL) AS cleared,
                           (SELECT COUNT(*) FROM chatbot_llm_calls WHERE call_id LIKE '1-%' AND input_text = 'secret prompt') AS fresh,
                           (SELECT COUNT(*) FROM chatbot_conversation_summary WHERE conversation_id LIKE 'age40-%') AS old_summaries,
                           (SELECT SUM(total_tokens) FROM chatbot_llm_calls WHERE call_id LIKE '20-%') AS kept_tokens""")
                    .mapToMap().one());
            assertEquals(0L, ((Number) left.get("old_calls")).longValue());
            assertEquals(1500L, ((Number) left.get("cleared")).longValue());
            assertEquals(1500L, ((Number) left.get("fresh")).longValue());
            assertEquals(0L, ((Number) left.get("old_summaries")).longValue());
            assertEquals(1500L * 15, ((Number) left.get("kept_tokens")).longValue());
            assertNull(db.jdbi().withHandle(h -> h.createQuery(
                    "SELECT conversation_message FROM chatbot_conversation_messages WHERE conversation_id LIKE 'age20-%' LIMIT 1")
                    .mapTo(String.class).one()));
            long rollupAfter = db.jdbi().withHandle(h -> h.createQuery(
                    "SELECT SUM(llm_calls) FROM chatbot_usage_rollup WHERE granularity = 'd' AND dimension = 'all'").mapTo(Long.class).one());
            assertEquals(rollupCalls, rollupAfter, "rollups keep the history");
            assertEquals(4500, rollupAfter);
            Retention.Result again = new Retention(db.jdbi()).purge(now, 30, 10);
            assertEquals(new Retention.Result(0, 0, 0, 0, 0), again);
            assertThrows(IllegalArgumentException.class, () -> new Retention(db.jdbi()).purge(now, 10, 30));
            assertTrue(true);
        }
    }
}
