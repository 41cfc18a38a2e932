package dev.chatlog.sql.score;

import dev.chatlog.core.InvalidDefinitionException;
import dev.chatlog.core.score.Score;
import dev.chatlog.sql.Utc;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * Writes scores ({@code chatbot_scores}): one row per {@link Score#identity()}, so scoring the same target, name,
 * evaluator and key again replaces the score — and writing one twice (a spool replayed after a crash) changes
 * nothing. A score's target must be stored (a call or a message of the log, a conversation with messages): its
 * conversation, message and call are kept with it, so a conversation's detail lists the scores of its messages and
 * calls. A score whose name has a definition must fit it; a name with none takes numbers (a label needs a categorical
 * definition that declares it). The one writer of scores: the HTTP route and the logger's store both call it.
 */
public final class ScoreRows {
    private ScoreRows() {}

    /** Where a score was stored: {@code created} false when it replaced the score of the same identity. */
    public record Stored(String conversationId, String messageId, String callId, boolean created) {}

    /** A target that is not in the log: the field that names it and what is missing. */
    public static final class UnknownTarget extends InvalidDefinitionException {
        public UnknownTarget(String field, String message) {
            super(field, message);
        }
    }

    /**
     * Stores {@code s} in {@code h}'s transaction, replacing the score of its identity.
     *
     * @throws InvalidDefinitionException naming the field when its value does not fit its definition
     * @throws UnknownTarget when its target is not stored
     */
    public static Stored upsert(Handle h, Score s, Instant now) {
        ScoreDefinitions.get(h, s.name()).ifPresentOrElse(d -> d.check(s), () -> {
            if (s.label() != null) {
                throw new InvalidDefinitionException("value", "a label needs a categorical definition of " + s.name()
                        + " (PUT /logging-dashboard/score-definitions/" + s.name() + "); without one a score is a number");
            }
        });
        Located at = locate(h, s).orElseThrow(() -> new UnknownTarget(field(s.target()), "no " + s.target().dbValue() + " "
                + s.targetId() + " in the log (its records may not be written yet: retry in a moment)"));
        byte[] identity = identityHash(s);
        boolean existed = h.createQuery("SELECT COUNT(*) FROM chatbot_scores WHERE identity_hash = :h FOR UPDATE")
                .bind("h", identity).mapTo(Integer.class).one() > 0;
        h.createUpdate("""
                INSERT INTO chatbot_scores (identity_hash, target_type, target_id, conversation_id, message_id, call_id, name, value, label,
                  source, evaluator, evaluator_version, score_key, comment, scored_at, updated_at)
                VALUES (:h, :tt, :tid, :c, :m, :k, :n, :v, :l, :src, :e, :ev, :key, :comment, :at, :now)
                ON DUPLICATE KEY UPDATE value = VALUES(value), label = VALUES(label), source = VALUES(source),
                  evaluator_version = VALUES(evaluator_version), comment = VALUES(comment), scored_at = VALUES(scored_at),
                  updated_at = VALUES(updated_at)""")
                .bind("h", identity).bind("tt", s.target().dbValue()).bind("tid", s.targetId()).bind("c", at.conversation())
                .bind("m", at.message()).bind("k", at.call()).bind("n", s.name()).bind("v", s.value()).bind("l", s.label())
                .bind("src", s.source().dbValue()).bind("e", s.evaluator()).bind("ev", s.evaluatorVersion()).bind("key", s.key())
                .bind("comment", s.comment()).bind("at", Utc.time(s.at())).bind("now", Utc.time(now)).execute();
        return new Stored(at.conversation(), at.message(), at.call(), !existed);
    }

    private record Located(String conversation, String message, String call) {}

    private static Optional<Located> locate(Handle h, Score s) {
        return switch (s.target()) {
            case CALL -> h.createQuery("SELECT conversation_id, message_id FROM chatbot_llm_calls WHERE call_id = :id LIMIT 1")
                    .bind("id", s.targetId()).map((rs, ctx) -> new Located(rs.getString(1), blankToNull(rs.getString(2)), s.targetId())).findOne();
            case MESSAGE -> h.createQuery("SELECT conversation_id FROM chatbot_conversation_messages WHERE message_id = :id LIMIT 1")
                    .bind("id", s.targetId()).map((rs, ctx) -> new Located(rs.getString(1), s.targetId(), null)).findOne();
            case CONVERSATION -> h.createQuery("SELECT 1 FROM chatbot_conversation_messages WHERE conversation_id = :id LIMIT 1")
                    .bind("id", s.targetId()).map((rs, ctx) -> new Located(s.targetId(), null, null)).findOne();
        };
    }

    private static String field(Score.Target t) {
        return switch (t) {
            case CALL -> "call_id";
            case MESSAGE -> "message_id";
            case CONVERSATION -> "conversation_id";
        };
    }

    private static String blankToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    static byte[] identityHash(Score s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.identity().getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
