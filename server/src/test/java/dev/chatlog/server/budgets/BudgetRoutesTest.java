package dev.chatlog.server.budgets;

import dev.chatlog.server.web.HostileInputs;

import dev.chatlog.server.ChatlogServer;
import dev.chatlog.server.Http;
import dev.chatlog.server.ServerConfig;
import dev.chatlog.server.ServerTestSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chatlog.langchain4j.OpenAiStub;
import dev.chatlog.langchain4j.OpenAiStub.Reply;
import dev.chatlog.langchain4j.OpenAiStub.Usage;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The budget routes and the chatbot under budgets, through the running server with the real
 * OpenAI client against the local stub: definitions managed over HTTP, a refused turn answered 429
 * and logged as refused, and every bad definition or route a JSON 4xx that changes nothing.
 */
class BudgetRoutesTest {
    private static OpenAiStub stub;
    private static ChatlogServer server;
    private static Http http;

    @BeforeAll
    static void start() throws Exception {
        stub = new OpenAiStub();
        stub.respond(r -> switch (r.task()) {
            case "classify_intent" -> Reply.text("smalltalk", Usage.of(50, 1));
            default -> Reply.text("Hi!", Usage.of(30, 3));
        });
        server = ServerTestSupport.start(Map.of("OPENAI_API_KEY", "test-key", "OPENAI_BASE_URL", stub.baseUrl(),
                "CHATLOG_MODEL", "gpt-4o-mini",
                "CHATLOG_BUDGETS", "{\"from-env\": {\"scope\": \"global\", \"period\": \"month\", \"limit_usd\": 100}}"));
        http = new Http("http://127.0.0.1:" + server.port());
    }

    @AfterAll
    static void stop() {
        server.close();
        stub.close();
    }

    private static JsonNode budgets() throws Exception {
        Http.Response r = http.get("/logging-dashboard/budgets");
        assertEquals(200, r.status(), r.raw());
        return r.json().get("budgets");
    }

    private static JsonNode budget(String name) throws Exception {
        for (JsonNode b : budgets()) if (b.get("name").asText().equals(name)) return b;
        return null;
    }

    @Test
    void should_define_show_replace_and_delete_a_budget() throws Exception {
        assertNotNull(budget("from-env"), "CHATLOG_BUDGETS defined its budget at start");
        Http.Response created = http.put("/logging-dashboard/budgets/team-a",
                "{\"scope\": \"tag\", \"value\": \"team:a\", \"period\": \"week\", \"zone\": \"Europe/Paris\", \"limit_usd\": 12.5, "
                        + "\"action\": \"enforce\", \"warn_at\": [0.5, 0.9]}");
        assertEquals(201, created.status(), created.raw());
        JsonNode b = created.json();
        assertEquals("tag", b.get("scope").asText());
        assertEquals("team:a", b.get("value").asText());
        assertEquals("Europe/Paris", b.get("zone").asText());
        assertEquals(0, new BigDecimal("12.5").compareTo(b.get("limit_usd").decimalValue()));
        assertEquals("ok", b.get("state").asText());
        assertEquals(0, b.get("spent").decimalValue().signum());
        assertEquals(0, new BigDecimal("12.5").compareTo(b.get("remaining").decimalValue()));
        assertTrue(b.get("resets_at").asText().endsWith("T23:00:00Z") || b.get("resets_at").asText().endsWith("T22:00:00Z"),
                "a Paris week ends at a Paris midnight: " + b.get("resets_at"));
        assertEquals(2, b.get("warn_at").size());
        assertNotNull(budget("team-a"));

        Http.Response replaced = http.put("/logging-dashboard/budgets/team-a",
                "{\"scope\": \"tag\", \"value\": \"team:a\", \"period\": \"week\", \"limit_usd\": 20}");
        assertEquals(200, replaced.status(), replaced.raw());
        assertEquals("alert", replaced.json().get("action").asText(), "action defaults to alert");
        Http.Response one = http.get("/logging-dashboard/budgets/team-a?windows=5");
        assertEquals(200, one.status(), one.raw());
        assertTrue(one.json().get("history").isArray() && one.json().get("events").isArray());

        Http.Response periodChange = http.put("/logging-dashboard/budgets/team-a",
                "{\"scope\": \"tag\", \"value\": \"team:a\", \"period\": \"day\", \"limit_usd\": 20}");
        assertEquals(409, periodChange.status(), periodChange.raw());
        assertEquals("period", periodChange.json().get("field").asText());

        assertEquals(204, http.delete("/logging-dashboard/budgets/team-a").status());
        assertEquals(404, http.delete("/logging-dashboard/budgets/team-a").status());
        assertEquals(404, http.get("/logging-dashboard/budgets/team-a").status());
        assertEquals(null, budget("team-a"));
    }

