package dev.chatlog.sql.erasure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.core.Batch;
import dev.chatlog.core.CallType;
import dev.chatlog.core.ChatLogSink;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.LlmCall;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.chatlog.sql.TestDatabase;
import dev.chatlog.sql.rollup.ConsistencyCheck;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Erasure of a conversation and of a user, on the real store: nothing of them left, everything derived still exact. */
class ErasureTest {
    private Database db;
    private Jdbi jdbi;

    @BeforeEach
    void open() {
        db = TestDatabase.freshDatabase();
        jdbi = db.jdbi();
    }

    @AfterEach
    void close() {
        db.close();
    }

    /**
     * A turn of {@code user} in {@code conv}: an agent, two model calls (one streamed, one failed, one unpriced), a tool; the
     * turns m1, m3 and m5 in the experiment arm exp/b, the others in none.
     */
    private static Batch turn(String conv, String user, String message, Instant at, String intent) {
        String arm = List.of("m1", "m3", "m5").contains(message) ? "exp/b" : null;
        Batch b = rawTurn(conv, user, message, at, intent);
        return new Batch(b.calls().stream().map(c -> c.toBuilder().arm(arm).build()).toList(),
                b.messages().stream().map(m -> m.toBuilder().arm(arm).build()).toList());
    }

    private static Batch rawTurn(String conv, String user, String message, Instant at, String intent) {
        LlmCall agent = LlmCall.builder().callId(message + "-a").conversationId(conv).messageId(message).userId(user)
                .callType(CallType.AGENT).agent("Desk").startedAt(at).durationMs(900).build();
        return new Batch(List.of(agent,
                LlmCall.builder().callId(message + "-1").conversationId(conv).messageId(message).userId(user).parentCallId(message + "-a")
                        .agent("Desk").functionName("answer").chatMode("agent").model("gpt-4o-mini").inputTokens(1_000).outputTokens(200)
                        .costEstimate(new BigDecimal("0.00027")).priced(true).timeToFirstTokenMs(180L).startedAt(at.plusMillis(5))
                        .durationMs(420).build(),
                LlmCall.builder().callId(message + "-2").conversationId(conv).messageId(message).userId(user).parentCallId(message + "-a")
                        .agent("Desk").functionName("answer").chatMode("agent").model("mystery-x").inputTokens(50).outputTokens(0)
                        .priced(false).success(false).errorType("RateLimit").startedAt(at.plusMillis(9)).durationMs(1_250).build(),
                LlmCall.builder().callId(message + "-t").conversationId(conv).messageId(message).userId(user).parentCallId(message + "-a")
                        .callType(CallType.TOOL).agent("Desk").functionName("lookup_order").inputTokens(0).outputTokens(0)
                        .startedAt(at.plusMillis(7)).durationMs(33).build()),
                List.of(ConversationMessage.builder().conversationId(conv).messageId(message).userId(user).userInput("my address is 1 Main St")
                        .finalOutput("{}").conversationMessage("noted").chatMode("agent").intent(intent).timestamp(at.plusMillis(20))
                        .responseTimeMs(1_300).success(true).build()));
    }

    private void write(Batch... batches) throws Exception {
        JdbcChatLogStore store = new JdbcChatLogStore(jdbi);
        for (Batch b : batches) store.write(b);
    }

    private long count(String sql, Object... args) {
        return jdbi.withHandle(h -> {
            var q = h.createQuery(sql);
            for (int i = 0; i < args.length; i++) q.bind(i, args[i]);
            return q.mapTo(Long.class).one();
        });
    }

    private long rowsOf(String user) {
        return count("SELECT COUNT(*) FROM chatbot_llm_calls WHERE user_id = ?", user)
                + count("SELECT COUNT(*) FROM chatbot_conversation_messages WHERE user_id = ?", user)
                + count("SELECT COUNT(*) FROM chatbot_conversation_summary WHERE user_id = ?", user)
                + count("SELECT COUNT(*) FROM chatbot_user_daily WHERE user_id = ?", user);
    }

