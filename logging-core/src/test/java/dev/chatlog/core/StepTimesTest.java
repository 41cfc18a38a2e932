package dev.chatlog.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A step's times are read from two clocks (the wall clock for its start, the monotonic one for its duration), and so
 * are the turn's. Read in the wrong order, a pause between the two reads (a garbage collection, the thread descheduled)
 * makes the last step of a turn appear to end after the turn did — a waterfall wider than its turn (CI once failed
 * VoicePipelineTest that way).
 */
class StepTimesTest {

    @Test
    void should_never_show_a_step_ending_after_its_turn_when_the_jvm_pauses_between_the_clock_reads() throws Exception {
        InMemorySink sink = new InMemorySink();
        AtomicBoolean stop = new AtomicBoolean();
        Thread garbage = new Thread(() -> { // frequent young collections: each one pauses the turn's thread somewhere
            List<byte[]> keep = new ArrayList<>();
            while (!stop.get()) {
                keep.add(new byte[256 * 1024]);
                if (keep.size() > 64) keep.clear();
            }
        });
        garbage.setDaemon(true);
        garbage.start();
        int turns = 20_000;
        try (ChatLogger logger = ChatLogger.builder(sink).build()) {
            for (int i = 0; i < turns; i++) {
                try (MessageTurn turn = logger.beginMessage(null, "q")) {
                    try (StepScope tts = turn.stage("tts")) {
                        tts.output("spoken");
                    }
                }
                if (i % 1_000 == 999) assertTrue(logger.flush(Duration.ofSeconds(20)));
            }
            assertTrue(logger.flush(Duration.ofSeconds(20)));
        } finally {
            stop.set(true);
            garbage.join();
        }
        Map<String, LlmCall> stageByMessage = sink.calls.stream().collect(Collectors.toMap(LlmCall::messageId, c -> c));
        assertEquals(turns, sink.messages.size());
        List<String> wider = new ArrayList<>();
        for (ConversationMessage m : sink.messages) {
            LlmCall stage = stageByMessage.get(m.messageId());
            Instant turnEnd = m.timestamp().plusNanos((long) (m.responseTimeMs() * 1e6));
            Instant stageEnd = stage.startedAt().plusNanos((long) (stage.durationMs() * 1e6));
            if (stageEnd.isAfter(turnEnd.plusNanos(2_000))) { // the wall clock reads to the microsecond
                wider.add(Duration.between(turnEnd, stageEnd).toNanos() / 1000 + " µs");
            }
            assertTrue(!stage.startedAt().isBefore(m.timestamp()), "a step starts after its turn began");
        }
        assertTrue(wider.isEmpty(), wider.size() + " of " + turns + " turns end before their last step: " + wider.stream().limit(10).toList());
    }
}
