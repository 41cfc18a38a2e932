package dev.chatlog.server.alerts;

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
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.chatlog.langchain4j.OpenAiStub;
import dev.chatlog.langchain4j.OpenAiStub.Reply;
import dev.chatlog.langchain4j.OpenAiStub.Usage;
import jakarta.mail.internet.MimeMessage;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The alert routes and the e-mail channel through the running server (real OpenAI client on the
 * stub, GreenMail as the SMTP server): rules managed over HTTP, an alert mailed with the right
 * subject and body, and every bad or hostile definition a JSON 400 naming the field that changes nothing.
 */
class AlertRoutesTest {
    private static OpenAiStub stub;
    private static GreenMail smtp;
    private static ChatlogServer server;
    private static Http http;

    @BeforeAll
    static void start() throws Exception {
        stub = new OpenAiStub();
        stub.respond(r -> switch (r.task()) {
            case "classify_intent" -> Reply.text("smalltalk", Usage.of(900, 2));
            default -> Reply.text("Hi!", Usage.of(30, 3));
        });
        smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        server = ServerTestSupport.start(Map.ofEntries(Map.entry("OPENAI_API_KEY", "test-key"), Map.entry("OPENAI_BASE_URL", stub.baseUrl()),
                Map.entry("CHATLOG_MODEL", "gpt-4o-mini"), Map.entry("CHATLOG_ALERT_DEFAULTS", "off"),
                Map.entry("CHATLOG_ALERT_CHECK_SECONDS", "3600"), // evaluated by the test
                Map.entry("CHATLOG_ALERT_RULES", "{\"from-env\": {\"kind\": \"failure_rate\", \"alert_above\": 0.5}}"),
                Map.entry("CHATLOG_ALERT_SMTP_HOST", "127.0.0.1"), Map.entry("CHATLOG_ALERT_SMTP_PORT", String.valueOf(smtp.getSmtp().getPort())),
                Map.entry("CHATLOG_ALERT_SMTP_SECURITY", "none"), Map.entry("CHATLOG_ALERT_EMAIL_FROM", "chatlog@example.com"),
                Map.entry("CHATLOG_ALERT_EMAIL_TO", "oncall@example.com"), Map.entry("CHATLOG_PUBLIC_URL", "https://chatlog.example.com")));
        http = new Http("http://127.0.0.1:" + server.port());
    }

    @AfterAll
    static void stop() {
        server.close();
        smtp.stop();
        stub.close();
    }

    private static JsonNode rules() throws Exception {
        Http.Response r = http.get("/logging-dashboard/alerts/rules");
        assertEquals(200, r.status(), r.raw());
        return r.json().get("rules");
    }

    @Test
    void should_define_show_replace_and_delete_a_rule() throws Exception {
        assertEquals("from-env", rules().get(0).get("name").asText(), "CHATLOG_ALERT_RULES defined its rule at start");
        Http.Response created = http.put("/logging-dashboard/alerts/rules/p95-sql",
                "{\"kind\": \"slow_calls\", \"by\": \"function\", \"match\": \"generate_sql\", \"stat\": \"p95\", \"window\": \"15m\", "
                        + "\"warn_above\": 4000, \"alert_above\": 8000, \"severity\": \"critical\", \"channels\": [\"email\"]}");
        assertEquals(201, created.status(), created.raw());
        assertEquals("p95", created.json().get("stat").asText());
        assertEquals("15m", created.json().get("window").asText());
        assertEquals("ms", created.json().get("unit").asText());
        Http.Response replaced = http.put("/logging-dashboard/alerts/rules/p95-sql", "{\"kind\": \"slow_calls\", \"alert_above\": 9000}");
        assertEquals(200, replaced.status(), replaced.raw());
        assertEquals("all", replaced.json().get("by").asText());
        Http.Response one = http.get("/logging-dashboard/alerts/rules/p95-sql");
        assertEquals(200, one.status());
        assertTrue(one.json().get("states").isArray());
        assertEquals(204, http.delete("/logging-dashboard/alerts/rules/p95-sql").status());
        assertEquals(404, http.delete("/logging-dashboard/alerts/rules/p95-sql").status());
        assertEquals(404, http.get("/logging-dashboard/alerts/rules/p95-sql").status());
    }

