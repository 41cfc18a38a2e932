package dev.chatlog.core.internal;

import dev.chatlog.core.internal.spool.DiskSpool;
import dev.chatlog.core.internal.spool.SpoolFormat;

import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.InMemorySink;
import dev.chatlog.core.LlmCall;
import dev.chatlog.core.MessageTurn;
import dev.chatlog.core.TraceParent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the spool promises across versions and crashes, and what awaitDurable means. */
class DurabilityTest {

    private static void copyFixture(Path dir, String fixture) throws IOException {
        Files.createDirectories(dir);
        try (InputStream in = DurabilityTest.class.getResourceAsStream("/" + fixture + "/segment-000000000000.log")) {
            Files.copy(in, dir.resolve("segment-000000000000.log"));
        }
    }

    private static void await(InMemorySink sink, int calls, int messages) throws InterruptedException {
        long until = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < until) {
            synchronized (sink) {
                if (sink.calls.size() >= calls && sink.messages.size() >= messages) return;
            }
            Thread.sleep(10);
        }
    }

    /** spool-v0: the first format (no header, enums as ordinals); spool-v1: format 1 (no cache-write tokens), written by that code. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"spool-v0", "spool-v1"})
    void should_replay_a_spool_written_by_an_older_format_exactly(String fixture, @TempDir Path dir) throws Exception {
        copyFixture(dir, fixture);
        List<Object> expected = LegacySpool.records();
        InMemorySink sink = new InMemorySink();
        try (ChatLogger logger = ChatLogger.builder(sink).spool(dir).build()) {
            logger.logCall(LlmCall.builder().callId("after-upgrade").conversationId("c").messageId("m").model("gpt-4o")
                    .inputTokens(1).outputTokens(1).build());
            assertTrue(logger.flush(Duration.ofSeconds(20)), logger.stats().toString());
            await(sink, 6, 2);
        }
        List<Object> replayed = new ArrayList<>();
        synchronized (sink) {
            replayed.addAll(sink.calls.stream().filter(c -> c.callId().startsWith("legacy-")).toList());
            replayed.addAll(sink.messages);
        }
        assertEquals(expected, replayed); // every field, enums included, as the first format wrote them
        assertTrue(sink.calls.stream().anyMatch(c -> c.callId().equals("after-upgrade")));
        try (Stream<Path> files = Files.list(dir)) { // new records went to a segment of the current format
            Path current = files.filter(p -> p.getFileName().toString().startsWith("segment-")).sorted().reduce((a, b) -> b).orElseThrow();
            byte[] head = Files.readAllBytes(current);
            assertEquals(SpoolFormat.MAGIC, java.nio.ByteBuffer.wrap(head).getInt(0));
            assertEquals(DiskSpool.VERSION, java.nio.ByteBuffer.wrap(head).getInt(4));
        }
    }

    @Test
    void should_keep_every_field_of_a_call_through_the_current_format() {
        LlmCall call = LlmCall.builder().callId("v2").conversationId("c").messageId("m").provider("anthropic").model("claude-haiku-4-5")
                .inputTokens(5_100).outputTokens(50).cachedInputTokens(3_000).cacheWriteTokens(2_000).startedAt(java.time.Instant.EPOCH)
                .build();
        assertEquals(new PipelineRecord.Call(call), RecordCodec.decode(DiskSpool.VERSION, RecordCodec.encode(new PipelineRecord.Call(call))));
    }

    @Test
    void should_keep_every_call_type_and_a_retrieval_s_nested_metadata_through_the_current_format() {
        for (dev.chatlog.core.CallType type : dev.chatlog.core.CallType.values()) {
            LlmCall call = LlmCall.builder().callId("t-" + type.dbValue()).conversationId("c").messageId("m").callType(type)
                    .functionName("products").startedAt(java.time.Instant.EPOCH).metadata(java.util.Map.of("contents", 2,
                            "sources", java.util.List.of(java.util.Map.of("score", 0.83, "metadata", java.util.Map.of("product_id", "kettle-1")))))
                    .build();
            assertEquals(new PipelineRecord.Call(call), RecordCodec.decode(DiskSpool.VERSION, RecordCodec.encode(new PipelineRecord.Call(call))),
                    type.toString());
        }
    }

    @Test
    void should_keep_the_trace_and_arm_of_a_call_and_of_a_message_through_the_spool_and_read_older_formats_without_them() {
        TraceParent trace = TraceParent.newTrace().under("turn-1");
        LlmCall call = LlmCall.builder().callId("traced").conversationId("c").messageId("m").parentCallId("agent-1")
                .trace(trace).arm("checkout-model/cheap").startedAt(java.time.Instant.EPOCH).build();
        ConversationMessage message = ConversationMessage.builder().messageId("m").conversationId("c")
                .trace(TraceParent.newTrace()).arm("checkout-model/cheap").timestamp(java.time.Instant.EPOCH).build();
        PipelineRecord.Call c = new PipelineRecord.Call(call);
        PipelineRecord.Message m = new PipelineRecord.Message(message);
        assertEquals(c, RecordCodec.decode(DiskSpool.VERSION, RecordCodec.encode(c)));
        assertEquals(m, RecordCodec.decode(DiskSpool.VERSION, RecordCodec.encode(m)));
        assertEquals(5, DiskSpool.VERSION, "5: format 4 and the experiment arm");
        assertEquals(new PipelineRecord.Call(call.toBuilder().arm(null).build()), RecordCodec.decode(4, RecordCodec.encode(c)),
                "a call of format 4 is read as it was: no arm");
        assertEquals(new PipelineRecord.Message(message.toBuilder().arm(null).build()), RecordCodec.decode(4, RecordCodec.encode(m)));
        assertEquals(new PipelineRecord.Call(call.toBuilder().arm(null).build()), RecordCodec.decode(3, RecordCodec.encode(c)),
                "a call of format 3 is read as it was");
        dev.chatlog.core.score.Score score = new dev.chatlog.core.score.Score(dev.chatlog.core.score.Score.Target.MESSAGE, "m", "helpful",
                new java.math.BigDecimal("0.5"), null, dev.chatlog.core.score.Score.Source.LLM_JUDGE, "judge", "v2", "k", "a comment",
                java.time.Instant.ofEpochSecond(1_700_000_000L, 123));
        PipelineRecord.Scored sc = new PipelineRecord.Scored(score);
        assertEquals(sc, RecordCodec.decode(DiskSpool.VERSION, RecordCodec.encode(sc)), "a score round-trips");
        org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, () -> RecordCodec.decode(3, RecordCodec.encode(sc)),
                "format 3 has no scores");
        // a format-2 reader stops before the trace: what format 2 wrote is read as it was
        assertEquals(new PipelineRecord.Call(call.toBuilder().trace(null).arm(null).build()), RecordCodec.decode(2, RecordCodec.encode(c)));
        assertEquals(new PipelineRecord.Message(message.toBuilder().trace(null).arm(null).build()), RecordCodec.decode(2, RecordCodec.encode(m)));
    }

    @Test
    void should_refuse_a_spool_of_a_newer_format_instead_of_misreading_it(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir);
        Files.write(dir.resolve("segment-000000000000.log"),
                java.nio.ByteBuffer.allocate(8).putInt(SpoolFormat.MAGIC).putInt(DiskSpool.VERSION + 1).array());
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> ChatLogger.builder(new InMemorySink()).spool(dir).build());
        assertTrue(e.getMessage().contains("newer"), e.getMessage());
    }

    @Test
    void should_record_a_turn_left_open_by_a_stopped_process_as_incomplete_and_exactly_once(@TempDir Path dir) throws Exception {
        InMemorySink first = new InMemorySink();
        ChatLogger logger = ChatLogger.builder(first).spool(dir).checkpointLag(Duration.ZERO).build();
        String[] openId = new String[1];
        Thread request = new Thread(() -> { // a request thread that never gets to close its turn
            MessageTurn open = logger.beginMessage("conv-open", "what happened to my order?");
            openId[0] = open.messageId();
            logger.logCall(LlmCall.builder().callId("under-open").conversationId("conv-open").messageId(open.messageId())
                    .model("gpt-4o-mini").inputTokens(10).outputTokens(2).build());
        });
        request.start();
        request.join();
        try (MessageTurn closed = logger.beginMessage("conv-closed", "hello")) {
            closed.output("hi", "hi");
        }
        assertTrue(logger.flush(Duration.ofSeconds(20)));
        logger.close(); // the process ends with the first turn still open (as a crash would leave it)
        synchronized (first) {
            assertEquals(1, first.messages.size(), "only the closed turn has a message so far: " + first.messages);
        }

        InMemorySink second = new InMemorySink();
        try (ChatLogger next = ChatLogger.builder(second).spool(dir).build()) {
            await(second, 0, 1);
            assertTrue(next.flush(Duration.ofSeconds(20)));
        }
        synchronized (second) {
            assertEquals(1, second.messages.size(), second.messages.toString());
            ConversationMessage m = second.messages.get(0);
            assertEquals("conv-open", m.conversationId());
            assertEquals(openId[0], m.messageId());
            assertEquals("what happened to my order?", m.userInput());
            assertFalse(m.success());
            assertEquals(SpoolShipper.INCOMPLETE, m.errorMessage());
        }
        InMemorySink third = new InMemorySink(); // recovered once: a later start has nothing more to say
        try (ChatLogger again = ChatLogger.builder(third).spool(dir).build()) {
            assertTrue(again.flush(Duration.ofSeconds(20)));
            Thread.sleep(300);
        }
        assertEquals(0, third.messages.size());
    }

    private static String checkpoint(Path dir) throws IOException {
        Path cp = dir.resolve("checkpoint");
        return Files.exists(cp) ? Files.readAllLines(cp).get(0) : "none";
    }

    @Test
    void should_keep_the_checkpoint_behind_what_the_database_took_for_the_lag(@TempDir Path dir) throws Exception {
        InMemorySink sink = new InMemorySink();
        try (ChatLogger logger = ChatLogger.builder(sink).spool(dir).checkpointLag(Duration.ofMillis(1500)).build()) {
            long start = System.nanoTime() + 10_000_000_000L;
            while (checkpoint(dir).equals("none") && System.nanoTime() < start) Thread.sleep(10); // the start is checkpointed
            String before = checkpoint(dir);
            for (int i = 0; i < 20; i++) {
                logger.logCall(LlmCall.builder().callId("l" + i).conversationId("c").messageId("m").model("gpt-4o").inputTokens(1)
                        .outputTokens(1).build());
            }
            assertTrue(logger.flush(Duration.ofSeconds(10)));
            assertEquals(20, logger.stats().written());
            // in the database, but a power cut could still take the database's last second: the spool keeps them
            assertEquals(before, checkpoint(dir));
            long until = System.nanoTime() + 10_000_000_000L;
            while (checkpoint(dir).equals(before) && System.nanoTime() < until) Thread.sleep(50);
            assertTrue(!checkpoint(dir).equals(before), "the checkpoint moved once the lag had passed, with no more traffic");
        }
    }

    @Test
    void should_wait_for_the_spool_not_the_database_in_awaitDurable(@TempDir Path dir) throws Exception {
        InMemorySink sink = new InMemorySink();
        sink.gate = new CountDownLatch(1); // the database hangs
        ChatLogger logger = ChatLogger.builder(sink).spool(dir).closeTimeout(Duration.ofMillis(200)).build();
        for (int i = 0; i < 100; i++) {
            logger.logCall(LlmCall.builder().callId("d" + i).conversationId("c").messageId("m").model("gpt-4o").inputTokens(1)
                    .outputTokens(1).startedAt(Instant.now()).build());
        }
        assertTrue(logger.awaitDurable(Duration.ofSeconds(10)));
        assertEquals(100, logger.stats().spooled(), logger.stats().toString());
        assertEquals(0, logger.stats().written());
        assertTrue(logger.stats().spoolBacklogRecords() >= 99, logger.stats().toString());
        sink.gate.countDown();
        assertTrue(logger.flush(Duration.ofSeconds(10)));
        assertEquals(0, logger.stats().spoolBacklogRecords());
        logger.close();
    }

    @Test
    void should_answer_true_to_every_waiter_whose_records_were_kept(@TempDir Path dir) throws Exception {
        InMemorySink sink = new InMemorySink();
        try (ChatLogger logger = ChatLogger.builder(sink).spool(dir).build()) {
            int threads = 8, each = 4000;
            java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
            List<Thread> all = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                all.add(new Thread(() -> {
                    for (int i = 0; i < each; i++) {
                        logger.logCall(LlmCall.builder().callId("w" + id + "-" + i).conversationId("c" + id).messageId("m" + i)
                                .model("gpt-4o").inputTokens(1).outputTokens(1).build());
                        if (!logger.awaitDurable(Duration.ofSeconds(10))) refused.incrementAndGet();
                    }
                }));
            }
            all.forEach(Thread::start);
            for (Thread t : all) t.join();
            assertEquals(0, refused.get(), "waiters told their records were not kept: " + logger.stats());
            assertEquals(threads * each, logger.stats().spooled());
        }
    }

    @Test
    void should_wait_for_the_store_in_awaitDurable_without_a_spool() throws Exception {
        InMemorySink sink = new InMemorySink();
        sink.gate = new CountDownLatch(1);
        try (ChatLogger logger = ChatLogger.builder(sink).closeTimeout(Duration.ofMillis(200)).build()) {
            logger.logCall(LlmCall.builder().callId("m1").conversationId("c").messageId("m").model("gpt-4o").inputTokens(1)
                    .outputTokens(1).build());
            assertFalse(logger.awaitDurable(Duration.ofMillis(300)), "the store has not taken it yet");
            sink.gate.countDown();
            assertTrue(logger.awaitDurable(Duration.ofSeconds(10)));
            assertEquals(1, logger.stats().written());
        }
    }

    @Test
    void should_count_the_backlog_an_earlier_run_left_in_the_spool(@TempDir Path dir) throws Exception {
        InMemorySink down = new InMemorySink();
        down.failuresLeft = Integer.MAX_VALUE;
        ChatLogger first = ChatLogger.builder(down).spool(dir).closeTimeout(Duration.ofMillis(200)).build();
        for (int i = 0; i < 40; i++) {
            first.logCall(LlmCall.builder().callId("b" + i).conversationId("c").messageId("m").model("gpt-4o").inputTokens(1)
                    .outputTokens(1).build());
        }
        assertTrue(first.awaitDurable(Duration.ofSeconds(10)));
        first.close();
        InMemorySink blocked = new InMemorySink();
        blocked.gate = new CountDownLatch(1);
        ChatLogger second = ChatLogger.builder(blocked).spool(dir).closeTimeout(Duration.ofMillis(200)).build();
        assertEquals(40, second.stats().spoolBacklogRecords());
        Thread.sleep(1100);
        assertTrue(second.stats().backlogMillis() >= 1000, second.stats().toString()); // waiting since the first run
        blocked.gate.countDown();
        assertTrue(second.flush(Duration.ofSeconds(10)));
        assertEquals(0, second.stats().spoolBacklogRecords());
        assertEquals(0, second.stats().backlogMillis());
        second.close();
    }

    @Test
    void should_fail_a_turn_whose_record_was_dropped_at_a_full_queue_though_its_barrier_got_a_slot_later() throws Exception {
        InMemorySink sink = new InMemorySink();
        sink.gate = new CountDownLatch(1); // the writer is stuck in its first write (a batch of one): the queue fills behind it
        try (ChatLogger logger = ChatLogger.builder(sink).queueCapacity(2).batchSize(1).closeTimeout(Duration.ofMillis(200)).build();
             MessageTurn first = logger.beginMessage("c1", "hello")) {
            for (int i = 0; i < 6; i++) {
                logger.logCall(LlmCall.builder().callId("q" + i).conversationId("c1").messageId(first.messageId()).model("gpt-4o")
                        .inputTokens(1).outputTokens(1).build());
            }
            assertTrue(logger.stats().dropped() > 0, logger.stats().toString());
            new Thread(() -> { sleep(300); sink.gate.countDown(); }).start(); // the queue drains while the turn waits for a slot
            assertFalse(first.awaitDurable(Duration.ofSeconds(10)), "some of the turn's records were dropped");
            try (MessageTurn second = logger.beginMessage("c2", "again")) { // nothing dropped since it began
                logger.logCall(LlmCall.builder().callId("ok").conversationId("c2").messageId(second.messageId()).model("gpt-4o")
                        .inputTokens(1).outputTokens(1).build());
                assertTrue(second.awaitDurable(Duration.ofSeconds(10)), logger.stats().toString());
            }
        } finally {
            sink.gate.countDown();
        }
    }

    @Test
    void should_fail_a_turn_whose_record_was_lost_in_an_earlier_drain_than_its_barrier(@TempDir Path dir) throws Exception {
        try (ChatLogger logger = ChatLogger.builder(new InMemorySink()).spool(dir).build();
             MessageTurn turn = logger.beginMessage("c", "hello")) {
            logger.logCall(() -> { throw new IllegalStateException("the call could not be rendered"); });
            long until = System.nanoTime() + 10_000_000_000L;
            while (logger.stats().resolveFailures() == 0 && System.nanoTime() < until) Thread.sleep(5); // drained and refused on its own
            assertEquals(1, logger.stats().resolveFailures());
            assertFalse(turn.awaitDurable(Duration.ofSeconds(10)), "the turn's call was lost before the barrier's drain");
            try (MessageTurn next = logger.beginMessage("c", "next")) {
                assertTrue(next.awaitDurable(Duration.ofSeconds(10)));
            }
        }
    }

    @Test
    void should_refuse_only_the_record_whose_conversion_overflows_the_stack_and_fail_its_turn(@TempDir Path dir) throws Exception {
        InMemorySink sink = new InMemorySink();
        sink.gate = new CountDownLatch(1); // nothing ships yet: the bad and the good record are spooled in one drain
        try (ChatLogger logger = ChatLogger.builder(sink).spool(dir).closeTimeout(Duration.ofMillis(500)).build();
             MessageTurn turn = logger.beginMessage("c", "hello")) {
            logger.logCall(() -> { throw new StackOverflowError("a runaway pattern"); });
            logger.logCall(LlmCall.builder().callId("good").conversationId("c").messageId(turn.messageId()).model("gpt-4o")
                    .inputTokens(1).outputTokens(1).build());
            assertFalse(turn.awaitDurable(Duration.ofSeconds(10)), "one of the turn's records could not be kept");
            assertEquals(1, logger.stats().resolveFailures(), logger.stats().toString());
            sink.gate.countDown();
            assertTrue(logger.flush(Duration.ofSeconds(10)));
            assertEquals(List.of("good"), sink.calls.stream().map(LlmCall::callId).toList(), "the other records of the batch are kept");
        } finally {
            sink.gate.countDown();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
    @Test
    void should_say_once_that_records_are_held_in_the_spool_while_the_database_is_down_and_once_that_it_is_back(@TempDir Path dir)
            throws Exception {
        InMemorySink sink = new InMemorySink();
        sink.failuresLeft = 6;
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try (ChatLogger logger = ChatLogger.builder(sink).spool(dir).maxBackoff(Duration.ofMillis(100)).build()) {
            for (int i = 0; i < 5; i++) {
                logger.logCall(LlmCall.builder().callId("outage-said-" + i).model("gpt-4o-mini").inputTokens(1).outputTokens(1).build());
            }
            assertTrue(logger.flush(Duration.ofSeconds(20)));
        } finally {
            System.setErr(err);
        }
        String log = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        System.out.println(log);
        assertEquals(1, log.split("records are held in the spool, on disk", -1).length - 1, "said once:\n" + log);
        assertTrue(log.contains("the database is unreachable (java.io.IOException: database unavailable)"), log);
        assertEquals(1, log.split("the database is reachable again", -1).length - 1, log);
        assertEquals(5, sink.calls.size());
    }
}
