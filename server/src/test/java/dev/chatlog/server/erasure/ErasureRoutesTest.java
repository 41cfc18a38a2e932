package dev.chatlog.server.erasure;

import dev.chatlog.server.ChatlogServer;
import dev.chatlog.server.Http;
import dev.chatlog.server.ServerTestSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatlog.sql.rollup.ConsistencyCheck;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code POST /logging-dashboard/erasures}: a user's data deleted through the server, authenticated, audited, consistent. */
class ErasureRoutesTest {
    private static final String TOKEN = "erasure-secret";
    private static ChatlogServer server;
    private static Http http;

    @BeforeAll
    static void start() throws Exception {
        server = ServerTestSupport.start(Map.of("CHATLOG_API_TOKEN", TOKEN));
        http = new Http("http://127.0.0.1:" + server.port());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static Http.Response authed(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(http.base() + path)).header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json");
        b = body == null ? b.method(method, HttpRequest.BodyPublishers.noBody()) : b.method(method, HttpRequest.BodyPublishers.ofString(body));
        return http.send(b);
    }

    private static String chat(String input, String user) throws Exception {
        Http.Response r = http.post("/chat-chat/", Http.JSON.writeValueAsString(Map.of("input", input, "user_id", user)));
        assertEquals(200, r.status(), r.raw());
        return r.json().get("conversation_id").asText();
    }

    @Test
    void should_erase_a_users_conversations_after_a_dry_run_and_keep_the_audit_without_the_subject() throws Exception {
        String zoe1 = chat("Show me recent orders", "zoe");
        chat("Where is order 42?", "zoe");
        String yann = chat("How many orders are pending?", "yann");
        assertTrue(server.logger().flush(Duration.ofSeconds(20)));

        assertEquals(401, http.post("/logging-dashboard/erasures", "{\"user_id\": \"zoe\", \"requested_by\": \"x\"}").status());
        Http.Response both = authed("POST", "/logging-dashboard/erasures", "{\"user_id\": \"zoe\", \"conversation_id\": \"c\", \"requested_by\": \"x\"}");
        assertEquals(400, both.status(), both.raw());
        Http.Response nobody = authed("POST", "/logging-dashboard/erasures", "{\"user_id\": \"zoe\"}");
        assertEquals(400, nobody.status());
        assertEquals("requested_by", nobody.json().get("field").asText(), nobody.raw());

        JsonNode dry = authed("POST", "/logging-dashboard/erasures",
                "{\"user_id\": \"zoe\", \"requested_by\": \"dpo@example.com\", \"reason\": \"GDPR art. 17, ticket 42\", \"dry_run\": true}").json();
        assertEquals(2, dry.get("conversations").asLong(), dry.toString());
        assertEquals(2, dry.get("messages").asLong(), dry.toString());
        assertTrue(dry.get("llm_calls").asLong() >= 8, dry.toString());
        assertEquals(200, authed("GET", "/logging-dashboard/conversation/" + zoe1 + "/detailed", null).status(), "a dry run deletes nothing");

        JsonNode done = authed("POST", "/logging-dashboard/erasures",
                "{\"user_id\": \"zoe\", \"requested_by\": \"dpo@example.com\", \"reason\": \"GDPR art. 17, ticket 42\"}").json();
        assertEquals(dry.get("messages"), done.get("messages"), done.toString());
        assertEquals(dry.get("llm_calls"), done.get("llm_calls"), done.toString());
        assertEquals(404, authed("GET", "/logging-dashboard/conversation/" + zoe1 + "/detailed", null).status());
        assertEquals(200, authed("GET", "/logging-dashboard/conversation/" + yann + "/detailed", null).status(), "yann's stays");
        assertEquals(Long.valueOf(0), server.database().jdbi().<Long, RuntimeException>withHandle(h -> h.createQuery("SELECT (SELECT COUNT(*) FROM chatbot_llm_calls WHERE "
                + "user_id = 'zoe') + (SELECT COUNT(*) FROM chatbot_conversation_messages WHERE user_id = 'zoe')").mapTo(Long.class).one()));
        assertEquals(java.util.List.of(), new ConsistencyCheck(server.database().jdbi()).mismatches());
        JsonNode overview = authed("GET", "/logging-dashboard/overview?hours=1", null).json();
        assertEquals(1, overview.at("/totals/messages").asLong(), "the dashboard's figures lost zoe's two messages: " + overview.get("totals"));
        assertEquals(1, overview.at("/totals/conversations").asLong(), overview.get("totals").toString());

        JsonNode audit = authed("GET", "/logging-dashboard/erasures", null).json().get("erasures").get(0);
        assertEquals("dpo@example.com", audit.get("requested_by").asText());
        assertEquals("user", audit.get("scope").asText());
        assertEquals(2, audit.get("messages").asLong());
        assertFalse(audit.toString().contains("zoe"), "no subject in the audit: " + audit);
    }

    @Test
    void should_refuse_erasure_on_a_server_without_a_token() throws Exception {
        ChatlogServer open = ServerTestSupport.start(Map.of());
        try {
            Http.Response r = new Http("http://127.0.0.1:" + open.port()).post("/logging-dashboard/erasures",
                    "{\"user_id\": \"zoe\", \"requested_by\": \"x\"}");
            assertEquals(403, r.status(), r.raw());
            assertTrue(r.json().get("error").asText().contains("CHATLOG_API_TOKEN"), r.raw());
        } finally {
            open.close();
        }
    }
}
