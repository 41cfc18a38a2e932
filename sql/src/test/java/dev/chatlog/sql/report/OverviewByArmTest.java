package dev.chatlog.sql.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.core.CallType;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.LlmCall;
import dev.chatlog.core.TokenSource;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.chatlog.sql.TestDatabase;
import dev.chatlog.sql.query.Filter;
import dev.chatlog.sql.query.Window;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The overview's {@code by_arm} under another filter: with no row of the window in an arm it is the filtered totals
 * (read from the rollups, not the calls), and once rows are in arms it counts them by arm.
 */
class OverviewByArmTest {

    private static void log(ChatLogger logger, String model, String arm, int n) {
        for (int i = 0; i < n; i++) {
            logger.logCall(LlmCall.builder().callId(UUID.randomUUID().toString()).callType(CallType.CHAT).conversationId("c-" + UUID.randomUUID())
                    .model(model).inputTokens(100).outputTokens(10).tokenSource(TokenSource.PROVIDER).startedAt(Instant.now().minus(Duration.ofMinutes(30)))
                    .durationMs(100).success(true).arm(arm).build());
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Long> byArm(Reports reports, String model) {
        Map<String, Object> o = reports.overview(Window.lastHours(720, Instant.now()), new Filter(model, null, null, null, null, null, null), Instant.now());
        Map<String, Long> out = new TreeMap<>();
        for (Map<String, Object> g : (List<Map<String, Object>>) o.get("by_arm")) out.put(String.valueOf(g.get("arm")), ((Number) g.get("llm_calls")).longValue());
        assertEquals(((Number) ((Map<String, Object>) o.get("totals")).get("llm_calls")).longValue(), out.values().stream().mapToLong(Long::longValue).sum());
        return out;
    }

    @Test
    void should_count_by_arm_under_a_model_filter_with_and_without_arms_in_the_window() {
        try (Database db = TestDatabase.freshDatabase(); ChatLogger logger = ChatLogger.builder(new JdbcChatLogStore(db.jdbi())).build()) {
            log(logger, "model-a", null, 20);
            log(logger, "model-b", null, 10);
            assertTrue(logger.flush(Duration.ofSeconds(20)));
            Reports reports = new Reports(db.jdbi());
            assertEquals(false, db.jdbi().withHandle(h -> OverviewReport.armedRows(h, Window.lastHours(720, Instant.now()))));
            assertEquals(Map.of("null", 20L), byArm(reports, "model-a"));
            log(logger, "model-a", "exp/cheap", 5);
            log(logger, "model-b", "exp/control", 3);
            assertTrue(logger.flush(Duration.ofSeconds(20)));
            assertEquals(true, db.jdbi().withHandle(h -> OverviewReport.armedRows(h, Window.lastHours(720, Instant.now()))));
            assertEquals(Map.of("null", 20L, "exp/cheap", 5L), byArm(reports, "model-a"));
            assertEquals(Map.of("null", 10L, "exp/control", 3L), byArm(reports, "model-b"));
        }
    }
}
