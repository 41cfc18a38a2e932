package dev.chatlog.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.chatlog.core.LoggerSettings;
import dev.chatlog.core.SpoolSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The environment mapped onto the libraries' settings records: their defaults, their checks, the variable named. */
class ServerConfigTest {
    @Test
    void should_take_the_libraries_defaults_and_map_each_variable() {
        ServerConfig d = ServerConfig.from(Map.of());
        assertEquals(LoggerSettings.defaults().withTurnSummaries(true), d.logger());
        assertEquals(SpoolSettings.in(Path.of("data", "spool")), d.spool());
        ServerConfig c = ServerConfig.from(Map.of("CHATLOG_QUEUE_CAPACITY", "16", "CHATLOG_MASKING", "off", "CHATLOG_SPOOL_DIR", "/tmp/s",
                "CHATLOG_SPOOL_MAX_MB", "2", "CHATLOG_FSYNC_EVERY", "7", "CHATLOG_FSYNC_INTERVAL_MS", "9", "CHATLOG_CHECKPOINT_LAG_MS", "0",
                "CHATLOG_TURN_SUMMARY", "off", "CHATLOG_RETENTION_DAYS", "0"));
        assertEquals(16, c.logger().queueCapacity());
        assertEquals(false, c.logger().masking());
        assertEquals(false, c.logger().turnSummaries());
        assertEquals(new SpoolSettings(Path.of("/tmp/s"), 2L << 20, 64L << 20, 7, Duration.ofMillis(9), Duration.ZERO), c.spool());
        assertEquals(0, c.housekeeping().contentRetentionDays(), "kept forever: nothing cleared");
        assertNull(ServerConfig.from(Map.of("CHATLOG_SPOOL_DIR", "none")).spool());
        assertEquals(true, ServerConfig.from(Map.of("CHATLOG_MASKING", "false")).logger().masking(), "only off turns masking off");
        var targets = ServerConfig.from(Map.of("CHATLOG_STAGE_TARGETS", "stt=2s, retrieval=3s,tts=1500ms,turn=7.5s")).stageTargets();
        assertEquals(java.time.Duration.ofSeconds(2), targets.of("stage", "stt"));
        assertEquals(java.time.Duration.ofSeconds(3), targets.of("retrieval", "products"), "a kind's target for its unnamed steps");
        assertEquals(java.time.Duration.ofMillis(1500), targets.of("stage", "tts"));
        assertEquals(java.time.Duration.ofMillis(7500), targets.turn());
        assertNull(targets.of("guardrail", "NoOverrides"));
        var caches = ServerConfig.from(Map.of("CHATLOG_CACHE_TARGETS", "responses=40%, audio=60")).cacheTargets();
        assertEquals(0, new java.math.BigDecimal("40").compareTo(caches.of("responses")));
        assertEquals(0, new java.math.BigDecimal("60").compareTo(caches.of("audio")));
    }

    @Test
    void should_refuse_a_bad_value_naming_the_variable() {
        for (String[] bad : new String[][] {{"CHATLOG_BATCH_SIZE", "0"}, {"CHATLOG_QUEUE_CAPACITY", "0"}, {"CHATLOG_MAX_TEXT_LENGTH", "3"},
                {"CHATLOG_MASK_PATTERNS", "[\"(open\"]"}, {"CHATLOG_FSYNC_EVERY", "0"}, {"CHATLOG_SPOOL_MAX_MB", "0"},
                {"CHATLOG_PRICE_DISCOUNTS", "openai=20%"}, {"CHATLOG_PRICES", "gpt=abc"}, {"CHATLOG_PRICES_FILE", "/nonexistent.json"},
                {"CHATLOG_CONTENT_RETENTION_DAYS", "40"}, {"CHATLOG_RETENTION_DAYS", "-1"}, {"CHATLOG_STAGE_TARGETS", "stt=fast"},
                {"CHATLOG_STAGE_TARGETS", "stt"}, {"CHATLOG_STAGE_TARGETS", "stt=0s"}, {"CHATLOG_STAGE_TARGETS", "s t=2s"}, {"CHATLOG_STAGE_TARGETS", "stage:stt=2s"},
                {"CHATLOG_CACHE_TARGETS", "responses=lots"}, {"CHATLOG_CACHE_TARGETS", "responses=140%"}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServerConfig.from(Map.of(bad[0], bad[1])));
            assertEquals(bad[0] + ": ", e.getMessage().substring(0, Math.min(e.getMessage().length(), bad[0].length() + 2)), e.getMessage());
        }
    }
}
