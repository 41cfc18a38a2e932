package dev.chatlog.server.prices;

import dev.chatlog.server.ChatlogServer;
import dev.chatlog.server.Http;
import dev.chatlog.server.ServerTestSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.LlmCall;
import dev.chatlog.core.price.PriceCatalog;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.chatlog.sql.rollup.ConsistencyCheck;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code POST /logging-dashboard/prices/reprice}: calls logged at an old price, repriced with the server's, through the route. */
class RepriceRouteTest {
    private static final String TOKEN = "reprice-token";
    private static ChatlogServer server;

    @BeforeAll
    static void start() {
        server = ServerTestSupport.start(Map.of("CHATLOG_API_TOKEN", TOKEN, "CHATLOG_PRICES", "acme-model=2:2"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static HttpResponse<String> post(String body, String token, String type) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/logging-dashboard/prices/reprice"))
                .header("Content-Type", type).POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) b.header("Authorization", "Bearer " + token);
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void should_report_first_then_reprice_keeping_every_figure_exact() throws Exception {
        // another application instance logged these at last month's price: $1 in, $1 out per 1M
        try (ChatLogger old = ChatLogger.builder(new JdbcChatLogStore(server.database().jdbi()))
                .prices(PriceCatalog.bundled().withInlineOverrides("acme-model=1:1")).build()) {
            for (int i = 0; i < 50; i++) {
                old.logCall(LlmCall.builder().callId("acme-" + i).conversationId("acme-conv-" + (i % 5)).messageId("m" + i)
                        .model("acme-model").inputTokens(10_000).outputTokens(10_000).startedAt(Instant.parse("2026-11-10T10:00:00Z")
                                .plusSeconds(600L * i)).build());
            }
            assertTrue(old.flush(Duration.ofSeconds(20)));
        }
        String window = "{\"from\": \"2026-11-01\", \"to\": \"2026-12-01\"";
        HttpResponse<String> dry = post(window + "}", TOKEN, "application/json");
        assertEquals(200, dry.statusCode(), dry.body());
        JsonNode d = Http.JSON.readTree(dry.body());
        assertTrue(d.get("dry_run").asBoolean(), "a dry run unless told otherwise");
        assertEquals(50, d.get("changed").asInt());
        assertEquals(0, new BigDecimal("1.0").compareTo(d.get("cost_before").decimalValue()), d.toString());
        assertEquals(0, new BigDecimal("2.0").compareTo(d.get("cost_after").decimalValue()), d.toString());
        HttpResponse<String> run = post(window + ", \"dry_run\": false}", TOKEN, "application/json");
        assertEquals(200, run.statusCode(), run.body());
        assertEquals(List.of(), new ConsistencyCheck(server.database().jdbi()).mismatches());
        BigDecimal summaries = server.database().jdbi().withHandle(h -> h.createQuery(
                "SELECT SUM(total_cost) FROM chatbot_conversation_summary WHERE conversation_id LIKE 'acme-conv-%'").mapTo(BigDecimal.class).one());
        assertEquals(0, new BigDecimal("2.0").compareTo(summaries));
        assertEquals(0, Http.JSON.readTree(post(window + ", \"dry_run\": false}", TOKEN, "application/json").body()).get("changed").asInt(),
                "run again: nothing changes");
    }

    @Test
    void should_refuse_without_the_token_a_form_post_and_a_bad_window() throws Exception {
        assertEquals(401, post("{\"from\": \"2026-11-01\", \"to\": \"2026-12-01\"}", null, "application/json").statusCode());
        assertEquals(415, post("from=2026-11-01&to=2026-12-01", TOKEN, "application/x-www-form-urlencoded").statusCode());
        HttpResponse<String> missing = post("{\"from\": \"2026-11-01\"}", TOKEN, "application/json");
        assertEquals(400, missing.statusCode());
        assertEquals("to", Http.JSON.readTree(missing.body()).get("field").asText());
        assertEquals("from", Http.JSON.readTree(post("{\"from\": \"2026-12-01\", \"to\": \"2026-11-01\"}", TOKEN, "application/json").body())
                .get("field").asText());
        assertEquals("dry_run", Http.JSON.readTree(post("{\"from\": \"2026-11-01\", \"to\": \"2026-12-01\", \"dry_run\": \"no\"}", TOKEN,
                "application/json").body()).get("field").asText());
    }
}
