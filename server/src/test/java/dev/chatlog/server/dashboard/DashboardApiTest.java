package dev.chatlog.server.dashboard;

import dev.chatlog.server.ChatlogServer;
import dev.chatlog.server.Http;
import dev.chatlog.server.ServerTestSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatlog.core.CallType;
import dev.chatlog.core.LlmCall;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The page's assets and the JSON the page reads (without a browser). */
class DashboardApiTest {
    private static ChatlogServer server;
    private static Http http;

    @BeforeAll
    static void start() throws Exception {
        server = ServerTestSupport.start(Map.of());
        http = new Http("http://127.0.0.1:" + server.port());
        for (String[] turn : new String[][] {{"Show me recent orders", "api-1", "ann"}, {"hello", "api-2", "ben"},
                {"How many customers are there?", "api-3", "ann"}}) {
            assertEquals(200, http.post("/chat-chat/", Http.JSON.writeValueAsString(
                    Map.of("input", turn[0], "conversation_id", turn[1], "user_id", turn[2]))).status());
        }
        server.logger().logCall(LlmCall.builder().conversationId("api-1").callType(CallType.CHAT).model("gpt-4o")
                .functionName("retry_me").inputTokens(10).outputTokens(0).startedAt(Instant.now()).durationMs(31_000)
                .success(false).errorType("TimeoutException").errorMessage("read timed out").build());
        assertTrue(server.logger().flush(Duration.ofSeconds(20)));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void should_serve_the_page_and_its_libraries_from_the_server_itself() throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        HttpResponse<String> page = client.send(HttpRequest.newBuilder(URI.create(http.base() + "/dashboard")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("script-src 'self'"));
        assertTrue(page.body().contains("/dashboard/assets/echarts.min.js"));
        assertTrue(!page.body().contains("http://") && !page.body().contains("https://"), "no asset from another host");
        HttpResponse<String> lib = client.send(HttpRequest.newBuilder(URI.create(http.base() + "/dashboard/assets/echarts.min.js")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, lib.statusCode());
        assertTrue(lib.body().length() > 500_000 && lib.body().contains("echarts"));
        for (String bad : new String[] {"/dashboard/assets/nope.js", "/dashboard/assets/..%2Fpom.xml", "/dashboard/assets/index.html"}) {
            Http.Response r = http.get(bad);
            assertEquals(404, r.status(), bad);
            assertTrue(r.json().has("error"), r.raw());
        }
    }

    @Test
    void should_give_the_overview_a_histogram_a_cost_analysis_and_filters() throws Exception {
        JsonNode all = http.get("/logging-dashboard/overview?hours=24").json();
        long calls = all.at("/totals/llm_calls").asLong();
        long histogram = 0;
        for (JsonNode b : all.get("latency_histogram")) histogram += b.get("llm_calls").asLong();
        assertEquals(calls, histogram);
        assertEquals(1, all.get("latency_histogram").get(all.get("latency_histogram").size() - 2).get("llm_calls").asLong(),
                "the 31 s call sits in the 30–60 s bucket");
        assertEquals(3, all.at("/totals/messages").asLong());
        assertEquals(3, all.at("/totals/conversations").asLong());
        assertEquals("chatlog-demo", all.at("/cost_analysis/most_used_model/model").asText());
        assertEquals("hour", all.get("series_bucket").asText());
        long seriesCalls = 0;
        for (JsonNode p : all.get("hourly")) seriesCalls += p.get("llm_calls").asLong();
        assertEquals(calls, seriesCalls);

        JsonNode gpt = http.get("/logging-dashboard/overview?hours=24&model=gpt-4o").json();
        assertEquals(1, gpt.at("/totals/llm_calls").asLong());
        assertEquals(1, gpt.at("/totals/failed_calls").asLong());
        assertEquals(3, gpt.at("/totals/messages").asLong(), "message figures are not narrowed by call filters");

        // under a model filter every breakdown holds that model's calls only (one pass over them)
        JsonNode demo = http.get("/logging-dashboard/overview?hours=24&model=chatlog-demo").json();
        JsonNode month = http.get("/logging-dashboard/overview?hours=720&model=chatlog-demo").json(); // same calls, longer window
        assertEquals(demo.get("by_function"), month.get("by_function"));
        assertEquals(demo.get("by_agent"), month.get("by_agent"));
        Map<String, Long> unfiltered = new java.util.HashMap<>();
        for (JsonNode g : all.get("by_function")) unfiltered.put(g.get("function_name").asText(), g.get("llm_calls").asLong());
        unfiltered.remove("retry_me"); // the one gpt-4o call
        assertEquals(3L, unfiltered.remove("null"), "the demo moderation's calls, one per turn (another model, no function)");
        Map<String, Long> filtered = new java.util.HashMap<>();
        for (JsonNode g : demo.get("by_function")) filtered.put(g.get("function_name").asText(), g.get("llm_calls").asLong());
        assertEquals(unfiltered, filtered);
        long moderations = 3;
        assertEquals(calls - 1 - moderations, demo.at("/by_chat_mode").findValues("llm_calls").stream().mapToLong(JsonNode::asLong).sum());
        assertEquals(calls - 1 - moderations, demo.at("/by_agent").findValues("llm_calls").stream().mapToLong(JsonNode::asLong).sum());

        JsonNode ever = http.get("/logging-dashboard/overview?hours=all").json();
        assertEquals("all", ever.get("window_hours").asText());
        assertEquals("1970-01-01T00:00:00Z", ever.get("from").asText());
        assertEquals("day", ever.get("series_bucket").asText());
        assertEquals(calls, ever.at("/totals/llm_calls").asLong());
        assertEquals(400, http.get("/logging-dashboard/overview?hours=forever").status());
        assertEquals(400, http.get("/logging-dashboard/overview?model=%3Cscript%3E").status());
    }

    @Test
    void should_list_recent_conversations_and_errors() throws Exception {
        JsonNode list = http.get("/logging-dashboard/conversations?hours=24").json();
        assertEquals(3, list.get("conversations").size());
        assertEquals("api-3", list.at("/conversations/0/conversation_id").asText(), "newest first");
        JsonNode ann = http.get("/logging-dashboard/conversations?hours=all&user=ann&limit=1").json();
        assertEquals(1, ann.get("conversations").size());
        assertEquals("ann", ann.at("/conversations/0/user_id").asText());
        assertEquals(400, http.get("/logging-dashboard/conversations?limit=0").status());
        assertEquals(400, http.get("/logging-dashboard/conversations?user=a%20b").status());

        JsonNode analysis = http.get("/logging-dashboard/llm-calls/analysis?hours=24").json();
        JsonNode errors = analysis.get("recent_errors");
        assertEquals(1, errors.size());
        assertEquals("TimeoutException", errors.at("/0/error_type").asText());
        assertEquals("timeout", errors.at("/0/error_category").asText());
        assertEquals(dev.chatlog.core.error.ErrorCategory.TIMEOUT.suggestion(), errors.at("/0/suggestion").asText());
        assertEquals("api-1", errors.at("/0/conversation_id").asText());
        JsonNode categories = analysis.get("errors_by_category");
        assertEquals(1, categories.size(), categories.toString());
        assertEquals("timeout", categories.at("/0/category").asText());
        assertEquals(1, categories.at("/0/failures").asLong());
        assertEquals(errors.at("/0/started_at").asText(), categories.at("/0/last_at").asText());
        assertEquals(0, http.get("/logging-dashboard/llm-calls/analysis?hours=24&model=chatlog-demo").json().get("recent_errors").size());
    }

    @Test
    void should_take_the_same_filter_and_window_names_on_every_route_with_the_old_spellings_as_aliases() throws Exception {
        // function (the statistics routes' name) and function_name (the dashboard routes' older one) filter alike everywhere
        for (String route : new String[] {"/logging-dashboard/overview?hours=24&", "/logging-dashboard/llm-calls/analysis?hours=24&"}) {
            JsonNode byNew = http.get(route + "function=retry_me").json();
            JsonNode byOld = http.get(route + "function_name=retry_me").json();
            assertEquals(1, byNew.at("/totals/llm_calls").asLong(), route);
            assertEquals(byOld.get("totals"), byNew.get("totals"), route);
            assertEquals("retry_me", byNew.at("/filters/function_name").asText(), route);
        }
        JsonNode stats = http.get("/logging-dashboard/stats/latency?window=today&function_name=retry_me").json();
        assertEquals(1, stats.at("/overall/llm_calls").asLong());
        assertEquals("retry_me", stats.at("/filters/function").asText());
        assertEquals(400, http.get("/logging-dashboard/stats/latency?function=a&function_name=b").status());
        // hours on a statistics route, window and from/to on a dashboard route
        JsonNode lastDay = http.get("/logging-dashboard/stats/range?hours=24").json();
        JsonNode overview = http.get("/logging-dashboard/overview?hours=24").json();
        assertEquals(overview.get("from").asText(), lastDay.at("/window/from").asText());
        assertEquals(overview.at("/totals/llm_calls").asLong(), lastDay.at("/totals/llm_calls").asLong());
        JsonNode week = http.get("/logging-dashboard/overview?window=7d").json();
        assertEquals(overview.at("/totals/llm_calls").asLong(), week.at("/totals/llm_calls").asLong());
        assertTrue(week.get("window_hours").asLong() >= 24 * 6, week.get("window_hours").toString());
        JsonNode since = http.get("/logging-dashboard/llm-calls/analysis?from=2020-01-01").json();
        assertEquals(overview.at("/totals/llm_calls").asLong(), since.at("/totals/llm_calls").asLong());
        assertEquals(400, http.get("/logging-dashboard/overview?window=fortnight").status());
    }
}
