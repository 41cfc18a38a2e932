package dev.chatlog.core;

import dev.chatlog.core.text.Masker;
import dev.chatlog.core.token.TokenCounter;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class ChatLoggerTest {

    private static LlmCall call(String id) {
        return LlmCall.builder().callId(id).model("gpt-4o-mini").inputTokens(10).outputTokens(5).build();
    }

    @Test
    void should_drop_and_count_without_blocking_when_the_queue_is_full() {
        InMemorySink sink = new InMemorySink();
        sink.gate = new CountDownLatch(1); // the writer is stuck in the sink
        try (ChatLogger logger = ChatLogger.builder(sink).queueCapacity(10).batchSize(5).build()) {
            long start = System.nanoTime();
            for (int i = 0; i < 100; i++) {
                logger.logCall(call("c" + i));
            }
            long elapsedMs = (System.nanoTime() - start) / 1_000_000;
            LoggerStats s = logger.stats();
            // at most queue capacity + one batch in the writer's hands are taken; the rest are dropped, not waited for
            assertTrue(s.accepted() <= 15, s.toString());
            assertEquals(100, s.accepted() + s.dropped(), s.toString());
            assertTrue(elapsedMs < 5_000, "caller waited " + elapsedMs + " ms");
            sink.gate.countDown();
            assertTrue(logger.flush(Duration.ofSeconds(10)));
            assertEquals(s.accepted(), sink.calls.size());
            assertEquals(s.accepted(), logger.stats().written());
        }
    }

    @Test
    void should_write_after_recovery_when_the_sink_fails_for_a_while() {
        InMemorySink sink = new InMemorySink();
        sink.failuresLeft = 4;
        try (ChatLogger logger = ChatLogger.builder(sink).maxBackoff(Duration.ofMillis(100)).build()) {
            for (int i = 0; i < 50; i++) {
                logger.logCall(call("c" + i));
            }
            assertTrue(logger.flush(Duration.ofSeconds(20)));
            LoggerStats s = logger.stats();
            assertEquals(50, s.written());
            assertEquals(4, s.failedWrites());
            assertEquals(0, s.dropped());
            assertEquals(50, sink.calls.size());
        }
    }

    @Test
    void should_reject_only_the_bad_record_when_the_sink_refuses_one() {
        InMemorySink sink = new InMemorySink();
        sink.poison = c -> c.callId().equals("bad");
        try (ChatLogger logger = ChatLogger.builder(sink).build()) {
            logger.logCall(call("a"));
            logger.logCall(call("bad"));
            logger.logCall(call("b"));
            assertTrue(logger.flush(Duration.ofSeconds(10)));
            assertEquals(1, logger.stats().rejected());
            assertEquals(2, logger.stats().written());
            assertEquals(2, sink.calls.size());
        }
    }

    @Test
    void should_count_a_deferred_record_that_throws_and_keep_writing() {
        InMemorySink sink = new InMemorySink();
        try (ChatLogger logger = ChatLogger.builder(sink).build()) {
            logger.logCall(() -> { throw new IllegalStateException("listener bug"); });
            logger.logCall(() -> call("ok"));
            assertTrue(logger.flush(Duration.ofSeconds(10)));
            assertEquals(1, logger.stats().resolveFailures());
            assertEquals(1, sink.calls.size());
        }
    }

    @Test
    void should_write_everything_queued_when_closed() {
        InMemorySink sink = new InMemorySink();
        ChatLogger logger = ChatLogger.builder(sink).flushInterval(Duration.ofSeconds(5)).build();
        for (int i = 0; i < 1000; i++) {
            logger.logCall(call("c" + i));
        }
        logger.close();
        logger.close(); // idempotent
        assertEquals(1000, sink.calls.size());
        logger.logCall(call("late"));
        assertEquals(1, logger.stats().dropped());
    }

    @Test
    void should_estimate_tokens_and_mark_unpriced_on_the_writer_side() {
        InMemorySink sink = new InMemorySink();
        try (ChatLogger logger = ChatLogger.builder(sink).maxTextLength(40).build()) {
            logger.logCall(LlmCall.builder().callId("x").model("no-such-model")
                    .inputText("tiktoken is great! ".repeat(10)).outputText("ok").build());
            logger.logCall(LlmCall.builder().callId("y").model("gpt-4o").inputTokens(100).outputTokens(10).build());
            assertTrue(logger.flush(Duration.ofSeconds(10)));
        }
        LlmCall x = sink.calls.stream().filter(c -> c.callId().equals("x")).findFirst().orElseThrow();
        assertEquals(TokenSource.ESTIMATED, x.tokenSource());
        assertTrue(x.inputTokens() > 20, "estimated from the full text, before truncation: " + x.inputTokens());
        assertEquals(40, x.inputText().length());
        assertFalse(x.priced());
        assertNull(x.costEstimate());
        LlmCall y = sink.calls.stream().filter(c -> c.callId().equals("y")).findFirst().orElseThrow();
        assertEquals(TokenSource.PROVIDER, y.tokenSource());
        assertTrue(y.priced());
    }

    @Test
    void should_attribute_calls_to_the_open_turn_and_log_the_message_on_close() {
        InMemorySink sink = new InMemorySink();
        try (ChatLogger logger = ChatLogger.builder(sink).build()) {
            String conversation;
            try (MessageTurn turn = logger.beginMessage(null, "hello").user("u1").chatMode("simple")) {
                conversation = turn.conversationId();
                ChatContext ctx = ChatContext.current();
                assertEquals(turn.messageId(), ctx.messageId());
                assertEquals("u1", ctx.userId());
                try (var s = turn.function("classify_intent")) {
                    assertEquals("classify_intent", ChatContext.current().functionName());
                    assertEquals(1, ChatContext.current().nextSequence());
                }
                assertNull(ChatContext.current().functionName());
                assertEquals(2, ChatContext.current().nextSequence());
                turn.intent("greeting").output("{}", "hi");
            }
            assertNull(ChatContext.current().conversationId());
            assertTrue(logger.flush(Duration.ofSeconds(10)));
            ConversationMessage m = sink.messages.get(0);
            assertEquals(conversation, m.conversationId());
            assertEquals("greeting", m.intent());
            assertEquals("u1", m.userId());
            assertTrue(m.responseTimeMs() >= 0);
        }
    }

    @Test
    void should_apply_extra_patterns_and_mask_before_storing_with_tokens_counted_on_the_real_text() {
        Masker custom = Masker.defaults(List.of("EMP-\\d{6}"));
        assertEquals("employee [REDACTED]", custom.mask("employee EMP-123456"));
        assertEquals("sk-AbCdEfGhIjKlMnOpQrStUv123456", Masker.NONE.mask("sk-AbCdEfGhIjKlMnOpQrStUv123456"));

        InMemorySink sink = new InMemorySink();
        String prompt = "my card is 4111 1111 1111 1111 and mail bob@example.com";
        try (ChatLogger logger = ChatLogger.builder(sink).build()) {
            logger.logCall(LlmCall.builder().callId("m1").model("gpt-4o").inputText(prompt).outputText("ok").build());
            logger.logMessage(ConversationMessage.builder().conversationId("c").messageId("mm").userInput(prompt)
                    .sqlQueries(List.of(SqlQuery.succeeded("SELECT * FROM customers WHERE email = 'bob@example.com'", 1, 1))).build());
            assertTrue(logger.flush(Duration.ofSeconds(10)));
        }
        LlmCall stored = sink.calls.get(0);
        assertEquals("my card is [CARD] and mail [EMAIL]", stored.inputText());
        assertEquals(TokenCounter.shared().countText("gpt-4o", prompt), stored.inputTokens());
        ConversationMessage m = sink.messages.get(0);
        assertFalse(m.userInput().contains("4111"));
        assertEquals("SELECT * FROM customers WHERE email = '[EMAIL]'", m.sqlQueries().get(0).sql());
    }
}
