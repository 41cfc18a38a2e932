package dev.chatlog.server.web;

import dev.chatlog.server.ChatlogServer;
import dev.chatlog.server.Http;
import dev.chatlog.server.ServerTestSupport;
import dev.chatlog.server.Settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatlog.core.LoggerStats;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The bad-input corpus: hostile values in every parameter of every route, hostile chat bodies, and
 * malformed or smuggled HTTP, each sent to the running server. Every answer is a 2xx or a 4xx with
 * the JSON error, never a 5xx; no answer carries internal detail the request did not bring; and a
 * refused request leaves the logger's counters exactly as they were.
 */
class HostileCorpusTest {
    private static ChatlogServer server;
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() {
        // a judge for its routes, sampling nothing: no rating runs behind a refused request's back
        server = ServerTestSupport.start(Map.of("CHATLOG_JUDGE", "on", "CHATLOG_JUDGE_SAMPLE_RATE", "0", "CHATLOG_CHAT_EXPERIMENT", "demo-model"));
    }

    private static final java.util.TreeMap<Integer, Integer> STATUSES = new java.util.TreeMap<>();

    @AfterAll
    static void stop() {
        System.out.println("hostile corpus: answers by status " + STATUSES);
        server.close();
    }

    static final List<String> READ_ROUTES = List.of("/logging-dashboard/overview", "/logging-dashboard/conversations",
            "/logging-dashboard/llm-calls/analysis", "/logging-dashboard/sql-queries/analysis", "/logging-dashboard/stats/daily",
            "/logging-dashboard/stats/range", "/logging-dashboard/stats/cost", "/logging-dashboard/stats/latency",
            "/logging-dashboard/stats/realtime", "/logging-dashboard/export/llm-calls", "/logging-dashboard/export/messages",
            "/logging-dashboard/prices", "/logging-dashboard/stages", "/logging-dashboard/caches", "/logging-dashboard/score-definitions",
            "/logging-dashboard/scores", "/logging-dashboard/compare", "/logging-dashboard/scores/agreement", "/logging-dashboard/trends",
            "/logging-dashboard/bands", "/logging-dashboard/warnings", "/logging-dashboard/judge", "/logging-dashboard/experiments",
            "/logging-dashboard/experiments/demo-model", "/logging-dashboard/insights");

    static final List<String> PARAMS = List.of("hours", "window", "from", "to", "date", "group_by", "model", "agent", "function",
            "function_name", "chat_mode", "user", "success", "slow_ms", "minutes", "format", "conversation_id", "limit", "provider",
            "input_tokens", "output_tokens", "cached_input_tokens", "cache_write_tokens", "at", "name", "a", "b", "measure", "days", "kind",
            "latency_ms", "tokens", "steps", "message_id", "call_id", "arm");

    /** What an answer must not show unless the request itself carried it: traces, classes, SQL state, paths. */
    private static final Pattern INTERNAL = Pattern.compile(
            "(?i)(exception|\\bat (java|org|dev|io|com)\\.|java\\.[a-z]+\\.|org\\.eclipse|io\\.javalin|com\\.mysql|jdbc|sqlstate|"
                    + "mariadb|mysqld|datadir|/tmp/|/home/|/var/lib|/work/|chatlog_shop\\.|shop_reader|hikari)");

    record Answer(int status, String contentType, String body) {}

