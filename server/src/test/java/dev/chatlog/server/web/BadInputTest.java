package dev.chatlog.server.web;

import dev.chatlog.server.ChatlogServer;
import dev.chatlog.server.Http;
import dev.chatlog.server.ServerTestSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every bad input gets a 4xx with a JSON error naming the problem, and stores nothing. */
class BadInputTest {
    private static ChatlogServer server;
    private static Http http;

    @BeforeAll
    static void start() {
        server = ServerTestSupport.start(Map.of());
        http = new Http("http://127.0.0.1:" + server.port());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static long rows() {
        server.logger().flush(Duration.ofSeconds(10));
        return server.database().jdbi().withHandle(h -> h.createQuery(
                "SELECT (SELECT COUNT(*) FROM chatbot_conversation_messages) + (SELECT COUNT(*) FROM chatbot_llm_calls)")
                .mapTo(Long.class).one());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{bad json                                   | not valid JSON          | ",
            "[\"input\"]                                 | must be a JSON object   | ",
            "\"just a string\"                           | must be a JSON object   | ",
            "{}                                          | input is required       | input",
            "{\"input\": null}                           | input is required       | input",
            "{\"input\": \"\"}                           | must not be empty       | input",
            "{\"input\": \"   \"}                        | must not be empty       | input",
            "{\"input\": 42}                             | input must be a string  | input",
            "{\"input\": [\"a\"]}                        | input must be a string  | input",
            "{\"input\": \"hi\", \"conversation_id\": 7} | must be a string        | conversation_id",
            "{\"input\": \"hi\", \"conversation_id\": \"a b;DROP\"} | letters, digits | conversation_id",
            "{\"input\": \"hi\", \"summarize\": \"yes\"} | true or false           | summarize",
            "{\"input\": \"hi\", \"chat_history\": {}}   | must be an array        | chat_history",
            "{\"input\": \"hi\", \"chat_history\": [1]}  | must be strings         | chat_history",
            "{\"input\": \"hi\", \"chat_history\": [{\"role\": \"root\", \"content\": \"x\"}]} | user or assistant | chat_history",
            "{\"input\": \"hi\"} xyz                      | nothing after it        | ",
            "{\"input\": \"a\"}{\"input\": \"b\"}        | nothing after it        | ",
            "{\"input\": \"a\"} []                        | nothing after it        | ",
            "{\"input\": \"a\", \"input\": \"b\"}        | each field once         | ",
            "{\"input\": \"a\", \"user_id\": \"alice\", \"user_id\": \"mallory\"} | each field once | ",
            "{\"input\": \"lone \\ud800 high\"}          | lone UTF-16 surrogate   | input",
            "{\"input\": \"lone \\udfff low\"}           | lone UTF-16 surrogate   | input",
            "{\"input\": \"swapped \\udc00\\ud800\"}    | lone UTF-16 surrogate   | input",
            "{\"input\": \"hi\", \"chat_history\": [\"x\\ud83d\"]} | lone UTF-16 surrogate | chat_history"})
    void should_reject_a_bad_chat_body_with_400_and_store_nothing(String body, String message, String field) throws Exception {
        long before = rows();
        Http.Response r = http.post("/chat-chat/", body);
        assertEquals(400, r.status(), r.raw());
        assertNotNull(r.json(), r.raw());
        assertTrue(r.json().get("error").asText().contains(message.trim()), r.raw());
        if (field != null && !field.isBlank()) assertEquals(field.trim(), r.json().get("field").asText());
        assertEquals(before, rows());
    }

    @Test
    void should_accept_a_paired_surrogate_and_store_it_as_sent() throws Exception {
        Http.Response r = http.post("/chat-chat/", "{\"input\": \"hello \\ud83d\\ude00\"}");
        assertEquals(200, r.status(), r.raw());
        server.logger().flush(Duration.ofSeconds(10));
        JsonNode conv = http.get("/logging-dashboard/conversation/" + r.json().get("conversation_id").asText() + "/detailed").json();
        assertEquals("hello \uD83D\uDE00", conv.at("/messages/0/user_input").asText());
    }

    @ParameterizedTest
    @ValueSource(strings = {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
            "application/jsonx", "text/json", ""})
    void should_refuse_a_chat_body_not_sent_as_json_with_415(String contentType) throws Exception {
        long before = rows();
        java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(java.net.URI.create(http.base() + "/chat-chat/"))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"input\": \"hello\"}"));
        if (!contentType.isEmpty()) b.header("Content-Type", contentType);
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(b.build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(415, r.statusCode(), contentType + ": " + r.body());
        assertTrue(Http.JSON.readTree(r.body()).get("error").asText().contains("application/json"), r.body());
        assertEquals(before, rows());
        assertEquals(200, http.post("/chat-chat/", "{\"input\": \"hello\"}").status()); // Http sends application/json
    }

