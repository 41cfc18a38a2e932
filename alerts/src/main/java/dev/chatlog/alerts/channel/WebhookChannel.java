package dev.chatlog.alerts.channel;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Notifications POSTed as JSON to one URL. Headers: {@code X-Chatlog-Idempotency-Key} (the same on
 * every retry: receivers drop what they have seen) and, with a secret, {@code X-Chatlog-Signature:
 * sha256=<hex HMAC-SHA256 of the body's bytes under the secret>}. A 2xx answer, headers and body,
 * within the timeout is delivered; anything else is retried by the outbox.
 */
public final class WebhookChannel implements AlertChannel {
    public static final String SIGNATURE_HEADER = "X-Chatlog-Signature";
    public static final String KEY_HEADER = "X-Chatlog-Idempotency-Key";

    private final URI url;
    private final byte[] secret;
    private final Duration timeout;
    private final HttpClient client;

    public WebhookChannel(URI url, String secret, Duration timeout) {
        if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())) {
            throw new IllegalArgumentException("a webhook URL is http or https, got " + url);
        }
        this.url = url;
        this.secret = secret == null || secret.isEmpty() ? null : secret.getBytes(StandardCharsets.UTF_8);
        this.timeout = timeout;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @Override
    public String name() {
        return "webhook";
    }

    public Duration timeout() {
        return timeout;
    }

    @Override
    public void send(Outgoing n) throws Exception {
        byte[] body = n.body().getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder b = HttpRequest.newBuilder(url).timeout(timeout).header("Content-Type", "application/json")
                .header("User-Agent", "chatlog-alerts").header(KEY_HEADER, n.key()).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (secret != null) b.header(SIGNATURE_HEADER, "sha256=" + sign(secret, body));
        // the whole exchange is bounded, not only the wait for the headers: a request's timeout stops applying once
        // they arrive (JDK-8258397), and a receiver that then stalls its body must not hold the sending thread
        java.util.concurrent.CompletableFuture<HttpResponse<String>> exchange = client.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> r;
        try {
            r = exchange.get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            exchange.cancel(true);
            throw new java.net.http.HttpTimeoutException("webhook exchange not complete within " + timeout.toMillis() + " ms");
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof Exception c ? c : e;
        } catch (InterruptedException e) {
            exchange.cancel(true);
            throw e;
        }
        if (r.statusCode() / 100 != 2) {
            String text = r.body() == null ? "" : r.body();
            throw new IllegalStateException("webhook answered " + r.statusCode() + (text.isBlank() ? "" : ": "
                    + text.substring(0, Math.min(200, text.length()))));
        }
    }

    /** The hex HMAC-SHA256 of {@code body} under {@code secret}: what a receiver computes to check the signature. */
    public static String sign(byte[] secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
