package dev.chatlog.alerts;

import dev.chatlog.sql.Utc;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The alert channels of the deployment ({@code chatbot_alert_channels}): each instance's sender
 * announces the channels it can send, and the instance that wins a change routes it to those
 * announced lately, not only to its own.
 */
final class DeploymentChannels {
    /** How long an announced channel counts as the deployment's after its sender was last seen. */
    static final Duration TTL = Duration.ofMinutes(10);

    private DeploymentChannels() {}

    static void announce(Jdbi jdbi, Collection<String> channels, Instant now) {
        jdbi.useHandle(h -> {
            var b = h.prepareBatch("INSERT INTO chatbot_alert_channels (channel, last_seen_at) VALUES (:c, :at) "
                    + "ON DUPLICATE KEY UPDATE last_seen_at = GREATEST(last_seen_at, VALUES(last_seen_at))");
            for (String c : channels) b.bind("c", c).bind("at", Utc.time(now)).add();
            b.execute();
        });
    }

    /** The channels some instance's sender announced within {@link #TTL} of {@code now}. */
    static List<String> announced(Handle h, Instant now) {
        return h.createQuery("SELECT channel FROM chatbot_alert_channels WHERE last_seen_at >= :since ORDER BY channel")
                .bind("since", Utc.time(now.minus(TTL))).mapTo(String.class).list();
    }

    /** Fails the pending rows created before {@code cutoff} on a channel other than {@code mine}; how many. */
    static int failUnsendable(Jdbi jdbi, Collection<String> mine, Instant cutoff) {
        return jdbi.withHandle(h -> h.createUpdate("""
                UPDATE chatbot_alert_outbox SET status = 'failed', claimed_until = NULL,
                    last_error = CONCAT('no instance sent it on its channel (', channel, ') within the maximum age')
                WHERE status = 'pending' AND created_at < :cutoff""" + (mine.isEmpty() ? "" : " AND channel NOT IN (<mine>)"))
                .bind("cutoff", Utc.time(cutoff)).bindList("mine", mine.isEmpty() ? List.of("") : List.copyOf(mine)).execute());
    }
}
