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

/** {@code POST /logging-dashboard/scores} and the score definitions, through the server: a thumbs up on a demo answer. */
class ScoreRoutesTest {
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

    private static Http.Response post(String body) throws Exception {
        return http.post("/logging-dashboard/scores", body);
    }

    @Test
    void should_store_a_thumbs_up_replace_it_and_show_it_in_the_conversation() throws Exception {
        JsonNode answer = http.post("/chat-chat/", "{\"input\": \"Show me recent orders\"}").json();
        String conv = answer.get("conversation_id").asText();
        assertTrue(server.logger().flush(Duration.ofSeconds(20)));
        JsonNode detail = http.get("/logging-dashboard/conversation/" + conv + "/detailed").json();
        String message = detail.at("/messages/0/message_id").asText();
        String call = detail.at("/messages/0/llm_calls/0/call_id").asText();

        Http.Response up = post("{\"message_id\": \"" + message + "\", \"name\": \"helpful\", \"value\": true, \"source\": \"human\"}");
        assertEquals(201, up.status(), up.raw());
        assertEquals(conv, up.json().get("conversation_id").asText());
        Http.Response down = post("{\"message_id\": \"" + message + "\", \"name\": \"helpful\", \"value\": false, \"source\": \"human\", "
                + "\"comment\": \"listed cancelled orders too\"}");
        assertEquals(200, down.status(), "the same target, name and evaluator: replaced " + down.raw());

        assertEquals(201, http.put("/logging-dashboard/score-definitions/correctness",
                "{\"type\": \"categorical\", \"labels\": [\"correct\", \"partially\", \"wrong\"]}").status());
        Http.Response judged = post("{\"call_id\": \"" + call + "\", \"name\": \"correctness\", \"value\": \"partially\", "
                + "\"source\": \"llm_judge\", \"evaluator\": \"demo-judge\", \"evaluator_version\": \"1\"}");
        assertEquals(201, judged.status(), judged.raw());
        assertEquals(message, judged.json().get("message_id").asText(), "a call's score lists under its message");

        JsonNode scores = http.get("/logging-dashboard/conversation/" + conv + "/detailed").json().get("scores");
        assertEquals(2, scores.size(), scores.toString());
        assertEquals("helpful", scores.get(0).get("name").asText());
        assertEquals(0, scores.get(0).get("value").asInt());
        assertEquals("listed cancelled orders too", scores.get(0).get("comment").asText());
        assertEquals("partially", scores.get(1).get("value").asText());
        assertEquals("correctness", http.get("/logging-dashboard/score-definitions").json().at("/definitions/0/name").asText());

        // the conversation's own aggregate, and the window's by model from the rollups
        JsonNode summary = http.get("/logging-dashboard/conversation/" + conv + "/detailed").json().get("score_summary");
        assertEquals("correctness", summary.get(0).get("name").asText());
        assertEquals(1, summary.get(0).at("/labels/partially").asInt());
        assertEquals(0.0, summary.get(1).get("average").asDouble(), 1e-9, "helpful: the thumbs down that replaced the up");
        JsonNode byModel = http.get("/logging-dashboard/scores?hours=24&group_by=model&name=correctness").json();
        assertEquals("hour", byModel.get("bucket").asText());
        assertEquals(1, byModel.get("scores").size(), byModel.toString());
        assertEquals(1, byModel.at("/scores/0/labels/partially").asInt());
        assertEquals(400, http.get("/logging-dashboard/scores?group_by=tool").status(), "scores do not roll up by tool");
        // by target: the turn's (its own and its calls'), the call's
        assertEquals(2, http.get("/logging-dashboard/scores?message_id=" + message).json().get("scores").size());
        JsonNode ofCall = http.get("/logging-dashboard/scores?call_id=" + call).json().get("scores");
        assertEquals(1, ofCall.size());
        assertEquals("correctness", ofCall.get(0).get("name").asText());
        assertEquals("call_id", http.get("/logging-dashboard/scores?call_id=a%20b").json().get("field").asText());
    }

    @Test
    void should_refuse_bad_scores_naming_the_field() throws Exception {
        http.put("/logging-dashboard/score-definitions/stars", "{\"type\": \"numeric\", \"min\": 1, \"max\": 5}");
        String conv = http.post("/chat-chat/", "{\"input\": \"hello there\"}").json().get("conversation_id").asText();
        assertTrue(server.logger().flush(Duration.ofSeconds(20)));
        Map<String, String> wrong = Map.of(
                "{\"message_id\": \"no-such-message\", \"name\": \"helpful\", \"value\": 1, \"source\": \"human\"}", "message_id",
                "{\"conversation_id\": \"" + conv + "\", \"name\": \"stars\", \"value\": 9, \"source\": \"human\"}", "value",
                "{\"conversation_id\": \"" + conv + "\", \"name\": \"stars\", \"value\": \"great\", \"source\": \"human\"}", "value",
                "{\"conversation_id\": \"" + conv + "\", \"name\": \"helpful\", \"value\": 1, \"source\": \"robot\"}", "source",
                "{\"conversation_id\": \"" + conv + "\", \"name\": \"helpful\", \"value\": 1, \"source\": \"human\", \"comment\": \""
                        + "x".repeat(2_001) + "\"}", "comment",
                "{\"conversation_id\": \"" + conv + "\", \"message_id\": \"m\", \"name\": \"helpful\", \"value\": 1, \"source\": \"human\"}", "conversation_id",
                "{\"conversation_id\": \"" + conv + "\", \"name\": \"helpful\", \"value\": [1], \"source\": \"human\"}", "value",
                "{\"conversation_id\": \"" + conv + "\", \"name\": \"helpful\", \"value\": 1, \"source\": \"human\", \"weight\": 2}", "weight",
                "{\"conversation_id\": \"" + conv + "\", \"value\": 1, \"source\": \"human\"}", "name");
        for (Map.Entry<String, String> e : wrong.entrySet()) {
            Http.Response r = post(e.getKey());
            assertEquals(400, r.status(), e.getKey() + " -> " + r.raw());
            assertEquals(e.getValue(), r.json().path("field").asText(), e.getKey() + " -> " + r.raw());
        }
        Http.Response badDefinition = http.put("/logging-dashboard/score-definitions/stars", "{\"type\": \"numeric\", \"min\": 5, \"max\": 1}");
        assertEquals(400, badDefinition.status());
        assertEquals("max", badDefinition.json().path("field").asText());
        assertEquals(404, http.delete("/logging-dashboard/score-definitions/no-such").status());
    }
}