    @TestFactory
    Stream<DynamicTest> every_hostile_request_gets_a_json_4xx_or_a_2xx_and_no_refusal_touches_the_logger() {
        List<DynamicTest> cases = new ArrayList<>();
        int k = 0;
        for (String route : READ_ROUTES) {
            for (String param : PARAMS) {
                for (int j = 0; j < 2; j++) {
                    String v = HostileInputs.VALUES.get((k++ * 7 + j * 13) % HostileInputs.VALUES.size());
                    String url = route + "?" + param + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8);
                    cases.add(DynamicTest.dynamicTest("GET " + route + " " + param + "=" + shown(v), () -> check(url, v, () -> get(url))));
                }
            }
        }
        for (String v : HostileInputs.VALUES) {
            String url = "/logging-dashboard/conversation/" + URLEncoder.encode(v, StandardCharsets.UTF_8).replace("+", "%20") + "/detailed";
            cases.add(DynamicTest.dynamicTest("GET conversation " + shown(v), () -> check(url, v, () -> get(url))));
        }
        for (String name : List.of("..%2F..%2Fpom.xml", "%2e%2e%2f%2e%2e%2fpom.xml", "....//....//pom.xml", "app.js%00.png",
                "%252e%252e%252fpom.xml", "..%5c..%5cpom.xml", "echarts.min.js%3F", "no-such-asset.js", "%C0%AE%C0%AE%2Fpom.xml",
                "a%0d%0aSet-Cookie:%20x=1")) {
            String url = "/dashboard/assets/" + name;
            cases.add(DynamicTest.dynamicTest("GET asset " + name, () -> check(url, "", () -> get(url))));
        }
        for (String field : List.of("input", "conversation_id", "user_id", "chat_history", "chat_history_object", "summarize")) {
            for (String v : HostileInputs.VALUES) {
                String body = chatBody(field, v);
                cases.add(DynamicTest.dynamicTest("POST chat " + field + "=" + shown(v), () -> check(body, v, () -> post(body))));
            }
        }
        for (String body : STRUCTURAL_BODIES) {
            cases.add(DynamicTest.dynamicTest("POST chat body " + shown(body), () -> check(body, "", () -> post(body))));
        }
        for (String field : List.of("message_id", "call_id", "conversation_id", "name", "value", "source", "evaluator", "key", "comment", "at")) {
            for (int j = 0; j < HostileInputs.VALUES.size(); j += 3) {
                String v = HostileInputs.VALUES.get(j);
                String body = scoreBody(field, v);
                cases.add(DynamicTest.dynamicTest("POST score " + field + "=" + shown(v), () -> check(body, v, () -> postTo("/logging-dashboard/scores", body))));
            }
        }
        for (String body : STRUCTURAL_BODIES) {
            cases.add(DynamicTest.dynamicTest("POST score body " + shown(body), () -> check(body, "", () -> postTo("/logging-dashboard/scores", body))));
        }
        for (String field : List.of("hours", "target", "models", "agents", "intents", "max_targets", "max_cost_usd")) {
            for (int j = 1; j < HostileInputs.VALUES.size(); j += 3) {
                String v = HostileInputs.VALUES.get(j);
                Map<String, Object> b = new java.util.LinkedHashMap<>(Map.of("dry_run", true));
                b.put(field, field.endsWith("s") && !field.equals("hours") ? List.of(v) : v);
                String body = Http.JSON.valueToTree(b).toString();
                cases.add(DynamicTest.dynamicTest("POST backfill " + field + "=" + shown(v), () -> check(body, v, () -> postTo("/logging-dashboard/judge/backfill", body))));
            }
        }
        for (String body : STRUCTURAL_BODIES) {
            cases.add(DynamicTest.dynamicTest("POST backfill body " + shown(body), () -> check(body, "", () -> postTo("/logging-dashboard/judge/backfill", body))));
        }
        for (int j = 0; j < HostileInputs.VALUES.size(); j += 2) {
            String v = HostileInputs.VALUES.get(j);
            String url = "/logging-dashboard/score-definitions/" + URLEncoder.encode(v, StandardCharsets.UTF_8).replace("+", "%20");
            String body = "{\"type\": \"categorical\", \"labels\": [" + Http.JSON.valueToTree(v) + "]}";
            cases.add(DynamicTest.dynamicTest("PUT score definition " + shown(v), () -> check(url + " " + body, v, () -> put(url, body))));
        }
        for (String raw : RAW_REQUESTS) {
            cases.add(DynamicTest.dynamicTest("raw " + shown(raw.lines().findFirst().orElse(raw)), () -> check(raw, "", () -> raw(raw))));
        }
        assertTrue(cases.size() >= 300, "the corpus holds " + cases.size() + " cases");
        return cases.stream();
    }

    /** Bodies wrong by their shape: nesting, numbers, encodings, duplicates. */
    static final List<String> STRUCTURAL_BODIES = List.of(
            "[".repeat(5_000) + "]".repeat(5_000),
            "{\"input\": " + "[".repeat(2_000) + "]".repeat(2_000) + "}",
            "{\"input\": \"hi\", \"x\": " + "{\"a\":".repeat(3_000) + "1" + "}".repeat(3_000) + "}",
            "{\"input\": \"hi\", \"n\": " + "9".repeat(5_000) + "}",
            "{\"input\": \"hi\", \"n\": 1e999999}",
            "{\"input\": \"hi\", \"n\": NaN}",
            "{\"input\": \"a\", \"input\": \"b\"}",
            "{\"input\": \"hi\", \"user_id\": \"alice\", \"user_id\": \"mallory\"}",
            "\uFEFF{\"input\": \"hi\"}",
            "{'input': 'single quotes'}",
            "{input: \"unquoted key\"}",
            "{\"input\": \"hi\",}",
            "{\"input\": \"hi\" /* comment */}",
            "{\"input\": \"hi\"}\u0000",
            "{\"input\": \"\\x41\"}",
            "{\"input\": \"\\u00\"}",
            "{\"input\": \"hi\"",
            "null",
            "",
            "   ",
            "{\"input\": \"hi\", \"chat_history\": [" + "\"x\",".repeat(60) + "\"y\"]}",
            "{\"input\": \"hi\", \"chat_history\": [\"" + "h".repeat(5_000) + "\"]}",
            "{\"input\": \"" + "\\ud800".repeat(10) + "\"}",
            "{\"input\": \"hi\", \"conversation_id\": \"" + "c".repeat(500) + "\"}",
            "{\"input\": \"hi\", \"user_id\": \"" + "u".repeat(500) + "\"}");

    /** Malformed, smuggled or odd HTTP, as raw bytes. */
    static final List<String> RAW_REQUESTS = List.of(
            post("Content-Length: 4\r\nTransfer-Encoding: chunked", "0\r\n\r\nGET /logging-dashboard/export/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
            post("Transfer-Encoding: chunked\r\nTransfer-Encoding: identity", "5\r\n{\"in\"\r\n0\r\n\r\n"),
            post("Transfer-Encoding: xchunked", "0\r\n\r\n"),
            post("Transfer-Encoding : chunked", "0\r\n\r\n"),
            post("Transfer-Encoding: chunked, identity", "0\r\n\r\n"),
            post("Transfer-Encoding: chunked", "ffffffffffffffffff\r\nx\r\n0\r\n\r\n"),
            post("Transfer-Encoding: chunked", "-1\r\nx\r\n0\r\n\r\n"),
            post("Transfer-Encoding: chunked", "3;ext=\"" + "e".repeat(10_000) + "\"\r\n{}\r\n0\r\n\r\n"),
            post("Content-Length: 10, 10", "{\"input\":1}"),
            post("Content-Length: +10", "{\"input\":1}"),
            post("Content-Length: 0x10", "{\"input\":1}"),
            post("Content-Length: 99999999999999999999", ""),
            post("Content-Length: 1\r\n Content-Length: 2", "{}"),
            post("X-Folded: a\r\n\tb", "{\"input\": \"hi\"}"),
            post("Content-Type: text/plain", "{\"input\": \"hi\"}"),
            "POST /chat-chat/ HTTP/1.1\nHost: 127.0.0.1\nContent-Type: application/json\nContent-Length: 15\nConnection: close\n\n{\"input\": \"x\"}",
            "GET /logging-dashboard/overview HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Null: a\u0000b\r\nConnection: close\r\n\r\n",
            "GET http://attacker.example/logging-dashboard/overview HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            "GET //attacker.example/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            "CONNECT 127.0.0.1:3306 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            "TRACE /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            "OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            "PUT /chat-chat/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            "DELETE /logging-dashboard/overview HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            "G\u00c9T /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\nConnection: Upgrade, HTTP2-Settings, close\r\n\r\n",
            "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
            "GET /logging-dashboard/overview?hours=1&hours=2&hours=" + "9".repeat(50) + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            "GET /logging-dashboard/overview?%zz=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            "GET /logging-dashboard/overview?model=%C0%80 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            "GET /logging-dashboard/overview?model=%ED%A0%80 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            "GET /logging-dashboard/conversation/%2e%2e%2f%2e%2e/detailed HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            "GET /logging-dashboard/./overview HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            "GET /LOGGING-DASHBOARD/overview HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: " + "c=1; ".repeat(1_000) + "\r\nConnection: close\r\n\r\n",
            "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: gzip;q=" + "9".repeat(500) + "\r\nConnection: close\r\n\r\n",
            "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nRange: bytes=0-0,1-1,2-2,3-3\r\nConnection: close\r\n\r\n",
            "GET /health HTTP/1.1\r\nHost: 127.0.0.1:99999\r\nConnection: close\r\n\r\n",
            "GET /health HTTP/1.1\r\nHost: 127.0.0.1@attacker.example\r\nConnection: close\r\n\r\n",
            "GET /health HTTP/1.1\r\nHost: \r\nConnection: close\r\n\r\n",
            "GET /logging-dashboard/overview HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: https://attacker.example\r\nConnection: close\r\n\r\n",
            "OPTIONS /chat-chat/ HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: https://attacker.example\r\nAccess-Control-Request-Method: POST\r\n"
                    + "Access-Control-Request-Headers: content-type\r\nConnection: close\r\n\r\n");

    private static String post(String headers, String body) {
        boolean framed = headers.toLowerCase().contains("content-length") || headers.toLowerCase().contains("transfer-encoding");
        String type = headers.toLowerCase().contains("content-type") ? "" : "Content-Type: application/json\r\n";
        return "POST /chat-chat/ HTTP/1.1\r\nHost: 127.0.0.1\r\n" + type + headers + "\r\n"
                + (framed ? "" : "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n") + "Connection: close\r\n\r\n" + body;
    }

    /** A score for a message that is not in the log, with {@code field} set to {@code v}. */
    private static String scoreBody(String field, String v) {
        JsonNode value = Http.JSON.valueToTree(v);
        Map<String, Object> body = new java.util.LinkedHashMap<>(Map.of("name", "helpful", "value", 1, "source", "human"));
        if (!field.endsWith("_id")) body.put("message_id", "m-1");
        body.put(field, value);
        return Http.JSON.valueToTree(body).toString();
    }

    private static String chatBody(String field, String v) {
        JsonNode value = Http.JSON.valueToTree(v);
        return switch (field) {
            case "input" -> "{\"input\": " + value + "}";
            case "chat_history" -> "{\"input\": \"hi\", \"chat_history\": [" + value + "]}";
            case "chat_history_object" -> "{\"input\": \"hi\", \"chat_history\": [{\"role\": " + value + ", \"content\": " + value + "}]}";
            case "summarize" -> "{\"input\": \"hi\", \"summarize\": " + (v.equals("true") || v.equals("null") ? v : value.toString()) + "}";
            default -> "{\"input\": \"hi\", \"" + field + "\": " + value + "}";
        };
    }

    private interface Send {
        Answer send() throws Exception;
    }

    private static void check(String request, String value, Send send) throws Exception {
        LoggerStats before = server.logger().stats();
        Answer a = send.send();
        synchronized (STATUSES) {
            STATUSES.merge(a.status(), 1, Integer::sum);
        }
        String what = shown(request) + " -> " + a.status() + " " + shown(a.body());
        assertTrue(a.status() >= 200 && a.status() < 500, "no 5xx, and an answer at all: " + what);
        if (a.status() >= 400) {
            assertTrue(a.contentType() != null && a.contentType().toLowerCase().startsWith("application/json"), "JSON error: " + what);
            JsonNode j = Http.JSON.readTree(a.body());
            assertTrue(j.hasNonNull("error") && j.get("error").isTextual(), "an error text: " + what);
            assertEquals(a.status(), j.path("status").asInt(), "the status in the body: " + what);
            LoggerStats after = server.logger().stats();
            assertEquals(before.accepted(), after.accepted(), "a refused request logs nothing: " + what);
            assertEquals(before.rejected(), after.rejected(), what);
            assertEquals(before.dropped(), after.dropped(), what);
        }
        Matcher m = INTERNAL.matcher(a.body());
        while (m.find()) {
            String leak = m.group();
            assertTrue(request.toLowerCase().contains(leak.toLowerCase()) || value.toLowerCase().contains(leak.toLowerCase()),
                    "internal detail '" + leak + "' in " + what);
        }
    }

    private static Answer get(String path) throws Exception {
        return http(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).GET());
    }

    private static Answer postTo(String path, String body) throws Exception {
        return http(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /**
     * A PUT on a connection of its own: Jetty answers a path it refuses (an encoded slash) before reading the body, and
     * closes the connection; a pooled one would hand the next request a closed socket.
     */
    private static Answer put(String path, String body) throws Exception {
        HttpClient own = HttpClient.newHttpClient(); // Java 17: not closeable; its one connection goes with it
        HttpResponse<String> r = own.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body))
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(null), r.body());
    }

    private static Answer post(String body) throws Exception {
        return http(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/chat-chat/"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private static Answer http(HttpRequest.Builder b) throws Exception {
        HttpResponse<String> r = CLIENT.send(b.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(null), r.body());
    }

    private static Answer raw(String request) throws Exception {
        HttpEdgeTest.Raw r = HttpEdgeTest.send(server.port(), request);
        Matcher ct = Pattern.compile("(?im)^content-type: *([^\\r\\n]+)").matcher(r.head());
        return new Answer(r.status(), ct.find() ? ct.group(1) : null, r.body());
    }

    private static String shown(String s) {
        String t = s.replace("\r", "\\r").replace("\n", "\\n").replace("\u0000", "\\0");
        return t.length() > 80 ? t.substring(0, 80) + "…(" + s.length() + ")" : t;
    }
}
