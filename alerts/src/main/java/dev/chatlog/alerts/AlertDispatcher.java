package dev.chatlog.alerts;

import dev.chatlog.sql.Utc;

import dev.chatlog.alerts.channel.AlertChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the outbox: claims due rows (under a row lock, so of many instances one sends each row at a
 * time; the claim is renewed while the send runs, and a claim whose lease ran out, as after a crash,
 * is due again; every mark names its claim by the attempt number), sends
 * them on their channel, marks them delivered, or due again after a backoff (1 s, doubling, at
 * most {@code maxBackoff}) until {@code maxAge} has passed (failed, logged). Held rows (digests)
 * are merged, per channel and digest time, into one notification when due. Delivery is at least
 * once; receivers drop repeats by the idempotency key.
 */
public final class AlertDispatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AlertDispatcher.class);
    private static final int BATCH = 50;

    private final Jdbi jdbi;
    private final Map<String, AlertChannel> channels;
    private final Duration lease;
    private final Duration maxBackoff;
    private final Duration maxAge;
    private final Clock clock;
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong failedAttempts = new AtomicLong();
    private final OutboxClaims claims;
    private final Object wake = new Object();
    private final ScheduledExecutorService renewer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "chatlog-alerts-lease");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean running;
    private Thread thread;

    private AlertDispatcher(Builder b) {
        this.jdbi = b.jdbi;
        Map<String, AlertChannel> m = new LinkedHashMap<>();
        for (AlertChannel c : b.channels) m.put(c.name(), c);
        this.channels = java.util.Collections.unmodifiableMap(m); // in the order given: the routes list them so
        this.lease = b.lease;
        this.maxBackoff = b.maxBackoff;
        this.maxAge = b.maxAge;
        this.clock = b.clock;
        this.claims = new OutboxClaims(b.jdbi, b.lease);
    }

    public static Builder builder(Jdbi jdbi, List<AlertChannel> channels) {
        return new Builder(jdbi, channels);
    }

    /** The channel names configured, in order. */
    public List<String> channelNames() {
        return List.copyOf(channels.keySet());
    }

    public long delivered() {
        return delivered.get();
    }

    public long failedAttempts() {
        return failedAttempts.get();
    }

    /** Starts the sending thread ({@code chatlog-alerts}), which runs every {@code every} and when woken. */
    public synchronized AlertDispatcher start(Duration every) {
        if (thread != null) return this;
        running = true;
        thread = new Thread(() -> {
            while (running) {
                try {
                    while (running && runOnce() > 0) {
                        // more may be due
                    }
                } catch (RuntimeException e) {
                    log.warn("alert dispatch failed (will retry): {}", e.toString());
                }
                synchronized (wake) {
                    try {
                        if (running) wake.wait(every.toMillis());
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }, "chatlog-alerts");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    /** Makes the thread look for due rows now (new notifications were written). */
    public void wake() {
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    private static final Duration ANNOUNCE_EVERY = Duration.ofSeconds(30);
    private volatile Instant announcedAt = Instant.EPOCH;

    /** Says which channels this instance sends (at most every 30 s): the engines of every instance route to them. */
    private void announce(Instant now) {
        if (channels.isEmpty() || Duration.between(announcedAt, now).compareTo(ANNOUNCE_EVERY) < 0) return;
        try {
            DeploymentChannels.announce(jdbi, channels.keySet(), now);
            announcedAt = now;
        } catch (RuntimeException e) {
            log.debug("alert channels not announced: {}", e.toString());
        }
    }

    private volatile Instant unsendableCheckedAt = Instant.EPOCH;

    /**
     * Marks failed the rows no instance has sent within the maximum age because none has their
     * channel (only instances with a channel claim its rows, and a row's age is otherwise checked
     * when it is claimed): at most once a minute, by any instance.
     */
    private void failUnsendable(Instant now) {
        if (Duration.between(unsendableCheckedAt, now).compareTo(Duration.ofMinutes(1)) < 0) return;
        unsendableCheckedAt = now;
        try {
            int n = DeploymentChannels.failUnsendable(jdbi, channels.keySet(), now.minus(maxAge));
            if (n > 0) log.error("{} alert notification(s) failed: no instance sends their channel", n);
        } catch (RuntimeException e) {
            log.debug("unsendable alert rows not checked: {}", e.toString());
        }
    }

    /** Merges due digests, then claims and sends due rows (at most a batch); returns how many rows it handled. */
    public int runOnce() {
        Instant now = clock.instant();
        announce(now);
        failUnsendable(now);
        int handled = AlertDigests.merge(jdbi, now);
        if (channels.isEmpty()) return handled;
        // only the channels this instance can send: a row of a channel it lacks is left to an instance that has it
        List<Long> due = jdbi.withHandle(h -> h.createQuery("""
                SELECT id FROM chatbot_alert_outbox WHERE status IN ('pending', 'sending') AND next_attempt_at <= :now
                AND channel IN (<channels>) ORDER BY next_attempt_at, id LIMIT :n""").bind("now", Utc.time(now))
                .bindList("channels", List.copyOf(channels.keySet())).bind("n", BATCH).mapTo(Long.class).list());
        for (long id : due) {
            OutboxClaims.Row r = claims.claim(id, clock.instant());
            if (r == null) continue; // another instance has it
            handled++;
            AlertChannel channel = channels.get(r.channel());
            String error;
            if (channel == null) {
                error = "channel " + r.channel() + " is not configured on this instance";
            } else {
                // a live sender renews its lease for as long as the send takes (a slow mail server's eight round trips),
                // so no other instance reclaims the row and sends it again; only a dead one's lease runs out
                long every = Math.max(100, lease.toMillis() / 3);
                ScheduledFuture<?> renewal = renewer.scheduleAtFixedRate(() -> claims.renew(id, r.attempts(), clock.instant()), every, every, TimeUnit.MILLISECONDS);
                try {
                    channel.send(new AlertChannel.Outgoing(r.key(), r.body()));
                    error = null;
                } catch (Exception e) {
                    error = e.toString();
                } finally {
                    renewal.cancel(false);
                }
            }
            Instant end = clock.instant();
            if (error == null) {
                jdbi.useHandle(h -> h.createUpdate("""
                        UPDATE chatbot_alert_outbox SET status = 'delivered', delivered_at = :now, last_error = NULL, claimed_until = NULL
                        WHERE id = :id AND status = 'sending' AND attempts = :claim""").bind("id", id).bind("claim", r.attempts())
                        .bind("now", Utc.time(end)).execute());
                delivered.incrementAndGet();
                continue;
            }
            failedAttempts.incrementAndGet();
            boolean giveUp = Duration.between(r.createdAt(), end).compareTo(maxAge) > 0;
            Duration backoff = backoff(r.attempts());
            String err = error.length() > 500 ? error.substring(0, 500) : error;
            jdbi.useHandle(h -> h.createUpdate("""
                    UPDATE chatbot_alert_outbox SET status = :status, next_attempt_at = :next, last_error = :err, claimed_until = NULL
                    WHERE id = :id AND status = 'sending' AND attempts = :claim""").bind("id", id).bind("claim", r.attempts())
                    .bind("status", giveUp ? "failed" : "pending")
                    .bind("next", Utc.time(end.plus(backoff))).bind("err", err).execute());
            if (giveUp) log.error("alert {} on {} given up after {} attempts: {}", r.key(), r.channel(), r.attempts(), err);
            else log.warn("alert {} on {}: attempt {} failed, next in {} s: {}", r.key(), r.channel(), r.attempts(), backoff.toSeconds(), err);
        }
        return handled;
    }

    /** 1 s after the first failure, doubling, at most {@code maxBackoff}. */
    Duration backoff(int attempts) {
        long s = 1L << Math.min(20, Math.max(0, attempts - 1));
        return Duration.ofSeconds(Math.min(s, maxBackoff.toSeconds()));
    }

    static String hash(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8))).substring(0, 32);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            running = false;
            t = thread;
            thread = null;
        }
        wake();
        renewer.shutdownNow();
        if (t != null) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public static final class Builder {
        private final Jdbi jdbi;
        private final List<AlertChannel> channels;
        private Duration lease = Duration.ofSeconds(30);
        private Duration maxBackoff = Duration.ofMinutes(5);
        private Duration maxAge = Duration.ofHours(24);
        private Clock clock = Clock.systemUTC();

        private Builder(Jdbi jdbi, List<AlertChannel> channels) {
            this.jdbi = jdbi;
            this.channels = List.copyOf(channels);
        }

        /** How long a claimed row is this instance's to send before another may (more than any channel's timeout). */
        public Builder lease(Duration lease) {
            this.lease = lease;
            return this;
        }

        public Builder maxBackoff(Duration maxBackoff) {
            this.maxBackoff = maxBackoff;
            return this;
        }

        /** How long a notification is retried before it is marked failed. */
        public Builder maxAge(Duration maxAge) {
            this.maxAge = maxAge;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        public AlertDispatcher build() {
            return new AlertDispatcher(this);
        }
    }
}
