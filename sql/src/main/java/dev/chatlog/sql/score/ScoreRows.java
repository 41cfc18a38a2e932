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
                + s.targetId() + " in the log (not written yet, dropped, or erased)"));
        byte[] identity = identityHash(s);
        ScoreRollups.Contribution mine = new ScoreRollups.Contribution(ScoreRollups.Contribution.attribution(at.model(), at.agent(),
                at.function(), at.chatMode(), at.intent(), at.user()), at.at(), s.name(), s.value(), s.label());
        ScoreRollups.Contribution before = lockedRow(h, identity);
        if (before == null) {
            // a new identity: inserted, or (another writer got there first) found locked once its insert is committed.
            // A lookup alone locks no row that is not there yet: two writers would both count the score as new
            try {
                h.createUpdate("""
                        INSERT INTO chatbot_scores (identity_hash, target_type, target_id, conversation_id, message_id, call_id, name, value,
                          label, source, evaluator, evaluator_version, score_key, comment, scored_at, updated_at,
                          model, agent, function_name, chat_mode, intent, user_id, target_at)
                        VALUES (:h, :tt, :tid, :c, :m, :k, :n, :v, :l, :src, :e, :ev, :key, :comment, :at, :now,
                          :model, :agent, :fn, :mode, :intent, :user, :tat)""")
                        .bind("h", identity).bind("tt", s.target().dbValue()).bind("tid", s.targetId()).bind("c", at.conversation())
                        .bind("m", at.message()).bind("k", at.call()).bind("n", s.name()).bind("v", s.value()).bind("l", s.label())
                        .bind("src", s.source().dbValue()).bind("e", s.evaluator()).bind("ev", s.evaluatorVersion()).bind("key", s.key())
                        .bind("comment", s.comment()).bind("at", Utc.time(s.at())).bind("now", Utc.time(now))
                        .bind("model", at.model()).bind("agent", at.agent()).bind("fn", at.function()).bind("mode", at.chatMode())
                        .bind("intent", at.intent()).bind("user", at.user()).bind("tat", Utc.time(at.at())).execute();
                ScoreRollups.add(h, mine);
                return new Stored(at.conversation(), at.message(), at.call(), true);
            } catch (org.jdbi.v3.core.statement.UnableToExecuteStatementException e) {
                if (!duplicate(e)) throw e;
                before = lockedRow(h, identity);
                if (before == null) throw e;
            }
        }
        // a score given again: replaced, unless what is stored is newer (a spool replayed after a later re-score)
        int changed = h.createUpdate("""
                UPDATE chatbot_scores SET value = :v, label = :l, source = :src, evaluator_version = :ev, comment = :comment,
                  scored_at = :at, updated_at = :now WHERE identity_hash = :h AND scored_at <= :at""")
                .bind("h", identity).bind("v", s.value()).bind("l", s.label()).bind("src", s.source().dbValue())
                .bind("ev", s.evaluatorVersion()).bind("comment", s.comment()).bind("at", Utc.time(s.at())).bind("now", Utc.time(now)).execute();
        if (changed > 0) { // the rollups follow: the old contribution out (its target's facts as stored then), the new one in
            ScoreRollups.remove(h, before);
            ScoreRollups.add(h, new ScoreRollups.Contribution(before.attribution(), before.at(), s.name(), s.value(), s.label()));
        }
        return new Stored(at.conversation(), at.message(), at.call(), false);
    }

    /**
     * Erases the scores of erased calls and messages of {@code conv}, those attributed to an erased {@code user} (null:
     * a conversation erased), and the conversation's own once nothing of it is left, taking each out of the rollups.
     */
    public static void erase(Handle h, String conv, java.util.List<String> callIds, java.util.List<String> messageIds, String user) {
        java.util.List<String> where = new java.util.ArrayList<>();
        if (user != null) where.add("user_id = :user"); // a user erased: every score attributed to them (a conversation's too)
        if (!callIds.isEmpty()) where.add("call_id IN (<calls>)");
        if (!messageIds.isEmpty()) where.add("message_id IN (<messages>)");
        boolean nothingLeft = h.createQuery("SELECT NOT EXISTS (SELECT 1 FROM chatbot_conversation_messages WHERE conversation_id = :c)"
                + " AND NOT EXISTS (SELECT 1 FROM chatbot_llm_calls WHERE conversation_id = :c)").bind("c", conv).mapTo(Boolean.class).one();
        if (nothingLeft) where.add("target_type = 'conversation'");
        if (where.isEmpty()) return;
        String filter = "conversation_id = :c AND (" + String.join(" OR ", where) + ")";
        var select = h.createQuery("SELECT id, model, agent, function_name, chat_mode, intent, user_id, target_at, name, value, label "
                + "FROM chatbot_scores WHERE " + filter + " FOR UPDATE").bind("c", conv);
        if (!callIds.isEmpty()) select.bindList("calls", callIds);
        if (!messageIds.isEmpty()) select.bindList("messages", messageIds);
        if (user != null) select.bind("user", user);
        java.util.List<Long> ids = new java.util.ArrayList<>();
        for (ScoreRollups.Contribution c : select.map((rs, ctx) -> {
            ids.add(rs.getLong("id"));
            return contribution(rs);
        }).list()) {
            ScoreRollups.remove(h, c);
        }
        if (!ids.isEmpty()) h.createUpdate("DELETE FROM chatbot_scores WHERE id IN (<ids>)").bindList("ids", ids).execute();
        if (user != null) { // no row keyed by the erased user stays, empty ones included
            h.createUpdate("DELETE FROM chatbot_score_rollup WHERE dimension = 'user' AND dim_value = :u AND scores = 0 AND value_sum = 0"
                    + " AND value_sq_sum = 0").bind("u", user).execute();
        }
    }

    /** The stored score of {@code identity}, its row locked until the transaction ends; null when there is none. */
    private static ScoreRollups.Contribution lockedRow(Handle h, byte[] identity) {
        return h.createQuery("""
                        SELECT model, agent, function_name, chat_mode, intent, user_id, target_at, name, value, label
                        FROM chatbot_scores WHERE identity_hash = :h FOR UPDATE""")
                .bind("h", identity).map((rs, ctx) -> contribution(rs)).findOne().orElse(null);
    }

    private static boolean duplicate(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLException sql && sql.getErrorCode() == 1062) return true;
        }
        return false;
    }

    private record Located(String conversation, String message, String call, String model, String agent, String function,
                           String chatMode, String intent, String user, Instant at) {}

    /** A stored score's contribution to the rollups, from its row. */
    static ScoreRollups.Contribution contribution(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new ScoreRollups.Contribution(ScoreRollups.Contribution.attribution(rs.getString("model"), rs.getString("agent"),
                rs.getString("function_name"), rs.getString("chat_mode"), rs.getString("intent"), rs.getString("user_id")),
                Utc.instant(rs.getObject("target_at", java.time.LocalDateTime.class)), rs.getString("name"), rs.getBigDecimal("value"),
                rs.getString("label"));
    }

    private static Optional<Located> locate(Handle h, Score s) {
        return switch (s.target()) {
            case CALL -> h.createQuery("""
                            SELECT c.conversation_id, c.message_id, c.model, c.agent, c.function_name, c.chat_mode, c.user_id, c.started_at, m.intent
                            FROM chatbot_llm_calls c LEFT JOIN chatbot_conversation_messages m
                              ON m.conversation_id = c.conversation_id AND m.message_id = c.message_id
                            WHERE c.call_id = :id LIMIT 2""")
                    .bind("id", s.targetId()).map((rs, ctx) -> new Located(rs.getString(1), blankToNull(rs.getString(2)), s.targetId(),
                            rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(9), rs.getString(7),
                            Utc.instant(rs.getObject(8, java.time.LocalDateTime.class)))).collectIntoList().stream().reduce(ScoreRows::one);
            case MESSAGE -> h.createQuery("SELECT conversation_id, chat_mode, intent, user_id, `timestamp` FROM chatbot_conversation_messages "
                            + "WHERE message_id = :id LIMIT 2")
                    .bind("id", s.targetId()).map((rs, ctx) -> new Located(rs.getString(1), s.targetId(), null, null, null, null,
                            rs.getString(2), rs.getString(3), rs.getString(4), Utc.instant(rs.getObject(5, java.time.LocalDateTime.class))))
                    .collectIntoList().stream().reduce(ScoreRows::one);
            case CONVERSATION -> h.createQuery("""
                            SELECT MIN(`timestamp`) first_at, MAX(user_id) user_id, MAX(chat_mode) chat_mode
                            FROM chatbot_conversation_messages WHERE conversation_id = :id HAVING COUNT(*) > 0""")
                    .bind("id", s.targetId()).map((rs, ctx) -> new Located(s.targetId(), null, null, null, null, null, rs.getString("chat_mode"),
                            null, rs.getString("user_id"), Utc.instant(rs.getObject("first_at", java.time.LocalDateTime.class)))).findOne();
        };
    }

    /** Two rows for one id: ids are unique per conversation only, and a score names no conversation. */
    private static Located one(Located a, Located b) {
        throw new InvalidDefinitionException(a.call() != null ? "call_id" : "message_id", "the id is in several conversations ("
                + a.conversation() + ", " + b.conversation() + "): score the conversation, or ids unique across conversations");
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
