package dev.chatlog.alerts;

import dev.chatlog.core.testing.HttpReceiver;

import dev.chatlog.alerts.channel.AlertChannel;
import dev.chatlog.alerts.channel.EmailChannel;
import dev.chatlog.alerts.channel.WebhookChannel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The channels against real receivers: an HTTP server in the test, GreenMail's SMTP server. */
class AlertChannelsTest {
    private static Notification notification() {
        return new Notification("k-0123456789abcdef", "slow", AlertKind.SLOW_CALLS, Severity.CRITICAL, "model", "gpt-4o", AlertState.ALERT,
                AlertState.OK, new BigDecimal("9120"), new BigDecimal("8000"), null, 4, "5m", Instant.parse("2026-12-02T10:26:00Z"),
                Instant.parse("2026-12-02T10:31:00Z"), "max duration of model gpt-4o is 9120 ms over the last 5m (4 calls; alert above 8000 ms)",
                List.of(Map.of("type", "call", "description", "call c4 (gpt-4o) 9120 ms, 150 tokens", "link", "http://x/dashboard#conversation=c")),
                Map.of("alerts", "http://x/dashboard#alerts"), Instant.parse("2026-12-02T10:30:20Z"));
    }

    @Test
    void should_post_the_body_signed_with_hmac_sha256_and_treat_only_2xx_as_delivered() throws Exception {
        try (HttpReceiver receiver = HttpReceiver.start()) {
            WebhookChannel hook = new WebhookChannel(URI.create(receiver.url("/hook")), "s3cret", Duration.ofSeconds(2));
            Notification n = notification();
            hook.send(new AlertChannel.Outgoing(n.key(), n.body()));
            assertEquals(1, receiver.requests("/hook").size());
            HttpReceiver.Request r = receiver.requests("/hook").get(0);
            assertEquals(n.body(), r.text());
            assertEquals("k-0123456789abcdef", r.header(WebhookChannel.KEY_HEADER));
            // what a receiver does: HMAC-SHA256 of the raw body under the shared secret
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec("s3cret".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            assertEquals("sha256=" + java.util.HexFormat.of().formatHex(mac.doFinal(r.body())), r.header(WebhookChannel.SIGNATURE_HEADER));
            receiver.answer(503);
            Exception e = assertThrows(IllegalStateException.class, () -> hook.send(new AlertChannel.Outgoing(n.key(), n.body())));
            assertTrue(e.getMessage().contains("503"), e.getMessage());
            receiver.answer(302);
            assertThrows(IllegalStateException.class, () -> hook.send(new AlertChannel.Outgoing(n.key(), n.body())), "a redirect is not delivered");
        }
    }

    @Test
    void should_fail_within_its_timeout_when_the_receiver_does_not_answer() throws Exception {
        try (HttpReceiver receiver = HttpReceiver.start().onRequest(r -> {
            try {
                Thread.sleep(5_000);
            } catch (InterruptedException ignored) {
                // stopping
            }
        })) {
            WebhookChannel hook = new WebhookChannel(URI.create(receiver.url("/hook")), null, Duration.ofMillis(300));
            long t = System.nanoTime();
            assertThrows(java.net.http.HttpTimeoutException.class, () -> hook.send(new AlertChannel.Outgoing("k", "{}")));
            assertTrue(System.nanoTime() - t < 3_000_000_000L, "bounded by the timeout");
        }
    }

    @Test
    void should_mail_the_notification_with_its_title_as_subject_and_its_causes_and_links_in_the_body() throws Exception {
        GreenMail smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        try {
            int port = smtp.getSmtp().getPort();
            EmailChannel mail = EmailChannel.builder("127.0.0.1", port).from("chatlog@example.com").to(List.of("oncall@example.com", "lead@example.com"))
                    .timeout(Duration.ofSeconds(5)).build();
            Notification n = notification();
            mail.send(new AlertChannel.Outgoing(n.key(), n.body()));
            assertTrue(smtp.waitForIncomingEmail(5_000, 2));
            MimeMessage[] got = smtp.getReceivedMessages();
            assertEquals(2, got.length, "one per recipient");
            MimeMessage m = got[0];
            assertEquals("[chatlog] [ALERT] slow model gpt-4o", m.getSubject());
            assertEquals("<k-0123456789abcdef@example.com>", m.getMessageID(), "a retry is the same message");
            assertEquals("k-0123456789abcdef", m.getHeader("X-Chatlog-Idempotency-Key")[0]);
            String body = ((String) m.getContent()).replace("\r\n", "\n");
            assertTrue(body.startsWith("[ALERT] slow model gpt-4o\nmax duration of model gpt-4o is 9120 ms over the last 5m"), body);
            assertTrue(body.contains("  - call c4 (gpt-4o) 9120 ms, 150 tokens  http://x/dashboard#conversation=c"), body);
            assertTrue(body.contains("alerts: http://x/dashboard#alerts"), body);
        } finally {
            smtp.stop();
        }
    }

    @Test
    void should_throw_when_no_smtp_server_answers_so_the_outbox_retries() {
        EmailChannel mail = EmailChannel.builder("127.0.0.1", 1).to(List.of("oncall@example.com")).timeout(Duration.ofSeconds(2)).build();
        assertThrows(jakarta.mail.MessagingException.class, () -> mail.send(new AlertChannel.Outgoing("k", notification().body())));
    }
}
