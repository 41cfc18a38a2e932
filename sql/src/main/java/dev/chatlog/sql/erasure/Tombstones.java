package dev.chatlog.sql.erasure;

import dev.chatlog.sql.Utc;

import dev.chatlog.core.Batch;
import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.LlmCall;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jdbi.v3.core.Handle;

/**
 * What the store checks before it writes: the erased subjects (a conversation or a user, kept only as a hash in
 * {@code chatbot_erasures}). A record of an erased subject made before its erasure — one that was still in an
 * application's queue or spool, or is replayed after a crash — is not written; one made after it (the user came back)
 * is. Without any erasure, one probe per batch; with some, one indexed query per batch.
 */
public final class Tombstones {
    private Tombstones() {}

    /** The stored form of a subject: SHA-256 of its scope and id, in hex. */
    public static String hash(Erasure.Scope scope, String id) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest((scope.name() + ":" + id).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The batch without the records of subjects erased after the record was made. */
    public static Batch filter(Handle h, Batch batch) {
        if (batch.size() == 0) return batch;
        // the common case, no erasure ever: one primary-key probe, no hashing, no IN list
        if (!h.createQuery("SELECT EXISTS(SELECT 1 FROM chatbot_erasures)").mapTo(Boolean.class).one()) return batch;
        Map<String, String> hashes = new HashMap<>(); // "C:id" / "U:id" -> hash
        for (LlmCall c : batch.calls()) subjects(hashes, c.conversationId(), c.userId());
        for (ConversationMessage m : batch.messages()) subjects(hashes, m.conversationId(), m.userId());
        if (hashes.isEmpty()) return batch;
        Map<String, LocalDateTime> erased = new HashMap<>();
        h.createQuery("SELECT subject_hash, MAX(requested_at) FROM chatbot_erasures WHERE subject_hash IN (<h>) GROUP BY subject_hash")
                .bindList("h", new ArrayList<>(new HashSet<>(hashes.values())))
                .map((rs, ctx) -> erased.put(rs.getString(1), rs.getObject(2, LocalDateTime.class))).list();
        if (erased.isEmpty()) return batch;
        List<LlmCall> calls = new ArrayList<>();
        for (LlmCall c : batch.calls()) {
            if (!gone(erased, hashes, c.conversationId(), c.userId(), c.startedAt())) calls.add(c);
        }
        List<ConversationMessage> messages = new ArrayList<>();
        for (ConversationMessage m : batch.messages()) {
            if (!gone(erased, hashes, m.conversationId(), m.userId(), m.timestamp())) messages.add(m);
        }
        return new Batch(calls, messages, batch.scores()); // a score of an erased target finds no target: the writer rejects it
    }

    private static void subjects(Map<String, String> hashes, String conversation, String user) {
        if (conversation != null && !conversation.isEmpty()) {
            hashes.computeIfAbsent("C:" + conversation, k -> hash(Erasure.Scope.CONVERSATION, conversation));
        }
        if (user != null && !user.isEmpty()) hashes.computeIfAbsent("U:" + user, k -> hash(Erasure.Scope.USER, user));
    }

    private static boolean gone(Map<String, LocalDateTime> erased, Map<String, String> hashes, String conversation, String user,
                                Instant at) {
        LocalDateTime made = at == null ? LocalDateTime.MIN : Utc.time(at);
        Set<LocalDateTime> when = new HashSet<>();
        if (conversation != null && !conversation.isEmpty()) when.add(erased.get(hashes.get("C:" + conversation)));
        if (user != null && !user.isEmpty()) when.add(erased.get(hashes.get("U:" + user)));
        for (LocalDateTime t : when) if (t != null && !made.isAfter(t)) return true;
        return false;
    }
}