    @Test
    void should_answer_a_refused_turn_429_before_calling_the_model_and_log_it_as_refused() throws Exception {
        // the worst case of the first call (classify_intent: its prompt at $0.15 / M and 16 output tokens) is more than $0.000001
        assertEquals(201, http.put("/logging-dashboard/budgets/alice-day",
                "{\"scope\": \"user\", \"value\": \"alice\", \"period\": \"day\", \"limit_usd\": 0.000001, \"action\": \"enforce\"}").status());
        int sent = stub.requests().size();
        Http.Response r = http.post("/chat-chat/", "{\"input\": \"hello\", \"user_id\": \"alice\"}");
        assertEquals(429, r.status(), r.raw());
        assertEquals(sent, stub.requests().size(), "nothing was sent to the model");
        JsonNode j = r.json();
        assertEquals("alice-day", j.get("budget").asText());
        assertEquals(0, new BigDecimal("0.000001").compareTo(j.get("limit").decimalValue()));
        assertEquals(0, j.get("spent").decimalValue().signum());
        assertFalse(r.raw().contains("E-"), "amounts in plain notation (not 0E-10): " + r.raw());
        assertTrue(j.get("error").asText().contains("budget 'alice-day' exceeded"), j.toString());
        assertTrue(j.get("resets_at").asText().endsWith("T00:00:00Z"), j.toString());
        String conversation = j.get("conversation_id").asText();
        assertTrue(server.logger().flush(java.time.Duration.ofSeconds(20)));
        Map<String, Object> row = server.database().jdbi().withHandle(h -> h.createQuery(
                "SELECT success, error_message, debug_info FROM chatbot_conversation_messages WHERE conversation_id = :c")
                .bind("c", conversation).mapToMap().one());
        assertEquals(Boolean.FALSE, row.get("success"), row.toString());
        assertTrue(String.valueOf(row.get("error_message")).startsWith("refused: budget 'alice-day'"), row.toString());
        assertTrue(String.valueOf(row.get("debug_info")).contains("\"refused_by_budget\":\"alice-day\""), row.toString());

        Http.Response bob = http.post("/chat-chat/", "{\"input\": \"hello\", \"user_id\": \"bob\"}");
        assertEquals(200, bob.status(), "another user is not under alice's budget: " + bob.raw());
        JsonNode env = budget("from-env");
        assertTrue(env.get("spent").decimalValue().signum() > 0, "bob's calls count in the global budget: " + env);
        assertEquals(0, env.get("reserved").decimalValue().signum());
        assertEquals(204, http.delete("/logging-dashboard/budgets/alice-day").status());
    }

    @Test
    void should_refuse_bad_definitions_naming_the_field() throws Exception {
        String good = "{\"scope\": \"global\", \"period\": \"day\", \"limit_usd\": 1}";
        record Bad(String body, String field) {}
        List<Bad> bad = List.of(
                new Bad("{\"period\": \"day\", \"limit_usd\": 1}", "scope"),
                new Bad("{\"scope\": \"team\", \"period\": \"day\", \"limit_usd\": 1}", "scope"),
                new Bad("{\"scope\": 3, \"period\": \"day\", \"limit_usd\": 1}", "scope"),
                new Bad("{\"scope\": \"global\", \"value\": \"x\", \"period\": \"day\", \"limit_usd\": 1}", "value"),
                new Bad("{\"scope\": \"user\", \"period\": \"day\", \"limit_usd\": 1}", "value"),
                new Bad("{\"scope\": \"user\", \"value\": 7, \"period\": \"day\", \"limit_usd\": 1}", "value"),
                new Bad("{\"scope\": \"user\", \"value\": \"" + "u".repeat(256) + "\", \"period\": \"day\", \"limit_usd\": 1}", "value"),
                new Bad("{\"scope\": \"global\", \"limit_usd\": 1}", "period"),
                new Bad("{\"scope\": \"global\", \"period\": \"year\", \"limit_usd\": 1}", "period"),
                new Bad("{\"scope\": \"global\", \"period\": \"day\"}", "limit_usd"),
                new Bad("{\"scope\": \"global\", \"period\": \"day\", \"limit_usd\": \"1\"}", "limit_usd"),
                new Bad("{\"scope\": \"global\", \"period\": \"day\", \"limit_usd\": 0}", "limit_usd"),
                new Bad("{\"scope\": \"global\", \"period\": \"day\", \"limit_usd\": -5}", "limit_usd"),
                new Bad("{\"scope\": \"global\", \"period\": \"day\", \"limit_usd\": 1e12}", "limit_usd"),
                new Bad("{\"scope\": \"global\", \"period\": \"day\", \"limit_usd\": 0.00000000001}", "limit_usd"),
                new Bad("{\"scope\": \"global\", \"period\": \"day\", \"limit_usd\": 1, \"warn_at\": [1.5]}", "warn_at"),
                new Bad("{\"scope\": \"global\", \"period\": \"day\", \"limit_usd\": 1, \"warn_at\": []}", "warn_at"),
                new Bad("{\"scope\": \"global\", \"period\": \"day\", \"limit_usd\": 1, \"warn_at\": [\"0.8\"]}", "warn_at"),
                new Bad("{\"scope\": \"global\", \"period\": \"day\", \"limit_usd\": 1, \"warn_at\": [0]}", "warn_at"),
                new Bad("{\"scope\": \"global\", \"period\": \"day\", \"limit_usd\": 1, \"action\": \"block\"}", "action"),
                new Bad("{\"scope\": \"global\", \"period\": \"day\", \"limit_usd\": 1, \"zone\": \"Mars/Olympus\"}", "zone"),
                new Bad("{\"scope\": \"global\", \"period\": \"day\", \"limit_usd\": 1, \"zone\": 5}", "zone"),
                new Bad("{\"scope\": \"global\", \"period\": \"day\", \"limit_usd\": 1, \"limit_tokens\": 5}", "limit_tokens"),
                new Bad("{\"scope\": \"global\", \"period\": \"day\", \"limit_usd\": 1, \"scope\": \"user\"}", null),
                new Bad("[1, 2]", null),
                new Bad("not json", null),
                new Bad(good + " trailing", null));
        JsonNode before = budgets();
        for (Bad b : bad) {
            Http.Response r = http.put("/logging-dashboard/budgets/bad-one", b.body());
            assertEquals(400, r.status(), b.body() + " -> " + r.raw());
            assertNotNull(r.json(), "a JSON body: " + r.raw());
            assertTrue(r.json().get("error").asText().length() > 10, r.raw());
            if (b.field() != null) assertEquals(b.field(), r.json().path("field").asText(null), b.body() + " -> " + r.raw());
        }
        assertEquals(before, budgets(), "no refused definition changed anything");
        for (String name : List.of("a%20b", "x".repeat(101), "%00", "a%2Fb", "%E2%80%AEevil")) {
            Http.Response r = http.putAlone("/logging-dashboard/budgets/" + name, good);
            assertTrue(r.status() == 400 || r.status() == 404, name + " -> " + r.raw());
            assertNotNull(r.json(), r.raw());
        }
        HttpRequest.Builder form = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/logging-dashboard/budgets/f"))
                .header("Content-Type", "application/x-www-form-urlencoded").PUT(HttpRequest.BodyPublishers.ofString("scope=global"));
        assertEquals(415, http.send(form).status(), "a form cannot define a budget (no CORS preflight)");
        assertEquals(404, http.get("/logging-dashboard/budgets/no-such-budget").status());
        assertEquals(400, http.get("/logging-dashboard/budgets/from-env?windows=0").status());
        assertEquals(400, http.get("/logging-dashboard/budget-events?after=-3").status());
        assertEquals(before, budgets());
    }

