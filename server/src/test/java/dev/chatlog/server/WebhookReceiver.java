package dev.chatlog.server;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A real webhook receiver for the alert tests: an HTTP server on a fixed port that can be stopped
 * (the receiver is down: connections refused) and started again on the same port. It checks each
 * signature as a receiver would and keeps every arrival, so the test counts them by idempotency key.
 */
public final class WebhookReceiver implements AutoCloseable {
    public record Arrival(String key, String body, boolean signatureValid, long atMillis) {}

    private final int port;
    private final byte[] secret;
    private final List<Arrival> arrivals = new CopyOnWriteArrayList<>();
    private HttpServer server;

    public WebhookReceiver(int port, String secret) {
        this.port = port;
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
    }

    public static int freePort() throws IOException {
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    public synchronized WebhookReceiver start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/hook", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            String sig = ex.getRequestHeaders().getFirst("X-Chatlog-Signature");
            arrivals.add(new Arrival(ex.getRequestHeaders().getFirst("X-Chatlog-Idempotency-Key"), new String(body, StandardCharsets.UTF_8),
                    sig != null && sig.equals("sha256=" + hmac(body)), System.currentTimeMillis()));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        server.start();
        return this;
    }

    public synchronized void stop() {
        if (server != null) server.stop(0);
        server = null;
    }

    public String url() {
        return "http://127.0.0.1:" + port + "/hook";
    }

    public List<Arrival> arrivals() {
        return List.copyOf(arrivals);
    }

    /** Arrivals by idempotency key. */
    public Map<String, List<Arrival>> byKey() {
        Map<String, List<Arrival>> out = new ConcurrentHashMap<>();
        for (Arrival a : arrivals) out.computeIfAbsent(a.key(), k -> new CopyOnWriteArrayList<>()).add(a);
        return out;
    }

    private String hmac(byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return java.util.HexFormat.of().formatHex(mac.doFinal(body));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        stop();
    }
}
