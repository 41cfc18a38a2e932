package dev.chatlog.alerts;

import dev.chatlog.sql.Utc;

import dev.chatlog.alerts.AlertDispatcher;
import dev.chatlog.alerts.AlertOutbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.chatlog.alerts.channel.AlertChannel;
import dev.chatlog.alerts.channel.WebhookChannel;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.TestDatabase;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The outbox at its edges, with real receivers on loopback and the real clock: a receiver that
 * stalls after its headers, a send slower than the lease while another instance looks for due rows,
 * and instances that lack a channel.
 */
class AlertDeliveryEdgesTest {
    private static Database db;
    private HttpServer receiver;
    private final AtomicInteger posts = new AtomicInteger();
    private final List<String> bodies = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final CountDownLatch stop = new CountDownLatch(1);

    @BeforeAll
    static void start() {
        db = TestDatabase.freshDatabase();
    }

    @AfterAll
    static void close() {
        db.close();
    }

    @BeforeEach
    void clean() {
        db.jdbi().useHandle(h -> h.execute("DELETE FROM chatbot_alert_outbox"));
    }

    @AfterEach
    void stopReceiver() {
        stop.countDown();
        if (receiver != null) receiver.stop(0);
    }

    /** A receiver on loopback whose handler answers after {@code answerAfterMs}, or sends its headers and stalls when negative. */
    private URI receiver(long answerAfterMs) throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.setExecutor(Executors.newCachedThreadPool());
        receiver.createContext("/hook", ex -> {
            bodies.add(new String(ex.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            posts.incrementAndGet();
            try {
                if (answerAfterMs < 0) {
                    ex.sendResponseHeaders(200, 0); // chunked: headers now, the body never
                    ex.getResponseBody().write("{".getBytes());
                    ex.getResponseBody().flush();
                    stop.await(60, TimeUnit.SECONDS);
                } else {
                    Thread.sleep(answerAfterMs);
                    ex.sendResponseHeaders(200, -1);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                ex.close();
            }
        });
        receiver.start();
        return URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook");
    }

    private static void enqueue(String key, String channel) {
        Outbox.insert(key, channel);
    }

    private static Map<String, Object> row(String key) {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT status, attempts, last_error FROM chatbot_alert_outbox WHERE notification_key = :k")
                .bind("k", key).mapToMap().one());
    }

    @Test
    void should_not_hang_on_a_receiver_that_sends_its_headers_and_stalls() throws Exception {
        URI url = receiver(-1);
        enqueue("stall-1", "webhook");
        AlertDispatcher d = AlertDispatcher.builder(db.jdbi(), List.of(new WebhookChannel(url, null, Duration.ofSeconds(1))))
                .lease(Duration.ofSeconds(30)).build();
        Thread sender = new Thread(d::runOnce, "sender");
        sender.start();
        sender.join(20_000);
        boolean stuck = sender.isAlive();
        stop.countDown();
        assertFalse(stuck, "the dispatcher is held by a receiver that stalls after its headers");
        Map<String, Object> r = row("stall-1");
        assertEquals("pending", r.get("status"), r.toString());
        assertTrue(String.valueOf(r.get("last_error")).contains("not complete within 1000 ms"), r.toString());
        d.close();
    }

    @Test
    void should_send_once_when_a_send_outlasts_the_lease_and_another_instance_looks_for_due_rows() throws Exception {
        URI url = receiver(3_000); // slower than the lease
        enqueue("slow-1", "webhook");
        AlertDispatcher a = AlertDispatcher.builder(db.jdbi(), List.of(new WebhookChannel(url, null, Duration.ofSeconds(10))))
                .lease(Duration.ofSeconds(1)).build();
        AlertDispatcher b = AlertDispatcher.builder(db.jdbi(), List.of(new WebhookChannel(url, null, Duration.ofSeconds(10))))
                .lease(Duration.ofSeconds(1)).build();
        AtomicInteger handledByA = new AtomicInteger();
        Thread first = new Thread(() -> handledByA.set(a.runOnce()), "instance-a");
        first.start();
        long claimed = System.nanoTime() + 10_000_000_000L;
        while (posts.get() == 0 && System.nanoTime() < claimed) Thread.sleep(5); // A has claimed the row and is sending it
        int handledByB = 0;
        long until = System.nanoTime() + 2_500_000_000L;
        while (System.nanoTime() < until) { // instance B looks every 100 ms while A's send is running, well past A's lease
            handledByB += b.runOnce();
            Thread.sleep(100);
        }
        first.join(20_000);
        Thread.sleep(3_500); // whatever B may have sent has been answered and marked
        assertEquals(1, handledByA.get());
        assertEquals(0, handledByB, "a live sender's claim is not taken over");
        assertEquals(1, posts.get(), "the receiver got the notification once");
        Map<String, Object> r = row("slow-1");
        assertEquals("delivered", r.get("status"), r.toString());
        assertEquals(1, ((Number) r.get("attempts")).intValue(), r.toString());
        a.close();
        b.close();
    }

    @Test
    void should_leave_a_channel_it_lacks_to_the_instances_that_have_it() throws Exception {
        URI url = receiver(0);
        enqueue("mixed-1", "webhook");
        AlertChannel logOnly = new AlertChannel() {
            public String name() {
                return "log";
            }

            public void send(Outgoing n) {}
        };
        AlertDispatcher springApp = AlertDispatcher.builder(db.jdbi(), List.of(logOnly)).build();
        assertEquals(0, springApp.runOnce(), "an instance without a webhook does not claim (and fail) webhook rows");
        assertEquals("pending", row("mixed-1").get("status"));
        AlertDispatcher server = AlertDispatcher.builder(db.jdbi(), List.of(new WebhookChannel(url, null, Duration.ofSeconds(5)))).build();
        assertEquals(1, server.runOnce());
        assertEquals("delivered", row("mixed-1").get("status"));
        assertEquals(1, posts.get());
        // a row of a channel no instance has is failed once it is older than the maximum age, by any instance
        db.jdbi().useHandle(h -> h.execute("""
                INSERT INTO chatbot_alert_outbox (notification_key, channel, rule_name, subject, state, severity, body, status,
                    next_attempt_at, created_at) VALUES ('orphan-1', 'email', 'slow', 'gpt-4o', 'ALERT', 'critical', '{}', 'pending', ?, ?)""",
                Utc.time(Instant.now().minus(Duration.ofHours(25))), Utc.time(Instant.now().minus(Duration.ofHours(25)))));
        AlertDispatcher another = AlertDispatcher.builder(db.jdbi(), List.of(logOnly)).maxAge(Duration.ofHours(24)).build();
        another.runOnce();
        assertEquals("failed", row("orphan-1").get("status"));
        assertTrue(String.valueOf(row("orphan-1").get("last_error")).contains("(email)"), row("orphan-1").toString());
        another.close();
        springApp.close();
        server.close();
    }

    @Test
    void should_send_a_held_notification_that_arrives_after_its_digest_was_built_in_a_digest_of_its_own() throws Exception {
        URI url = receiver(0);
        java.time.LocalDateTime digestAt = Utc.time(Instant.now().minusSeconds(5).truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        Outbox.held("early-1", "webhook", digestAt, "first");
        AlertDispatcher d = AlertDispatcher.builder(db.jdbi(), List.of(new WebhookChannel(url, null, Duration.ofSeconds(5)))).build();
        assertEquals(2, d.runOnce(), "the digest made and sent");
        assertEquals(1, posts.get());
        // an evaluation that straddled the digest time (or another instance's clock a second behind) commits a member late
        Outbox.held("late-1", "webhook", digestAt, "second");
        d.runOnce();
        assertEquals("digested", row("late-1").get("status"));
        assertEquals(2, posts.get(), "the late member was sent, in a digest of its own");
        assertTrue(bodies.get(1).contains("second") && !bodies.get(1).contains("first"), bodies.get(1));
        d.close();
    }

    /**
     * A plain SMTP server on loopback that answers every command after {@code pauseMs} (a slow mail
     * server: each of a send's eight round trips is within the timeout, the whole is not within the
     * lease); counts the messages it accepted.
     */
    private static java.net.ServerSocket slowSmtp(long pauseMs, AtomicInteger messages) throws Exception {
        java.net.ServerSocket server = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try (java.net.Socket s = server.accept()) {
                    var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(), java.nio.charset.StandardCharsets.US_ASCII));
                    var out = s.getOutputStream();
                    java.util.function.Consumer<String> say = line -> {
                        try {
                            Thread.sleep(pauseMs);
                            out.write((line + "\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                            out.flush();
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    };
                    say.accept("220 slow.test ESMTP");
                    String line;
                    while ((line = in.readLine()) != null) {
                        String cmd = line.toUpperCase(java.util.Locale.ROOT);
                        if (cmd.startsWith("EHLO") || cmd.startsWith("HELO")) say.accept("250 slow.test");
                        else if (cmd.startsWith("DATA")) {
                            say.accept("354 go on");
                            while ((line = in.readLine()) != null && !line.equals(".")) { /* the message */ }
                            messages.incrementAndGet();
                            say.accept("250 queued");
                        } else if (cmd.startsWith("QUIT")) {
                            say.accept("221 bye");
                            break;
                        } else say.accept("250 ok");
                    }
                } catch (Exception e) {
                    // the next connection
                }
            }
        }, "slow-smtp");
        t.setDaemon(true);
        t.start();
        return server;
    }