    /** Hostile values in every field of a definition and in the name: a JSON 2xx or 4xx, never a 5xx; a 4xx changes nothing. */
    @TestFactory
    Stream<DynamicTest> every_hostile_definition_gets_a_json_answer_and_a_refusal_changes_nothing() {
        List<DynamicTest> cases = new ArrayList<>();
        for (String field : List.of("scope", "value", "period", "zone", "limit_usd", "warn_at", "action")) {
            for (String v : HostileInputs.VALUES) {
                cases.add(DynamicTest.dynamicTest("PUT " + field + "=" + v.substring(0, Math.min(20, v.length())), () -> {
                    ObjectNode body = Http.JSON.createObjectNode().put("scope", "user").put("value", "hostile-user").put("period", "day")
                            .put("limit_usd", 1);
                    body.put(field, v);
                    JsonNode before = budgets();
                    Http.Response r = http.put("/logging-dashboard/budgets/hostile", body.toString());
                    assertTrue(r.status() < 500, body + " -> " + r.status() + " " + r.raw());
                    assertNotNull(r.json(), "a JSON body: " + r.raw());
                    if (r.status() >= 400) {
                        assertEquals(before, budgets(), "a refusal changed nothing");
                    } else {
                        String expected = field.equals("zone") ? java.time.ZoneId.of(v.trim()).getId() : v; // a zone id is normalised
                        assertEquals(expected, r.json().get(field).asText(), "stored as sent");
                        assertEquals(204, http.delete("/logging-dashboard/budgets/hostile").status());
                    }
                }));
            }
        }
        cases.addAll(HostileInputs.asNames(http, "/logging-dashboard/budgets/"));
        return cases.stream();
    }

    @Test
    void should_refuse_to_start_on_a_bad_budget_in_the_environment() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServerConfig.from(Map.of("CHATLOG_BUDGETS",
                "{\"ok\": {\"scope\": \"global\", \"period\": \"day\", \"limit_usd\": 1}, \"broken\": {\"scope\": \"global\", "
                        + "\"period\": \"fortnight\", \"limit_usd\": 1}}")));
        assertTrue(e.getMessage().contains("budget 'broken', field period"), e.getMessage());
        assertFalse(e.getMessage().contains("'ok'"));
        assertThrows(IllegalArgumentException.class, () -> ServerConfig.from(Map.of("CHATLOG_BUDGETS", "[1]")));
        assertThrows(IllegalArgumentException.class, () -> ServerConfig.from(Map.of("CHATLOG_BUDGET_CLAMP", "maybe")));
        assertEquals(600, ServerConfig.from(Map.of()).budgets().lease().toSeconds());
    }
}
