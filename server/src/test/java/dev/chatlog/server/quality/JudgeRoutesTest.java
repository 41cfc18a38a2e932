package dev.chatlog.server.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatlog.server.ChatlogServer;
import dev.chatlog.server.Http;
import dev.chatlog.server.ServerTestSupport;
import dev.chatlog.sql.rollup.ConsistencyCheck;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The demo judge, offline, as the README's command runs it: every demo turn rated, its calls evaluation rows, a backfill planned first. */
class JudgeRoutesTest {
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

    private static JsonNode detail(String conv) throws Exception {
        return http.get("/logging-dashboard/conversation/" + conv + "/detailed").json();
    }

    @Test
    void should_rate_each_demo_turn_and_show_the_judges_score_and_cost() throws Exception {
        String conv = http.post("/chat-chat/", "{\"input\": \"Which products do you have for the kitchen?\"}").json().get("conversation_id").asText();
        JsonNode scores = null;
        for (int i = 0; i < 200; i++) { // the judge rates after the turn is stored, on its own thread
            assertTrue(server.logger().flush(Duration.ofSeconds(20)));
            scores = detail(conv).get("scores");
            if (scores.size() > 0) break;
            Thread.sleep(50);
        }
        assertEquals(1, scores.size(), String.valueOf(scores));
        JsonNode s = scores.get(0);
        assertEquals("helpfulness", s.get("name").asText());
        assertEquals("llm_judge", s.get("source").asText());
        assertEquals("judge", s.get("evaluator").asText());
        assertEquals("v1 " + DemoJudgeModel.NAME, s.get("evaluator_version").asText());
        int value = s.get("value").asInt();
        assertTrue(value >= 1 && value <= 5, s.toString());

        JsonNode judge = http.get("/logging-dashboard/judge").json();
        assertEquals("helpfulness", judge.at("/rubric/name").asText());
        assertTrue(judge.at("/online/scored").asLong() >= 1, judge.toString());
        assertEquals(0, judge.at("/online/refused_by_budget").asLong(), "snake_case like every route: " + judge);
        assertTrue(judge.at("/last_7_days/calls").asLong() >= 1, judge.toString());
        assertTrue(judge.at("/last_7_days/cost_usd").decimalValue().signum() > 0, "the judge's own cost, priced: " + judge);
        assertEquals(List.of(), new ConsistencyCheck(server.database().jdbi()).mismatches(), "turn totals stay the product's");
    }

    @Test
    void should_plan_a_backfill_first_and_refuse_bad_requests_naming_the_field() throws Exception {
        Http.Response dry = http.post("/logging-dashboard/judge/backfill", "{\"hours\": 24, \"max_targets\": 5}");
        assertEquals(200, dry.status(), dry.raw());
        assertTrue(dry.json().get("dry_run").asBoolean(), "a dry run unless said otherwise");
        assertTrue(dry.json().at("/plan/unrated").isNumber(), dry.raw());
        for (String[] bad : List.of(new String[] {"{\"max_targets\": 0}", "max_targets"}, new String[] {"{\"max_cost_usd\": -1}", "max_cost_usd"},
                new String[] {"{\"dry_run\": \"no\"}", "dry_run"}, new String[] {"{\"target\": \"conversation\"}", "target"},
                new String[] {"{\"hours\": 1e9}", "hours"}, new String[] {"{\"models\": \"x\"}", "models"}, new String[] {"{\"cap\": 1}", "cap"})) {
            Http.Response r = http.post("/logging-dashboard/judge/backfill", bad[0]);
            assertEquals(400, r.status(), bad[0] + " " + r.raw());
            assertEquals(bad[1], r.json().get("field").asText(), r.raw());
        }
    }
}
