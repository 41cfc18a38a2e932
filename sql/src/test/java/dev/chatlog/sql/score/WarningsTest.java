package dev.chatlog.sql.score;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.chatlog.core.Batch;
import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.score.Score;
import dev.chatlog.core.score.ScoreDefinition;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.chatlog.sql.TestDatabase;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The warnings list finds what the rule finds, however many turns of the window do not warn. */
class WarningsTest {
    @Test
    void should_list_the_few_low_scored_turns_among_many_well_scored_and_fast_token_heavy_ones() throws Exception {
        try (Database db = TestDatabase.freshDatabase()) {
            new ScoreDefinitions(db.jdbi(), Clock.systemUTC()).put(new ScoreDefinition("helpfulness", ScoreDefinition.Type.NUMERIC,
                    BigDecimal.ONE, BigDecimal.valueOf(5), null, null));
            Instant now = Instant.now();
            List<ConversationMessage> messages = new ArrayList<>();
            for (int i = 0; i < 610; i++) { // 10 old turns rated 1, then 600 newer rated 5 and heavy on tokens
                messages.add(ConversationMessage.builder().conversationId("w-" + i).messageId("wm-" + i).userInput("q " + i).finalOutput("a")
                        .success(true).responseTimeMs(i < 10 ? 25_000 : 800).timestamp(now.minusSeconds(3_000 - i)).build());
            }
            new JdbcChatLogStore(db.jdbi()).write(new Batch(List.of(), messages));
            db.jdbi().useHandle(h -> {
                for (int i = 0; i < 610; i++) {
                    ScoreRows.upsert(h, new Score(Score.Target.MESSAGE, "wm-" + i, "helpfulness", BigDecimal.valueOf(i < 10 ? 1 : 5), null,
                            Score.Source.LLM_JUDGE, "judge", "v1", "v1", null, now), now);
                }
            });
            List<Map<String, Object>> concerns = db.jdbi().withHandle(h -> Warnings.list(h, now.minusSeconds(7_200), now.plusSeconds(1),
                    "quality_concern", Warnings.Limits.SEED, 100));
            assertEquals(10, concerns.size(), "the ten turns rated 1");
            List<Map<String, Object>> slow = db.jdbi().withHandle(h -> Warnings.list(h, now.minusSeconds(7_200), now.plusSeconds(1),
                    "slow_execution", Warnings.Limits.SEED, 5));
            assertEquals(5, slow.size(), "the newest five of the ten slow turns");
            assertEquals("wm-9", slow.get(0).get("message_id"));
        }
    }
}
