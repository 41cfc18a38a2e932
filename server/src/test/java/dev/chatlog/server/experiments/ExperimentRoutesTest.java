package dev.chatlog.server.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatlog.server.ChatlogServer;
import dev.chatlog.server.Http;
import dev.chatlog.server.ServerTestSupport;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Experiments defined, started and stopped over HTTP; bad definitions refused naming the field. */
class ExperimentRoutesTest {
    private static final String SWAP = "{\"variants\": [{\"name\": \"control\", \"percent\": 50, \"model\": \"gpt-4o-mini\"}, "
            + "{\"name\": \"big\", \"percent\": 50, \"model\": \"gpt-4o\", \"parameters\": {\"temperature\": \"0.2\"}}], "
            + "\"primary_metric\": \"success_rate\", \"guardrails\": [\"cost_per_turn\", \"score:helpfulness\"], "
            + "\"plan\": {\"effect\": 0.25, \"baseline\": 0.5, \"power\": 0.9}}";
    private static ChatlogServer server;
    private static Http http;

    @BeforeAll
    static void start() {
        server = ServerTestSupport.start(Map.of("CHATLOG_CHAT_EXPERIMENT", "demo-model"));
        http = new Http("http://127.0.0.1:" + server.port());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void should_define_start_and_stop_an_experiment_and_keep_a_started_one_as_it_is() throws Exception {
        assertEquals(201, http.put("/logging-dashboard/experiments/model-swap", SWAP).status());
        Http.Response again = http.put("/logging-dashboard/experiments/model-swap", SWAP);
        assertEquals(200, again.status(), "a draft is redefined: " + again.raw());
        assertEquals("draft", again.json().get("status").asText());
        assertEquals("gpt-4o", again.json().at("/definition/variants/1/model").asText());
        assertEquals("0.2", again.json().at("/definition/variants/1/parameters/temperature").asText());
        assertEquals(77, again.json().get("sample_per_arm").asInt(), "R's power.prop.test(.5, .75, power = .9): 76.71 per arm");

        JsonNode started = http.post("/logging-dashboard/experiments/model-swap/start", "{}").json();
        assertEquals("running", started.get("status").asText());
        Http.Response changed = http.put("/logging-dashboard/experiments/model-swap", SWAP.replace("\"percent\": 50", "\"percent\": 40")
                .replaceFirst("\"percent\": 40", "\"percent\": 60"));
        assertEquals(409, changed.status(), "a running experiment's split changed: its units would change arms " + changed.raw());
        assertEquals("variants", changed.json().get("field").asText());
        Http.Response cased = http.put("/logging-dashboard/experiments/Model-Swap", SWAP);
        assertEquals(409, cased.status(), "a name that differs in case only: " + cased.raw());
        assertEquals("name", cased.json().get("field").asText());
        assertEquals(200, http.put("/logging-dashboard/experiments/model-swap", SWAP).status(), "the same definition again changes nothing");
        Http.Response deleting = http.delete("/logging-dashboard/experiments/model-swap");
        assertEquals(409, deleting.status(), "a running experiment is stopped before it is deleted: " + deleting.raw());
        assertEquals("name", deleting.json().get("field").asText());
        JsonNode list = http.get("/logging-dashboard/experiments").json().get("experiments");
        JsonNode swap = null;
        for (JsonNode e : list) if (e.get("name").asText().equals("model-swap")) swap = e;
        assertEquals("running", swap.get("status").asText());
        assertEquals(false, swap.at("/verdict/decided").asBoolean(), "no turn yet: " + swap);

        assertEquals("reason", http.post("/logging-dashboard/experiments/model-swap/stop", "{\"reason\": 5}").json().get("field").asText());
        JsonNode stopped = http.post("/logging-dashboard/experiments/model-swap/stop", "{\"reason\": \"the big arm costs 4x\"}").json();
        assertEquals("stopped", stopped.get("status").asText());
        assertEquals("the big arm costs 4x", stopped.get("stop_reason").asText());
        // names are exact: another case is another experiment, not this one read under a second name
        assertEquals(404, http.get("/logging-dashboard/experiments/Model-Swap").status());
        assertEquals(409, http.post("/logging-dashboard/experiments/model-swap/start", "{}").status(), "stopped is final");
        assertEquals(204, http.delete("/logging-dashboard/experiments/model-swap").status());
        assertEquals(404, http.get("/logging-dashboard/experiments/model-swap").status());
    }

    @Test
    void should_refuse_bad_definitions_naming_the_field() throws Exception {
        for (String[] bad : List.of(
                new String[] {"{\"variants\": [{\"name\": \"a\", \"percent\": 50}, {\"name\": \"b\", \"percent\": 40}], \"primary_metric\": \"success_rate\"}", "variants"},
                new String[] {"{\"variants\": [{\"name\": \"a\", \"percent\": 100}], \"primary_metric\": \"success_rate\"}", "variants"},
                new String[] {"{\"variants\": [{\"name\": \"a\", \"percent\": 50}, {\"name\": \"a\", \"percent\": 50}], \"primary_metric\": \"success_rate\"}", "variants"},
                new String[] {"{\"variants\": [{\"name\": \"a\", \"percent\": \"half\"}, {\"name\": \"b\", \"percent\": 50}], \"primary_metric\": \"success_rate\"}", "variants"},
                new String[] {"{\"variants\": [{\"name\": \"a\", \"percent\": 50, \"colour\": 1}, {\"name\": \"b\", \"percent\": 50}], \"primary_metric\": \"success_rate\"}", "variants"},
                new String[] {"{\"variants\": [{\"name\": \"a\", \"percent\": 50}, {\"name\": \"b\", \"percent\": 50}], \"primary_metric\": \"happiness\"}", "primary_metric"},
                new String[] {"{\"variants\": [{\"name\": \"a\", \"percent\": 50}, {\"name\": \"b\", \"percent\": 50}]}", "primary_metric"},
                new String[] {"{\"variants\": [{\"name\": \"a\", \"percent\": 50}, {\"name\": \"b\", \"percent\": 50}], \"primary_metric\": \"tokens\", \"guardrails\": [\"mood\"]}", "guardrails"},
                new String[] {"{\"variants\": [{\"name\": \"a\", \"percent\": 50}, {\"name\": \"b\", \"percent\": 50}], \"primary_metric\": \"tokens\", \"end\": \"soon\"}", "end"},
                new String[] {"{\"variants\": [{\"name\": \"a\", \"percent\": 50}, {\"name\": \"b\", \"percent\": 50}], \"primary_metric\": \"tokens\", \"plan\": {\"effect\": 0.1, \"baseline\": 0.5}}", "plan"},
                new String[] {"{\"variants\": [{\"name\": \"a\", \"percent\": 50}, {\"name\": \"b\", \"percent\": 50}], \"primary_metric\": \"tokens\", \"plan\": {\"effect\": -1, \"sd\": 2}}", "plan"},
                new String[] {"{\"variants\": [{\"name\": \"a\", \"percent\": 50}, {\"name\": \"b\", \"percent\": 50}], \"primary_metric\": \"success_rate\", \"plan\": {\"effect\": 1e-17, \"baseline\": 0.5}}", "plan"},
                new String[] {"{\"variants\": [{\"name\": \"a\", \"percent\": 50}, {\"name\": \"b\", \"percent\": 50}], \"primary_metric\": \"tokens\", \"plan\": {\"effect\": 1e-5, \"sd\": 1}}", "plan"},
                new String[] {"{\"variants\": [{\"name\": \"a\", \"percent\": 50, \"parameters\": {\"t\": null}}, {\"name\": \"b\", \"percent\": 50}], \"primary_metric\": \"tokens\"}", "variants"},
                new String[] {"{\"variants\": [], \"primary_metric\": \"tokens\", \"owner\": \"me\"}", "owner"})) {
            Http.Response r = http.put("/logging-dashboard/experiments/bad-one", bad[0]);
            assertEquals(400, r.status(), bad[0] + " " + r.raw());
            assertEquals(bad[1], r.json().get("field").asText(), bad[0] + " " + r.raw());
        }
        assertEquals("name", http.put("/logging-dashboard/experiments/a%20b", SWAP).json().get("field").asText());
        assertEquals(404, http.post("/logging-dashboard/experiments/none-such/start", "{}").status());
        assertEquals(404, http.get("/logging-dashboard/experiments/bad-one").status(), "no bad definition was stored");
    }

    @Test
    void should_run_the_demo_experiment_end_to_end_and_read_it_per_arm() throws Exception {
        int conversations = 40;
        for (int i = 0; i < conversations; i++) {
            Http.Response r = http.post("/chat-chat/", "{\"input\": \"Show me the 5 most recent orders\"}");
            assertEquals(200, r.status(), r.raw());
            if (i % 4 == 0) { // a second turn stays in the conversation's arm
                String conv = r.json().get("conversation_id").asText();
                assertEquals(200, http.post("/chat-chat/", "{\"input\": \"and the top 3 customers?\", \"conversation_id\": \"" + conv + "\"}").status());
            }
        }
        JsonNode analysis = null;
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) { // turns are written by the logger's own thread
            analysis = http.get("/logging-dashboard/experiments/demo-model").json().get("analysis");
            if (analysis.at("/arms/0/turns").asLong() + analysis.at("/arms/1/turns").asLong() >= conversations + conversations / 4) break;
            Thread.sleep(200);
        }
        assertEquals("sequential", analysis.get("mode").asText());
        assertEquals("control", analysis.at("/arms/0/variant").asText());
        assertEquals("mini", analysis.at("/arms/1/variant").asText());
        long units = analysis.at("/arms/0/units").asLong() + analysis.at("/arms/1/units").asLong();
        assertEquals(conversations, units, "one unit per conversation: " + analysis.get("arms"));
        assertEquals(conversations + conversations / 4, analysis.at("/arms/0/turns").asLong() + analysis.at("/arms/1/turns").asLong());
        assertTrue(analysis.at("/arms/0/units").asLong() > 5 && analysis.at("/arms/1/units").asLong() > 5, analysis.get("arms").toString());
        double controlCost = analysis.at("/arms/0/metrics/cost_per_turn/value").asDouble();
        double miniCost = analysis.at("/arms/1/metrics/cost_per_turn/value").asDouble();
        assertTrue(miniCost > 0 && miniCost < controlCost / 2, "the mini model is priced at a third: " + miniCost + " vs " + controlCost);
        JsonNode cost = null;
        for (JsonNode t : analysis.get("tests")) if (t.get("metric").asText().equals("cost_per_turn")) cost = t;
        assertEquals("primary", cost.get("role").asText());
        assertEquals("worse", cost.get("direction").asText().equals("better") ? "worse" : "better", "cheaper is better: " + cost);
        assertTrue(analysis.at("/sample_ratio/p_value").isNumber(), analysis.get("sample_ratio").toString());
        assertTrue(analysis.at("/verdict/reason").asText().length() > 10, analysis.get("verdict").toString());

        // the arm is a dimension like any other: a filter on the read routes and a breakdown of the overview
        JsonNode calls = http.get("/logging-dashboard/llm-calls/analysis?hours=1&arm=demo-model/mini").json();
        java.util.Set<String> models = new java.util.TreeSet<>();
        for (JsonNode g : calls.get("by_model_and_function")) models.add(g.get("model").asText());
        assertTrue(models.contains("chatlog-demo-mini") && !models.contains("chatlog-demo"), "the mini arm's chat calls went to the mini model: " + models);
        JsonNode overview = http.get("/logging-dashboard/overview?hours=1").json();
        Map<String, Long> byArm = new java.util.HashMap<>();
        for (JsonNode g : overview.get("by_arm")) byArm.put(g.get("arm").asText(), g.get("llm_calls").asLong());
        assertTrue(byArm.getOrDefault("demo-model/mini", 0L) > 0 && byArm.getOrDefault("demo-model/control", 0L) > 0, byArm.toString());
    }

    @Test
    void should_define_no_demo_experiment_on_a_server_without_the_chatbot() throws Exception {
        ChatlogServer dashboardOnly = ServerTestSupport.start(Map.of("CHATLOG_CHATBOT", "off", "CHATLOG_CHAT_EXPERIMENT", "demo-model"));
        try {
            Http h = new Http("http://127.0.0.1:" + dashboardOnly.port());
            assertEquals(404, h.post("/chat-chat/", "{\"input\": \"hi\"}").status());
            assertEquals(0, h.get("/logging-dashboard/experiments").json().get("experiments").size(), "nothing written into the database it reads");
        } finally {
            dashboardOnly.close();
        }
    }
}
