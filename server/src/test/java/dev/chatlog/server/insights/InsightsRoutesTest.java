package dev.chatlog.server.insights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatlog.server.ChatlogServer;
import dev.chatlog.server.Http;
import dev.chatlog.server.ServerTestSupport;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /logging-dashboard/insights} on the demo server: the same first question asked in three conversations is
 * the same request sent three times (the listener's fingerprint of the real calls), found as redundant with its evidence
 * reachable; the savings meter follows; a bad window is a 400 naming it.
 */
class InsightsRoutesTest {
    private static ChatlogServer server;
    private static Http http;

    @BeforeAll
    static void start() {
        server = ServerTestSupport.start(Map.of("CHATLOG_INSIGHTS_REFRESH_SECONDS", "10"));
        http = new Http("http://127.0.0.1:" + server.port());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void should_find_the_repeated_request_link_its_evidence_and_meter_the_saving() throws Exception {
        for (int i = 0; i < 3; i++) assertEquals(200, http.post("/chat-chat/", "{\"input\": \"Show me recent orders\"}").status());
        assertTrue(server.logger().flush(Duration.ofSeconds(20)));
        Http.Response r = http.get("/logging-dashboard/insights?window=1d");
        assertEquals(200, r.status(), r.raw());
        JsonNode body = r.json();
        assertEquals("1d", body.get("window").asText());
        assertEquals(0, body.get("failed_analyses").size(), body.toString());
        JsonNode redundant = null;
        for (JsonNode f : body.get("findings")) if (f.get("kind").asText().equals("redundant_calls")) redundant = f;
        assertTrue(redundant != null, body.toString());
        assertEquals("across", redundant.at("/detail/repeated_in").asText(), redundant.toString());
        assertTrue(redundant.at("/detail/repeats").asLong() >= 2, redundant.toString());
        assertTrue(redundant.get("saving_per_month_usd").decimalValue().signum() > 0, redundant.toString());
        String conversation = redundant.at("/evidence/conversation_ids/0").asText();
        assertEquals(200, http.get("/logging-dashboard/conversation/" + conversation + "/detailed").status(), "the evidence is reachable");
        assertTrue(redundant.at("/evidence/links/calls").asText().startsWith("/logging-dashboard/export/llm-calls?"));
        Http.Response calls = http.get(redundant.at("/evidence/links/calls").asText());
        assertEquals(200, calls.status(), calls.raw());
        assertTrue(body.get("forecasts").get(0).get("by").asText().equals("all"), body.get("forecasts").toString());

        // the meter reads the default window, refreshed in the background
        Pattern gauge = Pattern.compile("chatlog_insights_savings_open_usd\\{[^}]*kind=\"redundant_calls\"[^}]*\\} ([0-9.Ee+-]+)");
        double open = 0;
        String scrape = "";
        for (long until = System.nanoTime() + Duration.ofSeconds(60).toNanos(); open <= 0 && System.nanoTime() < until; Thread.sleep(500)) {
            scrape = http.get("/metrics").raw();
            Matcher m = gauge.matcher(scrape);
            if (m.find()) open = Double.parseDouble(m.group(1));
        }
        assertTrue(open > 0, "chatlog_insights_savings_open_usd{kind=redundant_calls}: "
                + scrape.lines().filter(l -> l.contains("insights")).toList());

        for (String bad : new String[] {"0d", "91d", "week", "7d;DROP", "%00"}) {
            Http.Response e = http.get("/logging-dashboard/insights?window=" + bad);
            assertEquals(400, e.status(), bad + ": " + e.raw());
            assertEquals("window", e.json().get("field").asText());
        }
    }
}
