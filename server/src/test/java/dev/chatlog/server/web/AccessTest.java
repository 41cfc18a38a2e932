package dev.chatlog.server.web;

import dev.chatlog.server.ChatlogServer;
import dev.chatlog.server.ServerTestSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AccessTest {
    private static ChatlogServer server;
    private static String base;
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        server = ServerTestSupport.start(Map.of("CHATLOG_API_TOKEN", "s3cret-token", "CHATLOG_CORS_ORIGINS", "https://ops.example.com"));
        base = "http://127.0.0.1:" + server.port();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void should_require_the_bearer_token_on_dashboard_and_export_routes() throws Exception {
        for (String path : new String[] {"/logging-dashboard/overview", "/logging-dashboard/stats/daily",
                "/logging-dashboard/export/llm-calls?format=csv", "/logging-dashboard/conversation/x/detailed", "/metrics",
                "/logging-dashboard/alerts", "/logging-dashboard/alerts/rules/x"}) {
            HttpResponse<String> none = get(path);
            assertEquals(401, none.statusCode(), path);
            assertTrue(none.body().contains("bearer token"), none.body());
            assertEquals("Bearer realm=\"chatlog\"", none.headers().firstValue("WWW-Authenticate").orElse(null));
            assertEquals(401, get(path, "Authorization", "Bearer wrong-token").statusCode());
            assertEquals(401, get(path, "Authorization", "Bearer s3cret-token-and-more").statusCode());
            assertEquals(401, get(path, "Authorization", "Basic czNjcmV0LXRva2Vu").statusCode());
        }
        assertEquals(200, get("/logging-dashboard/overview", "Authorization", "Bearer s3cret-token").statusCode());
        assertEquals(404, get("/logging-dashboard/conversation/x/detailed", "Authorization", "Bearer s3cret-token").statusCode());
        assertEquals(200, get("/health").statusCode()); // health stays open
        HttpResponse<String> metrics = get("/metrics", "Authorization", "Bearer s3cret-token");
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.body().contains("chatlog_logger_records_accepted_total"), metrics.body());
        HttpResponse<String> chat = CLIENT.send(HttpRequest.newBuilder(URI.create(base + "/chat-chat/")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"input\": \"hello\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, chat.statusCode()); // the application's endpoint is not the dashboard
    }

    @Test
    void should_answer_cors_only_for_configured_origins() throws Exception {
        HttpResponse<String> allowed = get("/health", "Origin", "https://ops.example.com");
        assertEquals("https://ops.example.com", allowed.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
        HttpResponse<String> other = get("/health", "Origin", "https://evil.example.net");
        assertNull(other.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
        HttpResponse<String> preflight = CLIENT.send(HttpRequest.newBuilder(URI.create(base + "/logging-dashboard/overview"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", "https://ops.example.com")
                .header("Access-Control-Request-Method", "GET").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(204, preflight.statusCode());
        assertTrue(preflight.headers().firstValue("Access-Control-Allow-Headers").orElse("").contains("Authorization"));
    }
}
