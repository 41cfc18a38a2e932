package dev.chatlog.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The logger's and the spool's settings: defaults written once, a bad value refused naming its field. */
class SettingsTest {
    @Test
    void should_refuse_a_bad_value_naming_its_field() {
        LoggerSettings d = LoggerSettings.defaults();
        assertEquals(65_536, d.queueCapacity());
        assertEquals(d, d.validate());
        assertEquals("queueCapacity", field(() -> d.withQueueCapacity(0).validate()));
        assertEquals("batchSize", field(() -> d.withBatchSize(50_001).validate()));
        assertEquals("maxTextLength", field(() -> d.withMaxTextLength(15).validate()));
        assertEquals("closeTimeout", field(() -> d.withCloseTimeout(Duration.ofSeconds(-1)).validate()));
        assertEquals("maskPatterns", field(() -> d.withMasking(true, List.of("(unclosed")).validate()));
        InvalidDefinitionException e = assertThrows(InvalidDefinitionException.class, () -> d.withBatchSize(0).validate());
        assertEquals("batchSize must be from 1 to 50000, got 0", e.getMessage());

        SpoolSettings s = SpoolSettings.in(Path.of("spool"));
        assertEquals(s, s.validate());
        assertEquals("maxBytes", field(() -> s.withMaxBytes(1000).validate()));
        assertEquals("fsyncEvery", field(() -> s.withFsync(0, Duration.ofMillis(200)).validate()));
        assertEquals("fsyncInterval", field(() -> s.withFsync(100, Duration.ZERO).validate()));
        assertEquals("checkpointLag", field(() -> s.withCheckpointLag(Duration.ofMillis(-1)).validate()));
    }

    @Test
    void should_build_no_logger_from_bad_settings(@TempDir Path dir) {
        ChatLogSink sink = new InMemorySink();
        assertEquals("queueCapacity", field(() -> ChatLogger.builder(sink).queueCapacity(0).build()));
        assertEquals("fsyncEvery", field(() -> ChatLogger.builder(sink).spool(dir).fsyncEvery(0).build()));
        assertEquals("fsyncEvery", field(() -> ChatLogger.builder(sink).fsyncEvery(0).spool(dir).build()), "set before the spool: still checked");
    }

    private static String field(Runnable r) {
        return assertThrows(InvalidDefinitionException.class, r::run).field();
    }
}
