package dev.chatlog.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTest {

    private static LlmCall call(int i) {
        return LlmCall.builder().callId("c" + i).conversationId("conv-" + (i % 7)).messageId("m" + i).model("gpt-4o-mini")
                .inputTokens(10).outputTokens(i).inputText("prompt, with \"quotes\"\nand lines " + i).outputText("out " + i)
                .metadata(java.util.Map.of("k", i)).build();
    }

    private static Set<String> ids(InMemorySink sink) {
        synchronized (sink) {
            return sink.calls.stream().map(LlmCall::callId).collect(Collectors.toSet());
        }
    }

    private static Set<String> expected(int n) {
        return IntStream.range(0, n).mapToObj(i -> "c" + i).collect(Collectors.toSet());
    }

    @Test
    void should_keep_records_through_a_store_outage_and_write_them_when_it_returns(@TempDir Path dir) {
        InMemorySink sink = new InMemorySink();
        sink.failuresLeft = 6;
        try (ChatLogger logger = ChatLogger.builder(sink).spool(dir).maxBackoff(Duration.ofMillis(100)).build()) {
            for (int i = 0; i < 300; i++) logger.logCall(call(i));
            logger.logMessage(ConversationMessage.builder().conversationId("conv-1").messageId("msg").userInput("hi")
                    .sqlQueries(List.of(SqlQuery.succeeded("SELECT 1", 1.5, 1))).build());
            assertTrue(logger.flush(Duration.ofSeconds(30)), logger.stats().toString());
            assertEquals(expected(300), ids(sink));
            assertEquals(1, sink.messages.size());
            assertEquals("SELECT 1", sink.messages.get(0).sqlQueries().get(0).sql());
            LlmCall back = sink.calls.stream().filter(c -> c.callId().equals("c5")).findFirst().orElseThrow();
            assertEquals(call(5).inputText(), back.inputText());
            assertEquals(5, ((Number) back.metadata().get("k")).intValue());
            assertEquals(301, logger.stats().spooled());
            assertEquals(0, logger.stats().spoolPendingBytes());
        }
    }

    @Test
    void should_replay_what_an_unclean_stop_left_in_the_spool(@TempDir Path dir) {
        InMemorySink down = new InMemorySink();
        down.failuresLeft = Integer.MAX_VALUE;
        ChatLogger first = ChatLogger.builder(down).spool(dir).closeTimeout(Duration.ofMillis(300)).build();
        for (int i = 0; i < 500; i++) first.logCall(call(i));
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (first.stats().synced() < 500 && System.nanoTime() < deadline) Thread.onSpinWait();
        assertEquals(500, first.stats().synced());
        first.close(); // the store never came back: nothing lost, all still on disk
        assertEquals(0, first.stats().lost());
        assertTrue(first.stats().spoolPendingBytes() > 0);

        InMemorySink up = new InMemorySink();
        try (ChatLogger second = ChatLogger.builder(up).spool(dir).build()) {
            assertTrue(second.flush(Duration.ofSeconds(20)));
            long waitUntil = System.nanoTime() + 10_000_000_000L;
            while (ids(up).size() < 500 && System.nanoTime() < waitUntil) Thread.onSpinWait();
        }
        assertEquals(expected(500), ids(up));
    }

    @Test
    void should_cut_a_torn_tail_and_keep_every_whole_record(@TempDir Path dir) throws Exception {
        InMemorySink down = new InMemorySink();
        down.failuresLeft = Integer.MAX_VALUE;
        ChatLogger first = ChatLogger.builder(down).spool(dir).closeTimeout(Duration.ofMillis(200)).build();
        for (int i = 0; i < 50; i++) first.logCall(call(i));
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (first.stats().synced() < 50 && System.nanoTime() < deadline) Thread.onSpinWait();
        first.close();
        Path segment;
        try (Stream<Path> files = Files.list(dir)) {
            segment = files.filter(p -> p.getFileName().toString().startsWith("segment-")).sorted().reduce((a, b) -> b).orElseThrow();
        }
        // a crash in the middle of the next write: a length, a checksum and half a payload
        Files.write(segment, new byte[] {0, 0, 1, 0, 12, 34, 56, 78, 1, 2, 3}, StandardOpenOption.APPEND);
        InMemorySink up = new InMemorySink();
        try (ChatLogger second = ChatLogger.builder(up).spool(dir).build()) {
            for (int i = 50; i < 60; i++) second.logCall(call(i)); // appends after the cut
            assertTrue(second.flush(Duration.ofSeconds(20)));
            long waitUntil = System.nanoTime() + 10_000_000_000L;
            while (ids(up).size() < 60 && System.nanoTime() < waitUntil) Thread.onSpinWait();
            assertEquals(1, second.stats().corruptFrames());
        }
        assertEquals(expected(60), ids(up));
    }

    @Test
    void should_lose_and_count_past_the_disk_cap_without_blocking_the_caller(@TempDir Path dir) {
        InMemorySink down = new InMemorySink();
        down.failuresLeft = Integer.MAX_VALUE;
        try (ChatLogger logger = ChatLogger.builder(down).spool(dir).spoolMaxBytes(1 << 20).spoolSegmentBytes(1 << 16)
                .maxTextLength(4000).closeTimeout(Duration.ofMillis(200)).build()) {
            String big = "x".repeat(3500);
            long worst = 0;
            for (int i = 0; i < 600; i++) {
                long t = System.nanoTime();
                logger.logCall(call(i).toBuilder().inputText(big).build());
                worst = Math.max(worst, System.nanoTime() - t);
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (logger.stats().spooled() + logger.stats().spoolOverflow() < 600 && System.nanoTime() < deadline) Thread.onSpinWait();
            LoggerStats s = logger.stats();
            assertTrue(s.spoolOverflow() > 0, s.toString());
            assertTrue(s.spooled() > 100, "the spool filled up to its cap before refusing: " + s);
            assertEquals(600, s.spooled() + s.spoolOverflow());
            assertEquals(s.spoolOverflow(), s.lost());
            assertTrue(s.spoolPendingBytes() <= 1 << 20, s.toString());
            // blocking on the failing sink would mean waiting for it forever; far below 1 s is scheduling noise
            assertTrue(worst < 1_000_000_000L, "caller waited " + worst / 1_000_000 + " ms");
        }
    }

    @Test
    void should_refuse_a_spool_directory_another_logger_holds(@TempDir Path dir) {
        try (ChatLogger first = ChatLogger.builder(new InMemorySink()).spool(dir).build()) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> ChatLogger.builder(new InMemorySink()).spool(dir).build());
            assertTrue(e.getMessage().contains("in use"));
        }
    }
}