    @Test
    void should_send_one_mail_when_a_slow_mail_server_takes_longer_than_the_lease() throws Exception {
        AtomicInteger mails = new AtomicInteger();
        try (java.net.ServerSocket smtp = slowSmtp(400, mails)) { // ~8 round trips: ~3.2 s, the lease is 1 s
            enqueue("mail-1", "email");
            dev.chatlog.alerts.channel.EmailChannel email = dev.chatlog.alerts.channel.EmailChannel.builder("127.0.0.1", smtp.getLocalPort())
                    .from("chatlog@example.com").to(List.of("ops@example.com")).timeout(Duration.ofSeconds(5)).build();
            AlertDispatcher a = AlertDispatcher.builder(db.jdbi(), List.of(email)).lease(Duration.ofSeconds(1)).build();
            AlertDispatcher b = AlertDispatcher.builder(db.jdbi(), List.of(email)).lease(Duration.ofSeconds(1)).build();
            AtomicInteger handledByA = new AtomicInteger();
            Thread first = new Thread(() -> handledByA.set(a.runOnce()), "instance-a");
            first.start();
            long claimed = System.nanoTime() + 10_000_000_000L;
            while (!"sending".equals(row("mail-1").get("status")) && System.nanoTime() < claimed) Thread.sleep(5);
            int handledByB = 0;
            while (first.isAlive()) { // instance B looks for due rows all the while A talks to the mail server
                handledByB += b.runOnce();
                Thread.sleep(100);
            }
            assertEquals(1, handledByA.get());
            assertEquals(0, handledByB, "the row was not reclaimed while its sender was alive");
            assertEquals(1, mails.get(), "one mail");
            assertEquals("delivered", row("mail-1").get("status"));
            a.close();
            b.close();
        }
    }

    private static final class Outbox {
        static void held(String key, String channel, java.time.LocalDateTime digestAt, String title) {
            db.jdbi().useHandle(h -> h.createUpdate("""
                    INSERT INTO chatbot_alert_outbox (notification_key, channel, rule_name, subject, state, severity, body, status,
                        next_attempt_at, created_at) VALUES (:k, :c, 'tokens', 'gpt-4o', 'ALERT', 'info', :body, 'held', :at, :at)""")
                    .bind("k", key).bind("c", channel).bind("at", digestAt).bind("body", "{\"title\": \"" + title + "\"}").execute());
        }

        static void insert(String key, String channel) {
            java.time.LocalDateTime now = Utc.time(Instant.now().minusSeconds(1));
            db.jdbi().useHandle(h -> h.createUpdate("""
                    INSERT INTO chatbot_alert_outbox (notification_key, channel, rule_name, subject, state, severity, body, status,
                        next_attempt_at, created_at) VALUES (:k, :c, 'slow', 'gpt-4o', 'ALERT', 'critical', '{"title": "t"}', 'pending', :at, :at)""")
                    .bind("k", key).bind("c", channel).bind("at", now).execute());
        }
    }
}