    @Test
    void should_erase_everything_of_one_user_and_leave_every_figure_consistent_with_what_is_left() throws Exception {
        Instant t = Instant.parse("2026-12-04T10:15:00Z");
        write(turn("c-alice-1", "alice", "m1", t, "orders"), turn("c-alice-1", "alice", "m2", t.plusSeconds(70), "orders"),
                turn("c-alice-2", "alice", "m3", t.plusSeconds(4000), "refunds"), turn("c-bob", "bob", "m4", t.plusSeconds(10), "orders"),
                // alice's call outside any conversation, and bob's message in alice's conversation (a shared conversation)
                new Batch(List.of(LlmCall.builder().callId("batch-1").userId("alice").model("gpt-4o-mini").inputTokens(10).outputTokens(1)
                        .costEstimate(new BigDecimal("0.0000021")).priced(true).startedAt(t.plusSeconds(5)).durationMs(80).build()), List.of()),
                turn("c-alice-1", "bob", "m5", t.plusSeconds(90), "orders"));
        assertEquals(List.of(), new ConsistencyCheck(jdbi).mismatches());
        long callsBefore = count("SELECT COUNT(*) FROM chatbot_llm_calls");

        Erasure erasure = new Erasure(jdbi);
        Erasure.Result dry = erasure.erase(new Erasure.Request(Erasure.Scope.USER, "alice", "dpo@example.com", "ticket 42", true));
        assertEquals(3, dry.messages());
        assertEquals(13, dry.calls(), "4 rows of each of 3 turns, and the call outside any conversation");
        assertEquals(callsBefore, count("SELECT COUNT(*) FROM chatbot_llm_calls"), "a dry run deletes nothing");
        assertEquals(0, count("SELECT COUNT(*) FROM chatbot_erasures"), "nor audits");

        Erasure.Result done = erasure.erase(new Erasure.Request(Erasure.Scope.USER, "alice", "dpo@example.com", "ticket 42", false));
        assertEquals(dry.messages(), done.messages());
        assertEquals(dry.calls(), done.calls());
        assertEquals(0, dry.cost().compareTo(done.cost()), dry + " vs " + done);
        assertEquals(0, rowsOf("alice"), "nothing of alice is left");
        assertEquals(8, count("SELECT COUNT(*) FROM chatbot_llm_calls WHERE user_id = 'bob'"), "bob's rows stay, his turn in alice's conversation too");
        assertEquals(1, count("SELECT COUNT(*) FROM chatbot_conversation_summary WHERE conversation_id = 'c-alice-1'"));
        assertEquals(0, count("SELECT COUNT(*) FROM chatbot_conversation_summary WHERE conversation_id = 'c-alice-2'"));
        assertEquals(List.of(), new ConsistencyCheck(jdbi).mismatches(), "summaries, message totals and every rollup match the rows left");

        Map<String, Object> audit = erasure.audit(10).get(0);
        assertEquals("user", audit.get("scope"));
        assertEquals("dpo@example.com", audit.get("requested_by"));
        assertEquals(Tombstones.hash(Erasure.Scope.USER, "alice"), audit.get("subject_hash"));
        assertEquals(3L, ((Number) audit.get("messages")).longValue());
        assertFalse(audit.toString().contains("alice"), "the audit row holds no subject: " + audit);
    }

    @Test
    void should_erase_one_conversation_and_its_summary() throws Exception {
        Instant t = Instant.parse("2026-12-04T11:00:00Z");
        write(turn("c-1", "carol", "m1", t, "orders"), turn("c-2", "carol", "m2", t.plusSeconds(30), "orders"));
        Erasure.Result r = new Erasure(jdbi).erase(new Erasure.Request(Erasure.Scope.CONVERSATION, "c-1", "support-7", null, false));
        assertEquals(1, r.conversations());
        assertEquals(1, r.messages());
        assertEquals(4, r.calls());
        assertEquals(0, count("SELECT COUNT(*) FROM chatbot_llm_calls WHERE conversation_id = 'c-1'")
                + count("SELECT COUNT(*) FROM chatbot_conversation_summary WHERE conversation_id = 'c-1'"));
        assertEquals(4, count("SELECT COUNT(*) FROM chatbot_llm_calls WHERE conversation_id = 'c-2'"));
        assertEquals(List.of(), new ConsistencyCheck(jdbi).mismatches());
        assertThrows(IllegalArgumentException.class, () -> new Erasure.Request(Erasure.Scope.USER, "x", " ", null, false));
    }

    /** A store that is down: what the logger holds stays in its spool. */
    private static final class Down implements ChatLogSink {
        @Override
        public void write(Batch batch) throws Exception {
            throw new java.io.IOException("database unreachable");
        }

        @Override
        public boolean isRetryable(Exception failure) {
            return true;
        }
    }

    @Test
    void should_not_bring_back_from_a_spool_what_was_erased_while_it_waited_there() throws Exception {
        Path spool = Files.createTempDirectory("chatlog-erasure-spool");
        TestDatabase.deleteAtExit(spool);
        Instant t = Instant.now().minusSeconds(60);
        ChatLogger held = ChatLogger.builder(new Down()).spool(spool).closeTimeout(Duration.ofMillis(500)).build();
        for (Batch b : List.of(turn("c-dave", "dave", "m1", t, "orders"), turn("c-erin", "erin", "m2", t, "orders"))) {
            b.calls().forEach(held::logCall);
            b.messages().forEach(held::logMessage);
        }
        assertTrue(held.awaitDurable(Duration.ofSeconds(10)), "in the spool");
        held.close(); // the database never answered: everything is still in the spool
        write(turn("c-dave-old", "dave", "m0", t.minusSeconds(600), "orders"));

        new Erasure(jdbi).erase(new Erasure.Request(Erasure.Scope.USER, "dave", "dpo", null, false));
        try (ChatLogger replay = ChatLogger.builder(new JdbcChatLogStore(jdbi)).spool(spool).build()) {
            replay.logCall(LlmCall.builder().callId("after").conversationId("c-dave-new").userId("dave").model("gpt-4o-mini")
                    .inputTokens(5).outputTokens(1).startedAt(Instant.now().plusSeconds(1)).durationMs(10).build());
            assertTrue(replay.flush(Duration.ofSeconds(20)));
        }
        assertEquals(0, count("SELECT COUNT(*) FROM chatbot_llm_calls WHERE user_id = 'dave' AND call_id <> 'after'")
                + count("SELECT COUNT(*) FROM chatbot_conversation_messages WHERE user_id = 'dave'"), "the spool brought nothing of dave back");
        assertEquals(1, count("SELECT COUNT(*) FROM chatbot_llm_calls WHERE call_id = 'after'"), "dave's call made after the erasure is kept");
        assertEquals(4, count("SELECT COUNT(*) FROM chatbot_llm_calls WHERE user_id = 'erin'"), "erin's records in the same spool are written");
        assertEquals(List.of(), new ConsistencyCheck(jdbi).mismatches());
    }
}
