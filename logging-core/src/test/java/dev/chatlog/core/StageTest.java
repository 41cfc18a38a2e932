package dev.chatlog.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class StageTest {

    @Test
    void should_put_a_stage_under_its_turn_on_any_thread_and_under_the_current_step_on_the_turns_thread() throws Exception {
        InMemorySink sink = new InMemorySink();
        String messageId;
        String agentId;
        ExecutorService callbacks = Executors.newSingleThreadExecutor(); // a speech service's callback thread: no turn there
        try (ChatLogger logger = ChatLogger.builder(sink).build()) {
            try (MessageTurn turn = logger.beginMessage("voice-1", "[audio]")) {
                messageId = turn.messageId();
                try (StepScope agent = logger.beginAgent("Answerer")) {
                    agentId = agent.callId();
                    try (StepScope render = turn.stage("render")) {
                        render.output("ok");
                    }
                }
                callbacks.submit(() -> {
                    try (StepScope tts = turn.stage("tts")) {
                        tts.output("spoken");
                    }
                }).get();
                turn.output("{}", "done");
            }
            assertTrue(logger.flush(Duration.ofSeconds(10)));
        } finally {
            callbacks.shutdownNow();
        }
        Map<String, LlmCall> stages = sink.calls.stream().filter(c -> c.callType() == CallType.STAGE)
                .collect(Collectors.toMap(LlmCall::functionName, c -> c));
        LlmCall render = stages.get("render");
        assertEquals(messageId, render.messageId());
        assertEquals(agentId, render.parentCallId(), "on the turn's thread, under the step current there");
        assertEquals("Answerer", render.agent());
        LlmCall tts = stages.get("tts");
        assertEquals(messageId, tts.messageId(), "on another thread, still the turn's");
        assertEquals("voice-1", tts.conversationId());
        assertNull(tts.parentCallId(), "under the turn itself");
        assertEquals(0, tts.inputTokens());
        assertNull(tts.costEstimate(), "a stage has no price of its own");
    }
}
