package dev.chatlog.server.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatlog.server.ChatlogServer;
import dev.chatlog.server.Http;
import dev.chatlog.server.ServerTestSupport;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code GET /logging-dashboard/compare}: two demo turns' trees, aligned step by step. */
class CompareRouteTest {
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

    private static String message(String input) throws Exception {
        String conv = http.post("/chat-chat/", "{\"input\": \"" + input + "\"}").json().get("conversation_id").asText();
        assertTrue(server.logger().flush(Duration.ofSeconds(20)));
        return http.get("/logging-dashboard/conversation/" + conv + "/detailed").json().at("/messages/0/message_id").asText();
    }

    @Test
    void should_align_two_turns_and_list_what_differs() throws Exception {
        String orders = message("Show me recent orders");
        String kitchen = message("Which products do you have for the kitchen?");
        JsonNode same = http.get("/logging-dashboard/compare?a=" + orders + "&b=" + orders).json();
        assertEquals(0, same.get("differences").size(), "a turn against itself: " + same);
        JsonNode diff = http.get("/logging-dashboard/compare?a=" + orders + "&b=" + kitchen).json();
        assertEquals("message", diff.at("/a/kind").asText());
        assertTrue(diff.at("/counts/only_in_b").asInt() >= 1, "the kitchen question's retrieval is only in b: " + diff);
        boolean retrieval = false;
        for (JsonNode d : diff.get("differences")) retrieval |= d.get("kind").asText().equals("only_in_b") && d.get("step").asText().startsWith("retrieval products");
        assertTrue(retrieval, diff.toString());
        // a person's thumbs down on one turn: the diff says so, name by name
        assertEquals(201, http.post("/logging-dashboard/scores", "{\"message_id\": \"" + kitchen + "\", \"name\": \"helpful\", \"value\": 0, "
                + "\"source\": \"human\", \"evaluator\": \"support\"}").status());
        JsonNode scored = http.get("/logging-dashboard/compare?a=" + orders + "&b=" + kitchen).json();
        assertEquals(0, scored.at("/score_changes/helpful (support)/b").asInt(), scored.toString());
        assertTrue(scored.at("/score_changes/helpful (support)/a").isNull(), scored.toString());
        assertEquals(404, http.get("/logging-dashboard/compare?a=" + orders + "&b=no-such-turn").status());
        Http.Response missing = http.get("/logging-dashboard/compare?a=" + orders);
        assertEquals(400, missing.status());
        assertEquals("b", missing.json().path("field").asText());
    }
}
