package dev.chatlog.server.web;

import dev.chatlog.server.ChatlogServer;
import dev.chatlog.server.Http;
import dev.chatlog.server.ServerTestSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Requests as raw bytes: what the HTTP layer refuses before any route runs is JSON too, and the Host is checked. */
class HttpEdgeTest {
    private static ChatlogServer server;

    @BeforeAll
    static void start() {
        server = ServerTestSupport.start(Map.of("CHATLOG_ALLOWED_HOSTS", "chat.example.com"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    record Raw(int status, String head, String body) {
        JsonNode json() throws Exception {
            return Http.JSON.readTree(body);
        }
    }

    /** Sends {@code request} as is and reads the whole answer (the server closes, or 10 s pass). */
    static Raw send(int port, String request) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return exchange(s, request);
        }
    }

    /** Sends {@code request} on a connected socket and reads the whole answer. */
    static Raw exchange(Socket s, String request) throws Exception {
        {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            s.shutdownOutput();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            try {
                for (int n; !complete(got) && (n = in.read(buf)) > 0; ) got.write(buf, 0, n);
            } catch (SocketTimeoutException | java.net.SocketException e) {
                // what arrived is the answer
            }
            String all = got.toString(StandardCharsets.UTF_8);
            int split = all.indexOf("\r\n\r\n");
            String head = split < 0 ? all : all.substring(0, split);
            String body = split < 0 ? "" : all.substring(split + 4);
            if (head.toLowerCase().contains("transfer-encoding: chunked")) body = unchunk(body);
            int status = head.startsWith("HTTP/1.1 ") ? Integer.parseInt(head.substring(9, 12)) : -1;
            return new Raw(status, head, body);
        }
    }

    /** Whether a whole answer arrived: its head, and as much body as its Content-Length says (chunked: the last chunk). */
    private static boolean complete(ByteArrayOutputStream got) {
        String all = got.toString(StandardCharsets.ISO_8859_1);
        int split = all.indexOf("\r\n\r\n");
        if (split < 0) return false;
        String head = all.substring(0, split).toLowerCase();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("content-length: *(\\d+)").matcher(head);
        if (m.find()) return all.length() - split - 4 >= Integer.parseInt(m.group(1));
        return head.contains("transfer-encoding: chunked") && all.endsWith("0\r\n\r\n");
    }

    private static String unchunk(String s) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < s.length()) {
            int eol = s.indexOf("\r\n", i);
            if (eol < 0) break;
            int size = Integer.parseInt(s.substring(i, eol).trim(), 16);
            if (size == 0) break;
            out.append(s, eol + 2, Math.min(s.length(), eol + 2 + size));
            i = eol + 2 + size + 2;
        }
        return out.toString();
    }

    private static Raw get(String path, String host) throws Exception {
        return send(server.port(), "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
    }

    private static void assertJsonError(Raw r, String what) throws Exception {
        assertTrue(r.status() >= 400 && r.status() < 500, what + ": " + r.head());
        assertTrue(r.head().toLowerCase().contains("content-type: application/json"), what + ": " + r.head());
        JsonNode j = r.json();
        assertTrue(j.hasNonNull("error"), what + ": " + r.body());
        assertEquals(r.status(), j.get("status").asInt(), what);
        assertTrue(!r.body().contains("at org.") && !r.body().contains("Exception"), what + " leaks internals: " + r.body());
    }

    @Test
    void should_serve_only_requests_that_name_this_server_in_host_without_a_token() throws Exception {
        int port = server.port();
        for (String host : new String[] {"127.0.0.1:" + port, "localhost:" + port, "LOCALHOST", "[::1]:" + port, "chat.example.com"}) {
            assertEquals(200, get("/health", host).status(), host);
        }
        for (String host : new String[] {"attacker.example", "attacker.example:" + port, "127.0.0.1.nip.io", "localhost.attacker.example",
                "chat.example.com.attacker.example"}) {
            Raw r = get("/logging-dashboard/export/llm-calls", host);
            assertEquals(403, r.status(), host + ": " + r.head());
            assertJsonError(r, host);
            assertTrue(r.json().get("error").asText().contains("CHATLOG_ALLOWED_HOSTS"), r.body());
        }
        assertEquals(403, send(port, "GET /health HTTP/1.0\r\n\r\n").status()); // no Host at all
    }

    @Test
    void should_serve_any_host_once_a_token_guards_the_logs() throws Exception {
        try (ChatlogServer guarded = ServerTestSupport.start(Map.of("CHATLOG_API_TOKEN", "t0ken"))) {
            assertEquals(200, send(guarded.port(), "GET /health HTTP/1.1\r\nHost: chat.internal\r\nConnection: close\r\n\r\n").status());
            assertEquals(401, send(guarded.port(), "GET /logging-dashboard/overview HTTP/1.1\r\nHost: chat.internal\r\nConnection: close\r\n\r\n").status());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "GET /logging-dashboard/overview%zz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
            "GET /logging-dashboard/%00overview HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
            "GET /dashboard/assets/..;/..;/pom.xml HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
            "GET /dashboard/assets/%2e%2e/%2e%2e/pom.xml HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
            "GET /a%2Fb HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
            "POST /chat-chat/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n{}{}{}{",
            "POST /chat-chat/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: -5\r\n\r\n",
            "POST /chat-chat/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "POST /chat-chat/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header Name: x\r\n\r\n",
            "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: 127.0.0.2\r\n\r\n",
            "GET /health HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n",
            "GET /health\r\nHost: 127.0.0.1\r\n\r\n",
            "BREW /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"})
    void should_answer_requests_the_http_layer_refuses_with_the_json_error(String request) throws Exception {
        Raw r = send(server.port(), request);
        if (r.status() == 505) { // HTTP/0.9 and unknown versions: the right status, and the JSON error still
            assertTrue(r.head().toLowerCase().contains("content-type: application/json"), r.head());
            assertTrue(r.json().get("error").asText().matches("(?i).*(version|not supported).*"), r.body());
            return;
        }
        assertJsonError(r, request.lines().findFirst().orElse(request));
    }

    @Test
    void should_answer_an_oversized_uri_or_header_with_the_json_error() throws Exception {
        assertJsonError(get("/logging-dashboard/overview?model=" + "a".repeat(20_000), "127.0.0.1"), "414");
        Raw big = send(server.port(), "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "b".repeat(20_000) + "\r\n\r\n");
        assertJsonError(big, "431");
    }

    @Test
    void should_refuse_an_announced_oversized_body_at_once() throws Exception {
        long t0 = System.nanoTime();
        Raw r = send(server.port(), "POST /chat-chat/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: 999999999\r\n\r\n"); // no body byte sent: nothing unread when the server closes
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(413, r.status(), r.head());
        assertJsonError(r, "413");
        assertTrue(ms < 5_000, "answered after " + ms + " ms");
    }

    @Test
    void should_answer_a_malformed_chunked_body_with_400_json_not_500() throws Exception {
        Raw r = send(server.port(), "POST /chat-chat/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n"); // (nothing after the bad size: nothing left unread)
        assertEquals(400, r.status(), r.head() + r.body());
        assertJsonError(r, "chunked");
        // a body cut short: the client went away; the server answers the next request as ever
        send(server.port(), "POST /chat-chat/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"in");
        assertEquals(200, get("/health", "127.0.0.1").status());
    }
}
