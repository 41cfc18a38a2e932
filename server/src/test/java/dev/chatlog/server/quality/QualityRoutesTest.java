package dev.chatlog.server.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatlog.server.ChatlogServer;
import dev.chatlog.server.Http;
import dev.chatlog.server.ServerTestSupport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Agreement, warnings, bands and trends through the server, on demo turns the demo judge rated and a person re-scored. */
class QualityRoutesTest {
    private static ChatlogServer server;
    private static Http http;

    @BeforeAll
    static void start() {
        server = ServerTestSupport.start(Map.of("CHATLOG_JUDGE", "on"));
        http = new Http("http://127.0.0.1:" + server.port());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void should_measure_the_judge_against_people_and_warn_of_a_thumbs_down() throws Exception {
        List<String> inputs = List.of("Which products do you have for the kitchen?", "Show me recent orders", "How many customers are there?",
                "where is order 3?", "Which kettles do you sell?", "What is the cheapest product?");
        List<String> conversations = new ArrayList<>();
        for (String in : inputs) conversations.add(http.post("/chat-chat/", "{\"input\": \"" + in + "\"}").json().get("conversation_id").asText());
        List<JsonNode> judged = new ArrayList<>();
        for (int i = 0; i < 400 && judged.size() < inputs.size(); i++) {
            assertTrue(server.logger().flush(Duration.ofSeconds(20)));
            judged.clear();
            for (String c : conversations) {
                JsonNode s = http.get("/logging-dashboard/conversation/" + c + "/detailed").json().get("scores");
                if (s.size() == 1) judged.add(s.get(0));
            }
            if (judged.size() < inputs.size()) Thread.sleep(50);
        }
        assertEquals(inputs.size(), judged.size(), "the demo judge rated every turn");
        // a person agrees with the judge on all but the first, which they rate 1 lower (or higher, from 1)
        for (int i = 0; i < judged.size(); i++) {
            int v = judged.get(i).get("value").asInt();
            int human = i == 0 ? (v > 1 ? v - 1 : v + 1) : v;
            Http.Response r = http.post("/logging-dashboard/scores", "{\"message_id\": \"" + judged.get(i).get("target_id").asText()
                    + "\", \"name\": \"helpfulness\", \"value\": " + human + ", \"source\": \"human\", \"evaluator\": \"support\"}");
            assertEquals(201, r.status(), r.raw());
        }
        JsonNode agreement = http.get("/logging-dashboard/scores/agreement?name=helpfulness&hours=1").json();
        assertEquals("numeric", agreement.get("type").asText());
        JsonNode j = agreement.at("/judges/0");
        assertEquals("judge", j.get("evaluator").asText(), agreement.toString());
        assertEquals(6, j.get("pairs").asInt());
        assertEquals(5.0 / 6, j.get("exact_agreement").asDouble(), 1e-12);
        assertEquals("quadratic", j.at("/weighted_kappa/weights").asText(), "a 1-5 scale: near misses count");
        assertTrue(j.has("spearman"), j.toString());

        // a thumbs down on the second turn: a quality concern, in its detail and in the list
        String message = judged.get(1).get("target_id").asText();
        assertEquals(201, http.post("/logging-dashboard/scores", "{\"message_id\": \"" + message + "\", \"name\": \"thumbs\", \"value\": false, "
                + "\"source\": \"human\"}").status());
        JsonNode w = http.get("/logging-dashboard/warnings?hours=1&kind=quality_concern").json().get("messages");
        assertEquals(List.of(message), ids(w), w.toString());
        assertEquals("quality_concern", w.at("/0/warnings/0/kind").asText());
        JsonNode detail = http.get("/logging-dashboard/conversation/" + conversations.get(1) + "/detailed").json();
        assertEquals("quality_concern", detail.at("/messages/0/warnings/0/kind").asText(), detail.at("/messages/0/warnings").toString());
        assertEquals(0, http.get("/logging-dashboard/warnings?hours=1&kind=slow_execution").json().get("messages").size(), "demo turns are fast");

        JsonNode bands = http.get("/logging-dashboard/bands?group_by=model&hours=1").json();
        JsonNode demo = null;
        for (JsonNode g : bands.get("groups")) if (g.get("group").asText().equals("chatlog-demo")) demo = g;
        assertTrue(demo != null && demo.get("count").asInt() >= 6, bands.toString());
        assertEquals(1.0, demo.at("/latency/excellent").asDouble(), 1e-12, "demo calls answer in well under 5 s");
        assertTrue(demo.at("/success_ci95/0").asDouble() <= demo.get("success_rate").asDouble());

        JsonNode trends = http.get("/logging-dashboard/trends?measure=score:helpfulness&days=7").json();
        assertEquals("stable", trends.at("/groups/0/trend").asText(), "one day is no trend: " + trends);
        assertEquals(1, trends.at("/groups/0/days").asInt());
    }

    @Test
    void should_refuse_bad_parameters_naming_them() throws Exception {
        for (String[] bad : List.of(new String[] {"/logging-dashboard/scores/agreement", "name"},
                new String[] {"/logging-dashboard/trends?measure=mood", "measure"}, new String[] {"/logging-dashboard/trends?days=2", "days"},
                new String[] {"/logging-dashboard/trends?group_by=tool", "group_by"},
                new String[] {"/logging-dashboard/trends?measure=success_rate&group_by=user", "group_by"}, new String[] {"/logging-dashboard/bands?latency_ms=3,2,1", "latency_ms"},
                new String[] {"/logging-dashboard/bands?tokens=1,2", "tokens"}, new String[] {"/logging-dashboard/bands?group_by=user", "group_by"},
                new String[] {"/logging-dashboard/warnings?kind=boring", "kind"})) {
            Http.Response r = http.get(bad[0]);
            assertEquals(400, r.status(), bad[0] + " " + r.raw());
            assertEquals(bad[1], r.json().get("field").asText(), r.raw());
        }
    }

    private static List<String> ids(JsonNode messages) {
        List<String> out = new ArrayList<>();
        messages.forEach(m -> out.add(m.get("message_id").asText()));
        return out;
    }
}