    @Test
    void should_reject_too_long_input_and_oversized_bodies() throws Exception {
        long before = rows();
        Http.Response longInput = http.post("/chat-chat/", "{\"input\": \"" + "a".repeat(4_001) + "\"}");
        assertEquals(400, longInput.status());
        assertEquals("input", longInput.json().get("field").asText());
        Http.Response huge = http.post("/chat-chat/", "{\"input\": \"" + "a".repeat(200_000) + "\"}");
        assertEquals(413, huge.status());
        assertNotNull(huge.json(), huge.raw());
        assertEquals(before, rows());
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "-1", "0", "1.5", "99999999", "1e3", "24;DROP", "%27%20OR%201%3D1"})
    void should_reject_bad_hours_on_every_dashboard_route(String hours) throws Exception {
        for (String route : new String[] {"/logging-dashboard/overview", "/logging-dashboard/llm-calls/analysis",
                "/logging-dashboard/sql-queries/analysis", "/logging-dashboard/stages", "/logging-dashboard/caches"}) {
            Http.Response r = http.get(route + "?hours=" + hours);
            assertEquals(400, r.status(), route + " " + r.raw());
            assertEquals("hours", r.json().get("field").asText());
        }
    }

    @Test
    void should_answer_404_json_for_an_unknown_conversation_and_route() throws Exception {
        Http.Response r = http.get("/logging-dashboard/conversation/never-seen/detailed");
        assertEquals(404, r.status());
        assertTrue(r.json().get("error").asText().contains("never-seen"));
        Http.Response bad = http.get("/logging-dashboard/conversation/%27%3BDROP%20TABLE%20x/detailed");
        assertEquals(400, bad.status(), bad.raw());
        Http.Response none = http.get("/no/such/route");
        assertEquals(404, none.status());
        assertNotNull(none.json());
        Http.Response filter = http.get("/logging-dashboard/llm-calls/analysis?model=%27%20OR%201%3D1%20--");
        assertEquals(400, filter.status(), filter.raw());
        Http.Response okFilter = http.get("/logging-dashboard/llm-calls/analysis?model=openai/gpt-4o&function_name=generate_sql");
        assertEquals(200, okFilter.status(), okFilter.raw());
    }

    @ParameterizedTest
    @ValueSource(strings = {"sql: DROP TABLE orders", "sql: DELETE FROM orders", "sql: UPDATE orders SET total = 0",
            "sql: SELECT 1; DROP TABLE customers", "sql: SELECT * FROM orders INTO OUTFILE '/tmp/chatlog-x'",
            "sql: SELECT SLEEP(30)", "sql: TRUNCATE order_items", "sql: INSERT INTO products VALUES (99, 'x', 'y', 1)",
            "sql: SELECT * FROM orders FOR UPDATE", "sql: CREATE TABLE evil (id INT)"})
    void should_change_nothing_and_log_a_refused_query_when_the_model_writes_a_harmful_statement(String input) throws Exception {
        long orders = shopCount();
        Http.Response r = http.post("/chat-chat/", "{\"input\": " + Http.JSON.valueToTree(input) + "}");
        assertEquals(200, r.status(), r.raw());
        assertTrue(r.json().at("/output/error").asText().startsWith("refused:"), r.raw());
        assertEquals(orders, shopCount());
        server.logger().flush(Duration.ofSeconds(10));
        JsonNode conv = http.get("/logging-dashboard/conversation/" + r.json().get("conversation_id").asText() + "/detailed").json();
        JsonNode q = conv.at("/messages/0/sql_queries/0");
        assertEquals(false, q.get("success").asBoolean());
        assertTrue(q.get("error").asText().startsWith("refused:"));
    }

    private static long shopCount() {
        return server.database().jdbi().withHandle(h -> h.createQuery(
                "SELECT (SELECT COUNT(*) FROM chatlog_shop.orders) + (SELECT COUNT(*) FROM chatlog_shop.customers) "
                        + "+ (SELECT COUNT(*) FROM chatlog_shop.products) + (SELECT COUNT(*) FROM chatlog_shop.order_items)")
                .mapTo(Long.class).one());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "/logging-dashboard/stats/daily?date=yesterday                 | date",
            "/logging-dashboard/stats/daily?date=2026-13-45                | date",
            "/logging-dashboard/stats/daily?slow_ms=-5                     | slow_ms",
            "/logging-dashboard/stats/daily?success=maybe                  | success",
            "/logging-dashboard/stats/daily?user=a%20b                     | user",
            "/logging-dashboard/stats/range?group_by=year                  | group_by",
            "/logging-dashboard/stats/range?window=forever                 | window",
            "/logging-dashboard/stats/range?window=session                 | conversation_id",
            "/logging-dashboard/stats/range?from=2026-11-10&to=2026-11-01  | from",
            "/logging-dashboard/stats/range?from=last-week                 | from",
            "/logging-dashboard/stats/cost?group_by=planet                 | group_by",
            "/logging-dashboard/stats/realtime?minutes=0                   | minutes",
            "/logging-dashboard/stats/realtime?minutes=99999               | minutes",
            "/logging-dashboard/stats/latency?model=%27%3B%20DROP          | model",
            "/logging-dashboard/export/llm-calls?format=xml                | format",
            "/logging-dashboard/export/messages?window=bogus               | window",
            "/logging-dashboard/stats/daily?date=10000-01-01               | date",
            "/logging-dashboard/stats/daily?date=9999-12-31                | date",
            "/logging-dashboard/stats/daily?date=1969-12-31                | date",
            "/logging-dashboard/stats/daily?date=%2B10000-01-01            | date"})
    void should_reject_bad_statistics_and_export_parameters(String url, String field) throws Exception {
        Http.Response r = http.get(url.trim());
        assertEquals(400, r.status(), url + " " + r.raw());
        assertEquals(field.trim(), r.json().get("field").asText(), r.raw());
    }

    @ParameterizedTest
    @ValueSource(strings = {"to=%2B1000000000-12-31T23:59:59Z", "from=-1000000000-01-01T00:00:00Z", "to=9999-12-31",
            "from=2026-12-01&to=9999-12-31", "from=1969-12-31", "from=1969-12-31T23:59:59Z", "to=10000-01-01T00:00:00Z",
            "from=%2B275760-09-13T00:00:00Z", "to=9999-12-31T00:00:00.001Z"})
    void should_refuse_a_window_the_store_cannot_hold_on_every_read_route(String window) throws Exception {
        for (String route : new String[] {"/logging-dashboard/stats/range", "/logging-dashboard/stats/cost", "/logging-dashboard/stats/latency",
                "/logging-dashboard/export/llm-calls", "/logging-dashboard/export/messages", "/logging-dashboard/overview",
                "/logging-dashboard/llm-calls/analysis", "/logging-dashboard/conversations", "/logging-dashboard/sql-queries/analysis",
                "/logging-dashboard/stages", "/logging-dashboard/caches"}) {
            Http.Response r = http.get(route + "?" + window);
            assertEquals(400, r.status(), route + "?" + window + " " + r.raw());
            String field = window.contains("to=") && !window.startsWith("from=1969") && !window.startsWith("from=-") && !window.startsWith("from=%2B")
                    ? "to" : "from";
            assertEquals(field, r.json().get("field").asText(), route + "?" + window + " " + r.raw());
        }
    }

    @Test
    void should_answer_the_widest_window_the_store_can_hold() throws Exception {
        assertEquals(200, http.get("/logging-dashboard/stats/range?from=1970-01-01&to=9999-12-30").status());
        assertEquals(200, http.get("/logging-dashboard/stats/daily?date=9999-12-30").status());
        long all = http.get("/logging-dashboard/stats/range?window=all").json().at("/totals/llm_calls").asLong();
        assertEquals(all, http.get("/logging-dashboard/stats/range?from=2000-01-01&to=9999-12-30").json().at("/totals/llm_calls").asLong());
    }

    @Test
    void should_let_only_the_owner_continue_a_conversation() throws Exception {
        Http.Response first = http.post("/chat-chat/", "{\"input\": \"Show me recent orders\", \"user_id\": \"alice\"}");
        assertEquals(200, first.status(), first.raw());
        String conv = first.json().get("conversation_id").asText();
        assertEquals(200, http.post("/chat-chat/", "{\"input\": \"and pending ones?\", \"user_id\": \"alice\", \"conversation_id\": \""
                + conv + "\"}").status());
        long before = rows();
        for (String other : new String[] {"\"user_id\": \"mallory\", ", "", "\"user_id\": \"ALICE\", "}) {
            Http.Response r = http.post("/chat-chat/", "{\"input\": \"what did I ask?\", " + other + "\"conversation_id\": \"" + conv + "\"}");
            assertEquals(403, r.status(), other + r.raw());
            assertEquals("conversation_id", r.json().get("field").asText());
            assertTrue(!r.raw().contains("recent orders"), "nothing of alice's turns comes back: " + r.raw());
        }
        assertEquals(before, rows(), "a refused turn stores nothing");
        JsonNode summary = http.get("/logging-dashboard/conversation/" + conv + "/detailed").json().get("summary");
        assertEquals("alice", summary.get("user_id").asText());
        assertEquals(2, summary.get("total_messages").asInt());
        // a conversation this process never saw (written by another instance, or before a restart): its summary row decides
        server.logger().logMessage(dev.chatlog.core.ConversationMessage.builder().conversationId("stored-by-carol").messageId("m1")
                .userId("carol").userInput("my orders").finalOutput("{}").timestamp(java.time.Instant.now()).success(true).build());
        server.logger().flush(Duration.ofSeconds(10));
        assertEquals(403, http.post("/chat-chat/", "{\"input\": \"hi\", \"user_id\": \"mallory\", \"conversation_id\": \"stored-by-carol\"}").status());
        assertEquals(200, http.post("/chat-chat/", "{\"input\": \"hi\", \"user_id\": \"carol\", \"conversation_id\": \"stored-by-carol\"}").status());
        // an anonymous conversation stays anonymous
        Http.Response anon = http.post("/chat-chat/", "{\"input\": \"hello\", \"conversation_id\": \"anon-owner-1\"}");
        assertEquals(200, anon.status());
        assertEquals(403, http.post("/chat-chat/", "{\"input\": \"hi\", \"user_id\": \"bob\", \"conversation_id\": \"anon-owner-1\"}").status());
        assertEquals(200, http.post("/chat-chat/", "{\"input\": \"hi again\", \"conversation_id\": \"anon-owner-1\"}").status());
    }

    @Test
    void should_keep_the_shop_pool_for_others_while_one_client_floods_it_with_slow_queries() throws Exception {
        String slow = "{\"input\": \"sql: SELECT COUNT(*) AS n FROM order_items a, order_items b, order_items c "
                + "WHERE a.quantity + b.quantity + c.quantity > 100\"}";
        var pool = java.util.concurrent.Executors.newFixedThreadPool(12);
        try {
            var flood = new java.util.ArrayList<java.util.concurrent.Future<Http.Response>>();
            for (int i = 0; i < 12; i++) flood.add(pool.submit(() -> http.post("/chat-chat/", slow))); // all from 127.0.0.1
            Thread.sleep(1_000);
            long t0 = System.nanoTime();
            HttpEdgeTest.Raw other; // another client: a socket from 127.0.0.2
            String body = "{\"input\": \"Show me recent orders\"}";
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.port(), java.net.InetAddress.getByName("127.0.0.2"), 0)) {
                other = HttpEdgeTest.exchange(s, "POST /chat-chat/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body);
            }
            long otherMs = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(200, other.status(), other.head());
            assertTrue(other.json().at("/output/row_count").asInt() > 0, other.body());
            assertTrue(otherMs < 3_000, "the other client waited " + otherMs + " ms");
            int refused = 0;
            for (var f : flood) {
                Http.Response r = f.get(60, java.util.concurrent.TimeUnit.SECONDS);
                assertEquals(200, r.status(), r.raw());
                if (r.json().at("/output/error").asText().contains("another query of this client")) refused++;
            }
            System.out.println("shop flood: 12 slow chats from 127.0.0.1, " + refused + " refused at once; a chat from 127.0.0.2 answered in "
                    + otherMs + " ms");
            assertTrue(refused >= 10, "at most two of twelve (one at a time) reached the database; refused " + refused);
        } finally {
            pool.shutdownNow();
        }
    }
}
