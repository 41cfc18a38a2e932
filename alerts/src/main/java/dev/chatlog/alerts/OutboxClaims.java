package dev.chatlog.alerts;

import dev.chatlog.sql.Utc;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who sends an outbox row: a claim takes a due row under its row lock and names itself by the
 * row's new attempt number; the sender renews it while it sends, and every mark it makes names it,
 * so a sender whose claim was taken over cannot overwrite the new claimant's marks.
 */
final class OutboxClaims {
    private static final Logger log = LoggerFactory.getLogger(OutboxClaims.class);

    private final Jdbi jdbi;
    private final Duration lease;

    OutboxClaims(Jdbi jdbi, Duration lease) {
        this.jdbi = jdbi;
        this.lease = lease;
    }

    /** A claimed row; {@code attempts} is the claim's number, which every later mark of the row names. */
    record Row(String key, String channel, String body, int attempts, Instant createdAt) {}

    /**
     * Claims a due row for this instance: its attempt number goes up by one and is the claim's name.
     * Every mark (renewed, delivered, pending, failed) matches it, so a sender whose claim was taken
     * over cannot overwrite the new claimant's marks. Null when the row is not due or is claimed.
     */
    Row claim(long id, Instant t) {
        return dev.chatlog.sql.SqlFailures.retryingLockConflicts(() -> jdbi.inTransaction(h -> {
            Row r = h.createQuery("""
                    SELECT notification_key, channel, body, attempts, created_at FROM chatbot_alert_outbox
                    WHERE id = :id AND status IN ('pending', 'sending') AND next_attempt_at <= :now FOR UPDATE""")
                    .bind("id", id).bind("now", Utc.time(t))
                    .map((rs, ctx) -> new Row(rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4) + 1,
                            Utc.instant(rs.getObject(5, LocalDateTime.class)))).findOne().orElse(null);
            if (r == null) return null;
            h.createUpdate("""
                    UPDATE chatbot_alert_outbox SET status = 'sending', attempts = :claim, next_attempt_at = :until, claimed_until = :until
                    WHERE id = :id""").bind("id", id).bind("claim", r.attempts()).bind("until", Utc.time(t.plus(lease))).execute();
            return r;
        }));
    }

    /** Extends this instance's claim on a row it is still sending (nothing if the claim is no longer its own). */
    void renew(long id, int claim, Instant now) {
        try {
            Instant until = now.plus(lease);
            jdbi.useHandle(h -> h.createUpdate("""
                    UPDATE chatbot_alert_outbox SET next_attempt_at = :until, claimed_until = :until
                    WHERE id = :id AND status = 'sending' AND attempts = :claim""")
                    .bind("id", id).bind("claim", claim).bind("until", Utc.time(until)).execute());
        } catch (RuntimeException e) {
            log.warn("alert lease of outbox row {} could not be renewed: {}", id, e.toString());
        }
    }
}