    @Test
    void should_mail_an_alert_with_its_subject_figures_and_the_call_behind_it() throws Exception {
        assertEquals(201, http.put("/logging-dashboard/alerts/rules/big-prompts",
                "{\"kind\": \"token_usage\", \"by\": \"function\", \"match\": \"classify_intent\", \"alert_above\": 500, \"severity\": \"critical\", "
                        + "\"channels\": [\"email\"]}").status());
        Http.Response chat = http.post("/chat-chat/", "{\"input\": \"hello\"}");
        assertEquals(200, chat.status(), chat.raw());
        assertTrue(server.logger().flush(Duration.ofSeconds(10)));
        server.alerts().evaluate(); // the PUT's own evaluation may run later and find the change written
        assertTrue(smtp.waitForIncomingEmail(15_000, 1), "the mail arrives");
        MimeMessage m = smtp.getReceivedMessages()[0];
        assertEquals("[chatlog] [ALERT] big-prompts function classify_intent", m.getSubject());
        assertEquals("oncall@example.com", m.getAllRecipients()[0].toString());
        String body = ((String) m.getContent()).replace("\r\n", "\n");
        assertTrue(body.contains("the most tokens of one call of function classify_intent is 902 over the last 5m (1 call; alert above 500)"), body);
        assertTrue(body.contains("https://chatlog.example.com/dashboard#conversation=" + chat.json().get("conversation_id").asText()), body);

        // the mail is in the server's inbox once its DATA is accepted; the sender marks it delivered after QUIT
        JsonNode alerts = http.get("/logging-dashboard/alerts").json();
        for (long until = System.nanoTime() + 15_000_000_000L;
             !"delivered".equals(alerts.at("/notifications/0/status").asText()) && System.nanoTime() < until; Thread.sleep(50)) {
            alerts = http.get("/logging-dashboard/alerts").json();
        }
        assertEquals(List.of("log", "email"), Http.JSON.convertValue(alerts.get("channels"), List.class));
        JsonNode active = alerts.get("active").get(0);
        assertEquals("big-prompts", active.get("rule").asText());
        assertEquals("ALERT", active.get("state").asText());
        assertEquals(902, active.get("value").asInt());
        JsonNode note = alerts.get("notifications").get(0);
        assertEquals("email", note.get("channel").asText());
        assertEquals("delivered", note.get("status").asText(), note.toString());
        assertEquals(1, note.get("attempts").asInt());
        JsonNode full = http.get("/logging-dashboard/alerts/notifications?rule=big-prompts").json().get("notifications").get(0);
        assertEquals(note.get("idempotency_key").asText(), full.at("/body/idempotency_key").asText());
        assertTrue(body.contains("key " + note.get("idempotency_key").asText()), body);
        assertEquals(1, smtp.getReceivedMessages().length, "one change, one mail");
        assertEquals(204, http.delete("/logging-dashboard/alerts/rules/big-prompts").status());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            {"kind": "slow_calls"}                                              | alert_above
            {"kind": "slow_calls", "alert_above": 8000, "window": "2 weeks"}    | window
            {"kind": "slow_calls", "alert_above": 8000, "channels": ["webhook"]} | channels
            {"kind": "failure_rate", "alert_above": 1.5}                        | alert_above
            {"kind": "cost_spike", "baseline": "30m"}                           | baseline
            {"kind": "nope"}                                                    | kind
            {"kind": "slow_calls", "alert_above": 1, "extra": 1}                | extra
            """)
    void should_answer_a_bad_definition_400_naming_the_field(String body, String field) throws Exception {
        JsonNode before = rules();
        Http.Response r = http.put("/logging-dashboard/alerts/rules/bad", body);
        assertEquals(400, r.status(), r.raw());
        assertEquals(field, r.json().get("field").asText(), r.raw());
        assertTrue(r.json().get("error").asText().length() > 10);
        assertEquals(before, rules(), "nothing stored");
    }

    @Test
    void should_answer_a_body_that_is_no_rule_400() throws Exception {
        for (String body : List.of("", "[]", "{\"kind\": \"slow_calls\", \"kind\": \"budget\"}", "{\"kind\":", "null")) {
            Http.Response r = http.put("/logging-dashboard/alerts/rules/bad", body);
            assertEquals(400, r.status(), body + " -> " + r.raw());
            assertNotNull(r.json());
        }
        assertEquals(400, http.get("/logging-dashboard/alerts/notifications?rule=a%20b").status());
        assertEquals(400, http.get("/logging-dashboard/alerts?limit=0").status());
    }

    /** Hostile values in every field of a definition and in the name: a JSON 2xx or 4xx, never a 5xx; a 4xx changes nothing. */
    @TestFactory
    Stream<DynamicTest> every_hostile_definition_gets_a_json_answer_and_a_refusal_changes_nothing() {
        List<DynamicTest> cases = new ArrayList<>();
        for (String field : List.of("kind", "severity", "window", "by", "match", "metric", "stat", "alert_above", "warn_above", "min_calls",
                "suppress", "digest", "channels", "enabled")) {
            for (String v : HostileInputs.VALUES) {
                cases.add(DynamicTest.dynamicTest("PUT " + field + "=" + v.substring(0, Math.min(20, v.length())), () -> {
                    ObjectNode body = Http.JSON.createObjectNode().put("kind", "slow_calls").put("by", "model").put("alert_above", 8000);
                    body.put(field, v);
                    JsonNode before = rules();
                    Http.Response r = http.put("/logging-dashboard/alerts/rules/hostile", body.toString());
                    assertTrue(r.status() < 500, body + " -> " + r.status() + " " + r.raw());
                    assertNotNull(r.json(), "a JSON body: " + r.raw());
                    if (r.status() >= 400) {
                        assertEquals(before, rules(), "a refusal changed nothing");
                        assertTrue(r.json().get("field") == null || r.json().get("field").asText().equals(field), r.raw());
                    } else {
                        if (field.equals("match")) assertEquals(v, r.json().get(field).asText(), "a subject is stored as sent");
                        else assertNotNull(r.json().get(field), r.raw());
                        assertEquals(204, http.delete("/logging-dashboard/alerts/rules/hostile").status());
                    }
                }));
            }
        }
        for (String v : HostileInputs.VALUES) {
            String q = URLEncoder.encode(v, StandardCharsets.UTF_8).replace("+", "%20");
            for (String path : List.of("/logging-dashboard/alerts?limit=" + q, "/logging-dashboard/alerts/notifications?rule=" + q,
                    "/logging-dashboard/alerts/notifications?limit=" + q)) {
                cases.add(DynamicTest.dynamicTest("GET " + path.substring(0, Math.min(70, path.length())), () -> {
                    Http.Response r = http.get(path);
                    assertTrue(r.status() == 200 || r.status() == 400, path + " -> " + r.raw());
                    assertNotNull(r.json(), r.raw());
                }));
            }
        }
        cases.addAll(HostileInputs.asNames(http, "/logging-dashboard/alerts/rules/"));
        return cases.stream();
    }

    @Test
    void should_refuse_to_start_on_bad_alert_settings() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServerConfig.from(Map.of("CHATLOG_ALERT_RULES",
                "{\"ok\": {\"kind\": \"budget\"}, \"broken\": {\"kind\": \"slow_calls\", \"alert_above\": 1, \"stat\": \"median\"}}")));
        assertTrue(e.getMessage().contains("rule 'broken', field stat"), e.getMessage());
        assertFalse(e.getMessage().contains("'ok'"));
        assertThrows(IllegalArgumentException.class, () -> ServerConfig.from(Map.of("CHATLOG_ALERT_WEBHOOK_URL", "ftp://x/hook")));
        assertThrows(IllegalArgumentException.class, () -> ServerConfig.from(Map.of("CHATLOG_ALERT_SMTP_HOST", "smtp.example.com")));
        assertThrows(IllegalArgumentException.class, () -> ServerConfig.from(Map.of("CHATLOG_ALERT_SMTP_SECURITY", "maybe")));
        assertThrows(IllegalArgumentException.class, () -> ServerConfig.from(Map.of("CHATLOG_TURN_SUMMARY", "sometimes")));
        assertEquals(7, dev.chatlog.alerts.AlertRules.defaults().size());
    }
}
