package dev.chatlog.alerts;

import dev.chatlog.sql.Utc;

import java.time.Instant;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The alert outbox ({@code chatbot_alert_outbox}): a notification is written here, one row per
 * channel, in the transaction of the state change that caused it, before anything is sent. The
 * dispatcher claims due rows, sends them and marks them; the unique (key, channel) makes a second
 * write of the same notification a no-op.
 */
public final class AlertOutbox {
    /** A row as the routes show it. */
    public record Entry(long id, String key, String channel, String rule, String subject, String state, String severity, String status,
                        int attempts, Instant nextAttemptAt, String lastError, Instant createdAt, Instant deliveredAt, String digestKey,
                        String body) {}

    /** Rows by status. */
    public record Counts(Map<String, Long> byStatus) {}

    private final Jdbi jdbi;

    public AlertOutbox(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** Writes {@code n} for each channel: due at once, or held until {@code heldUntil} (a digest's time) when not null. */
    static void enqueue(Handle h, Notification n, List<String> channels, Instant heldUntil) {
        var b = h.prepareBatch("""
                INSERT IGNORE INTO chatbot_alert_outbox (notification_key, channel, rule_name, subject, state, severity, body, status,
                    next_attempt_at, created_at)
                VALUES (:k, :c, :r, :s, :st, :sev, :body, :status, :next, :at)""");
        String body = n.body();
        for (String c : channels) {
            b.bind("k", n.key()).bind("c", c).bind("r", n.rule()).bind("s", n.subject()).bind("st", n.resolved() ? "RESOLVED" : n.state().name())
                    .bind("sev", n.severity().label()).bind("body", body).bind("status", heldUntil == null ? "pending" : "held")
                    .bind("next", Utc.time(heldUntil == null ? n.at() : heldUntil)).bind("at", Utc.time(n.at())).add();
        }
        if (!channels.isEmpty()) b.execute();
    }

    /** The newest rows (at most {@code limit}), optionally of one rule. */
    public List<Entry> recent(String rule, int limit) {
        return jdbi.withHandle(h -> {
            var q = h.createQuery("SELECT * FROM chatbot_alert_outbox" + (rule == null ? "" : " WHERE rule_name = :r")
                    + " ORDER BY id DESC LIMIT :l").bind("l", limit);
            if (rule != null) q.bind("r", rule);
            return q.map((rs, ctx) -> new Entry(rs.getLong("id"), rs.getString("notification_key"), rs.getString("channel"),
                    rs.getString("rule_name"), rs.getString("subject"), rs.getString("state"), rs.getString("severity"),
                    rs.getString("status"), rs.getInt("attempts"), Utc.instant(rs.getObject("next_attempt_at", LocalDateTime.class)), rs.getString("last_error"),
                    Utc.instant(rs.getObject("created_at", LocalDateTime.class)), Utc.instant(rs.getObject("delivered_at", LocalDateTime.class)), rs.getString("digest_key"),
                    rs.getString("body"))).list();
        });
    }

    public Counts counts() {
        Map<String, Long> out = new java.util.TreeMap<>();
        jdbi.useHandle(h -> h.createQuery("SELECT status, COUNT(*) FROM chatbot_alert_outbox GROUP BY status")
                .map((rs, ctx) -> out.put(rs.getString(1), rs.getLong(2))).list());
        return new Counts(out);
    }
}
