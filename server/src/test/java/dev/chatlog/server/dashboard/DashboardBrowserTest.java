package dev.chatlog.server.dashboard;

import dev.chatlog.server.ChatlogServer;
import dev.chatlog.server.Http;
import dev.chatlog.server.ServerTestSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatlog.core.CallType;
import dev.chatlog.core.LlmCall;
import java.io.File;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard page in a real headless Chromium (Debian's chromium and chromium-driver): the server
 * runs on the embedded database, conversations go through {@code POST /chat-chat/} with the demo
 * model, and the page's tiles, charts, detail tree and escaping are checked against figures computed
 * here from the raw rows. Skipped with a message where no Chromium is installed, except under CI
 * ({@code CI} set), where a missing browser fails the build. Screenshots go to
 * {@code server/target/dashboard-e2e/}.
 */
@Tag("slow") // a real browser; mvn -B verify runs it, -DexcludedGroups=slow leaves it out
class DashboardBrowserTest {
    private static final String CHROMIUM = System.getenv().getOrDefault("CHATLOG_CHROMIUM", "/usr/bin/chromium");
    private static final String CHROMEDRIVER = System.getenv().getOrDefault("CHATLOG_CHROMEDRIVER", "/usr/bin/chromedriver");
    private static final Path ARTIFACTS = Path.of("target", "dashboard-e2e");
    private static final String XSS = "Is <script>window.__xss = 1</script><img src=x onerror=\"window.__xss = 2\"> a product?";

    private static ChatlogServer server;
    private static Http http;
    private static String scriptConversation;
    private static String sqlConversation;
    private WebDriver browser;

    @BeforeAll
    static void start() throws Exception {
        boolean present = new File(CHROMIUM).canExecute() && new File(CHROMEDRIVER).canExecute();
        if (!present) {
            String why = "no Chromium here (" + CHROMIUM + ", " + CHROMEDRIVER + "): install Debian's chromium and "
                    + "chromium-driver (.ci/run does) to run the dashboard browser test";
            if (System.getenv("CI") != null) fail(why + "; under CI this test must run");
            Assumptions.abort(why);
        }
        Files.createDirectories(ARTIFACTS);
        server = ServerTestSupport.start(Map.of());
        http = new Http("http://127.0.0.1:" + server.port());
        post("Show me recent orders", "browser-1", "alice");
        post("What is the top product by revenue?", "browser-1", "alice");
        sqlConversation = post("sql: SELECT name, city FROM customers ORDER BY id LIMIT 3", "browser-2", "bob");
        scriptConversation = post(XSS, "browser-3", "mallory");
        // a failed call of a model without a price, outside any message (e.g. a batch job)
        server.logger().logCall(LlmCall.builder().conversationId("browser-batch").callType(CallType.CHAT)
                .model("mystery-model-x").functionName("nightly_digest").inputTokens(1200).outputTokens(0)
                .startedAt(Instant.now()).durationMs(2400).success(false).errorType("RateLimitException")
                .errorMessage("<b>429</b> too many requests").build());
        assertTrue(server.logger().flush(Duration.ofSeconds(20)));
        // an alert on it: one call of 1,200 tokens
        assertEquals(201, http.put("/logging-dashboard/alerts/rules/big-calls",
                "{\"kind\": \"token_usage\", \"by\": \"function\", \"match\": \"nightly_digest\", \"alert_above\": 1000}").status());
        server.alerts().evaluate(); // the PUT's own evaluation may have written the change first: either way it is there
        JsonNode active = http.get("/logging-dashboard/alerts").json().get("active");
        assertEquals(1, active.size(), active.toString());
    }

    private static String post(String input, String conversation, String user) throws Exception {
        String body = Http.JSON.writeValueAsString(Map.of("input", input, "conversation_id", conversation, "user_id", user));
        Http.Response r = http.post("/chat-chat/", body);
        assertEquals(200, r.status(), r.raw());
        return r.json().get("conversation_id").asText();
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    @AfterEach
    void quit() {
        if (browser != null) browser.quit();
    }

    private WebDriver open(String path) throws Exception {
        return open(server, path);
    }

    private WebDriver open(ChatlogServer target, String path) throws Exception {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
                "--no-first-run", "--window-size=1440,1000",
                "--user-data-dir=" + Files.createTempDirectory("chatlog-chromium"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        browser.get("http://127.0.0.1:" + target.port() + path);
        return browser;
    }

    private static <T> T await(WebDriver b, Function<WebDriver, T> condition) {
        // an element found just before the page redraws it is stale: look again
        return new WebDriverWait(b, Duration.ofSeconds(20)).ignoring(org.openqa.selenium.StaleElementReferenceException.class).until(condition);
    }

    private static void awaitRefreshes(WebDriver b, int n) {
        await(b, d -> {
            String r = d.findElement(By.tagName("body")).getDomAttribute("data-refreshes");
            return r != null && Integer.parseInt(r) >= n ? true : null;
        });
    }

    private static Object js(WebDriver b, String script, Object... args) {
        return ((JavascriptExecutor) b).executeScript(script, args);
    }

    private static void screenshot(WebDriver b, String name) throws Exception {
        File shot = ((TakesScreenshot) b).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), ARTIFACTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }

    private static WebElement tile(WebDriver b, String kpi) {
        return b.findElement(By.cssSelector(".tile[data-kpi='" + kpi + "']"));
    }

    /** Figures of the whole database, straight from the raw rows (not the rollups the page reads). */
    private static Map<String, Object> raw() {
        return server.database().jdbi().withHandle(h -> h.createQuery("""
                SELECT (SELECT COUNT(*) FROM chatbot_conversation_messages) AS messages,
                       COUNT(*) AS calls, SUM(total_tokens) AS tokens, SUM(cost_estimate) AS cost,
                       SUM(NOT priced) AS unpriced, SUM(NOT success) AS failed
                FROM chatbot_llm_calls WHERE\s""" + dev.chatlog.sql.rollup.RawSql.MODEL_CALL).mapToMap().one());
    }

    private static long count(String sql, String conversation) {
        return server.database().jdbi().withHandle(h -> h.createQuery(sql).bind("c", conversation).mapTo(Long.class).one());
    }

    @Test
    void should_show_the_logged_figures_charts_and_a_conversation_tree() throws Exception {
        Map<String, Object> raw = raw();
        long messages = ((Number) raw.get("messages")).longValue();
        long calls = ((Number) raw.get("calls")).longValue();
        long tokens = ((Number) raw.get("tokens")).longValue();
        BigDecimal cost = new BigDecimal(raw.get("cost").toString());
        long unpriced = ((Number) raw.get("unpriced")).longValue();
        long failed = ((Number) raw.get("failed")).longValue();
        assertEquals(4, messages);
        assertEquals(1, unpriced);
        assertEquals(1, failed);

        WebDriver b = open("/dashboard#range=24&refresh=0");
        awaitRefreshes(b, 1);

        // KPI tiles: the number behind each tile and the text shown
        assertEquals(String.valueOf(messages), tile(b, "requests").getDomAttribute("data-value"));
        assertEquals(String.valueOf(messages), tile(b, "requests").findElement(By.className("value")).getText());
        assertEquals(String.valueOf(calls), tile(b, "llm_calls").findElement(By.className("value")).getText());
        assertEquals(String.format(java.util.Locale.US, "%,d", tokens), tile(b, "tokens").findElement(By.className("value")).getText());
        assertEquals(0, cost.compareTo(new BigDecimal(tile(b, "cost").getDomAttribute("data-value"))));
        assertEquals("$" + cost.setScale(cost.compareTo(new BigDecimal("0.01")) < 0 ? 6 : 4, RoundingMode.HALF_UP).toPlainString(),
                tile(b, "cost").findElement(By.className("value")).getText());
        assertEquals("1", tile(b, "unpriced_calls").findElement(By.className("value")).getText());
        assertTrue(tile(b, "unpriced_calls").getDomAttribute("class").contains("warn"));
        assertTrue(tile(b, "unpriced_calls").findElement(By.className("sub")).getText().contains("no price for mystery-model-x"),
                "the unpriced model by name: " + tile(b, "unpriced_calls").getText());
        assertTrue(tile(b, "unpriced_calls").getDomAttribute("title").contains("CHATLOG_PRICES=mystery-model-x="));
        double success = 100.0 * (calls - failed) / calls;
        assertEquals(String.format(java.util.Locale.US, "%.1f %%", success), tile(b, "success_rate").findElement(By.className("value")).getText());
        assertFalse(tile(b, "p95_latency_ms").findElement(By.className("value")).getText().equals("–"));

        // charts: every chart drew a canvas, and its data adds up to the same figures
        for (String id : List.of("chart-timeseries", "chart-latency", "chart-models", "chart-agents", "chart-modes")) {
            assertNotNull(b.findElement(By.cssSelector("#" + id + " canvas")), id);
        }
        String sum = "const o = echarts.getInstanceByDom(document.getElementById(arguments[0])).getOption();"
                + "return o.series[arguments[1]].data.reduce((a, d) => a + (Array.isArray(d) ? d[1] : (d.value ?? d)), 0);";
        assertEquals(calls, ((Number) js(b, sum, "chart-latency", 0)).longValue());
        assertEquals(calls, ((Number) js(b, sum, "chart-agents", 0)).longValue());
        assertEquals(calls, ((Number) js(b, sum, "chart-modes", 0)).longValue());
        assertEquals(tokens, ((Number) js(b, sum, "chart-timeseries", 1)).longValue());
        assertEquals(cost.doubleValue(), ((Number) js(b, sum, "chart-models", 0)).doubleValue(), 1e-9);
        assertEquals(cost.doubleValue(), ((Number) js(b, sum, "chart-timeseries", 0)).doubleValue(), 1e-9);

        // cost analysis panel and the tables
        assertTrue(b.findElement(By.cssSelector("[data-fact='most_used_model']")).getText().startsWith("chatlog-demo"));
        assertTrue(b.findElement(By.cssSelector("[data-fact='cost_per_1k_tokens']")).getText().startsWith("$"));
        assertEquals(3, b.findElements(By.cssSelector("#conversations tbody tr")).size()); // conversations with messages
        WebElement error = b.findElement(By.cssSelector("#errors tbody tr"));
        assertTrue(error.getText().contains("RateLimitException"), error.getText());
        assertTrue(error.getText().contains("<b>429</b> too many requests"), error.getText()); // shown as text
        assertTrue(error.getText().contains("rate_limited"), error.getText());
        WebElement category = b.findElement(By.cssSelector("#error-categories tbody tr"));
        assertTrue(category.getText().startsWith("rate_limited 1"), category.getText());
        assertTrue(category.getText().contains(dev.chatlog.core.error.ErrorCategory.RATE_LIMITED.suggestion()), category.getText());
        List<String> stages = b.findElements(By.cssSelector("#stages tbody tr")).stream().map(WebElement::getText).toList();
        assertTrue(stages.stream().anyMatch(s -> s.startsWith("stage run_sql")), stages.toString());
        assertFalse(b.findElements(By.cssSelector("#slowest tbody tr")).isEmpty());
        // the alerts panel: the active alert with its summary and the call behind it
        WebElement alert = b.findElement(By.cssSelector("#alert-list .alert[data-rule='big-calls']"));
        assertEquals("alert", alert.getDomAttribute("data-state"));
        assertTrue(alert.getText().contains("big-calls · nightly_digest"), alert.getText());
        assertTrue(alert.getText().contains("the most tokens of one call of function nightly_digest is 1200"), alert.getText());
        assertTrue(b.findElement(By.id("alerts-empty")).getDomAttribute("hidden") != null);
        screenshot(b, "dashboard.png");
        // the caches panel: the demo's SQL cache, looked up (a miss) on the first question of a conversation
        WebElement cache = b.findElement(By.cssSelector("#caches tbody tr"));
        assertTrue(cache.getText().matches("(?s)sql_for_question \\d+ \\d+\\.\\d %.*"), cache.getText());
        js(b, "document.getElementById('caches').scrollIntoView({block: 'start'});");
        screenshot(b, "caches-and-error-categories.png");
        js(b, "window.scrollTo(0, 0);"); // back to where a user clicks from (the filter bar stays on top of the page)

        // a click on the conversation with the <script> message opens its detail and tree
        WebElement row = b.findElement(By.cssSelector("#conversations tr[data-conversation='" + scriptConversation + "']"));
        assertTrue(row.getText().contains("<script>"), row.getText());
        row.click();
        WebElement detail = await(b, d -> d.findElement(By.id("detail")).isDisplayed() ? d.findElement(By.id("detail")) : null);
        assertEquals(scriptConversation, detail.findElement(By.id("detail-id")).getText());
        WebElement said = detail.findElement(By.cssSelector(".message .user-input"));
        assertTrue(said.getText().endsWith(XSS), said.getText());
        assertEquals(0L, js(b, "return document.querySelectorAll('#detail script, #detail img').length"));
        assertEquals(null, js(b, "return window.__xss === undefined ? null : window.__xss"));
        long treeNodes = count("SELECT COUNT(*) FROM chatbot_llm_calls WHERE conversation_id = :c", scriptConversation);
        assertEquals(treeNodes, detail.findElements(By.cssSelector("ul.tree li")).size());
        assertTrue(b.getCurrentUrl().contains("conversation=" + scriptConversation));
        screenshot(b, "conversation.png");

        // another conversation: its calls in order, with the SQL query it ran
        b.findElement(By.id("detail-close")).click();
        b.findElement(By.cssSelector("#conversations tr[data-conversation='" + sqlConversation + "']")).click();
        await(b, d -> d.findElement(By.id("detail-id")).getText().equals(sqlConversation) ? true : null);
        List<String> types = detail.findElements(By.cssSelector("ul.tree li")).stream().map(li -> li.getDomAttribute("data-type")).toList();
        assertEquals(count("SELECT COUNT(*) FROM chatbot_llm_calls WHERE conversation_id = :c", sqlConversation), types.size());
        assertTrue(detail.findElement(By.cssSelector("pre.sql")).getText().startsWith("SELECT name, city FROM customers"));
        // its waterfall: one bar per row of the tree, the critical path marked
        assertEquals(types.size(), detail.findElements(By.cssSelector(".waterfall .wf-row")).size());
        assertFalse(detail.findElements(By.cssSelector(".waterfall .wf-row.critical")).isEmpty());
        screenshot(b, "waterfall.png");

        // the failed batch call opens its conversation too: calls outside any message
        b.findElement(By.id("detail-close")).click();
        b.findElement(By.cssSelector("#errors tbody tr")).click();
        await(b, d -> d.findElement(By.id("detail-id")).getText().equals("browser-batch") ? true : null);
        WebElement failedNode = detail.findElement(By.cssSelector("ul.tree li[data-type='chat']"));
        assertTrue(failedNode.getText().contains("nightly_digest") && failedNode.getText().contains("unpriced")
                && failedNode.getText().contains("RateLimitException"), failedNode.getText());
        b.findElement(By.id("detail-close")).click();
        b.findElement(By.cssSelector("#conversations tr[data-conversation='" + sqlConversation + "']")).click();
        await(b, d -> d.findElement(By.id("detail-id")).getText().equals(sqlConversation) ? true : null);

        // a refresh brings new traffic in without closing the open conversation
        post("How many customers are there?", "browser-4", "carol");
        assertTrue(server.logger().flush(Duration.ofSeconds(20)));
        b.findElement(By.id("refresh-now")).click();
        awaitRefreshes(b, 2);
        assertEquals(String.valueOf(messages + 1), tile(b, "requests").getDomAttribute("data-value"));
        assertTrue(b.findElement(By.id("detail")).isDisplayed());
        assertEquals(sqlConversation, b.findElement(By.id("detail-id")).getText());
    }

    @Test
    void should_show_scores_warnings_the_judges_calls_and_two_turns_side_by_side() throws Exception {
        ChatlogServer judged = ServerTestSupport.start(Map.of("CHATLOG_JUDGE", "on"));
        try {
            Http h = new Http("http://127.0.0.1:" + judged.port());
            String conv = "quality-1";
            for (String q : List.of("Show me recent orders", "Which products do you have for the kitchen?")) {
                assertEquals(200, h.post("/chat-chat/", Http.JSON.writeValueAsString(Map.of("input", q, "conversation_id", conv))).status());
            }
            JsonNode detail = null;
            for (int i = 0; i < 400; i++) { // the demo judge rates both turns on its own thread
                assertTrue(judged.logger().flush(Duration.ofSeconds(20)));
                detail = h.get("/logging-dashboard/conversation/" + conv + "/detailed").json();
                if (detail.get("scores").size() == 2) break;
                Thread.sleep(50);
            }
            assertEquals(2, detail.get("scores").size(), detail.get("scores").toString());
            String first = detail.at("/messages/0/message_id").asText(), second = detail.at("/messages/1/message_id").asText();
            assertEquals(201, h.post("/logging-dashboard/scores", "{\"message_id\": \"" + second + "\", \"name\": \"thumbs\", \"value\": false, "
                    + "\"source\": \"human\", \"evaluator\": \"support-ui\", \"comment\": \"no kettles shown\"}").status());

            WebDriver b = open(judged, "/dashboard#range=24");
            awaitRefreshes(b, 1);
            WebElement quality = b.findElement(By.cssSelector("#quality tbody tr[data-score='helpfulness']"));
            assertTrue(quality.getText().startsWith("helpfulness 2 "), quality.getText());
            WebElement warning = b.findElement(By.cssSelector("#warnings tbody tr[data-message='" + second + "']"));
            assertTrue(warning.getText().contains("quality concern"), warning.getText());
            js(b, "document.getElementById('quality').scrollIntoView({block: 'start'});");
            screenshot(b, "quality.png");

            warning.click(); // the turn to look at opens its conversation
            WebElement drawer = await(b, d -> d.findElement(By.id("detail")).isDisplayed() ? d.findElement(By.id("detail")) : null);
            await(b, d -> d.findElement(By.id("detail-id")).getText().equals(conv) ? true : null);
            WebElement turn = drawer.findElement(By.cssSelector(".message[data-message='" + second + "']"));
            assertTrue(turn.findElement(By.cssSelector(".badge.warning.quality_concern")).isDisplayed());
            String chips = turn.findElement(By.cssSelector(".scores")).getText();
            assertTrue(chips.contains("helpfulness") && chips.contains("llm_judge judge") && chips.contains("thumbs 0 · human support-ui"), chips);
            assertTrue(turn.findElement(By.cssSelector(".evaluation")).getText().contains("judge:judge"), "the judge's own call, beside the turn");
            assertEquals(0, turn.findElements(By.cssSelector("ul.tree li[data-type='evaluation']")).size(), "never in the turn's tree");

            // compare: the first turn as A, the second as B, side by side
            drawer.findElement(By.cssSelector("button[data-compare='" + first + "']")).click();
            await(b, d -> d.findElement(By.cssSelector("button[data-compare='" + first + "']")).getText().equals("compare: A") ? true : null);
            await(b, d -> { // the drawer redrew with A chosen: the new button
                d.findElement(By.cssSelector("#detail button[data-compare='" + second + "']")).click();
                return true;
            });
            WebElement compare = await(b, d -> d.findElement(By.id("detail-compare")).isDisplayed() ? d.findElement(By.id("detail-compare")) : null);
            JsonNode diff = h.get("/logging-dashboard/compare?a=" + first + "&b=" + second).json();
            int expected = 0;
            for (JsonNode x : diff.get("differences")) expected += x.get("kind").asText().equals("changed") ? x.get("changes").size() : 1;
            expected += diff.path("score_changes").size();
            assertEquals(expected, compare.findElements(By.cssSelector("table.compare tbody tr")).size(), diff.toString());
            assertTrue(compare.getText().contains("retrieval products"), "the kitchen question's retrieval is only in B: " + compare.getText());
            assertTrue(compare.getText().contains("score thumbs (support-ui)"), compare.getText());
            screenshot(b, "compare.png"); // the diff above the turns, the drawer scrolled to it
        } finally {
            judged.close();
        }
    }

    @Test
    void should_offer_exports_for_the_current_filters() throws Exception {
        WebDriver b = open("/dashboard#range=168&model=mystery-model-x&refresh=0");
        awaitRefreshes(b, 1);
        assertEquals("1", tile(b, "llm_calls").findElement(By.className("value")).getText()); // the filter applies
        String href = b.findElement(By.id("export-calls-csv")).getDomAttribute("href");
        assertTrue(href.startsWith("/logging-dashboard/export/llm-calls?format=csv&from="), href);
        assertTrue(href.contains("model=mystery-model-x"), href);
        Http.Response csv = http.get(href);
        assertEquals(200, csv.status());
        assertEquals(2, csv.raw().split("\r\n").length, csv.raw()); // header + the one call of that model
        JsonNode json = Http.JSON.readTree(http.get(b.findElement(By.id("export-messages-json")).getDomAttribute("href")).raw());
        assertTrue(json.isArray());
    }

    @Test
    void should_ask_for_the_token_when_the_server_requires_one() throws Exception {
        ChatlogServer guarded = ServerTestSupport.start(Map.of("CHATLOG_API_TOKEN", "browser-secret"));
        try {
            new Http("http://127.0.0.1:" + guarded.port()).post("/chat-chat/", "{\"input\": \"hello\"}");
            assertTrue(guarded.logger().flush(Duration.ofSeconds(20)));
            WebDriver b = open(guarded, "/dashboard#refresh=0");
            WebElement dialog = await(b, d -> d.findElement(By.id("token-dialog")).isDisplayed() ? d.findElement(By.id("token-dialog")) : null);
            dialog.findElement(By.id("token-input")).sendKeys("wrong");
            dialog.findElement(By.id("token-submit")).click();
            await(b, d -> d.findElement(By.id("token-error")).isDisplayed() ? true : null); // refused, asked again
            WebElement input = b.findElement(By.id("token-input"));
            input.clear();
            input.sendKeys("browser-secret");
            b.findElement(By.id("token-submit")).click();
            awaitRefreshes(b, 1);
            assertEquals("1", tile(b, "requests").getDomAttribute("data-value"));
            assertFalse(b.findElement(By.id("token-dialog")).isDisplayed());
        } finally {
            guarded.close();
        }
    }
    @Test
    void should_show_every_chart_and_table_with_data_after_the_five_demo_questions() throws Exception {
        ChatlogServer fresh = ServerTestSupport.start(Map.of("CHATLOG_CHAT_EXPERIMENT", "demo-model")); // the README's run: its experiment on
        try {
            Http h = new Http("http://127.0.0.1:" + fresh.port());
            for (String q : List.of("Show me recent orders", "Who are our top customers by revenue?", "What products are low in stock?",
                    "How many orders are pending?", "Where is order 42?")) {
                Http.Response r = h.post("/chat-chat/", Http.JSON.writeValueAsString(Map.of("input", q, "user_id", "newcomer")));
                assertEquals(200, r.status(), r.raw());
            }
            assertTrue(fresh.logger().flush(Duration.ofSeconds(20)));
            WebDriver b = open(fresh, "/dashboard#range=24&refresh=0");
            awaitRefreshes(b, 1);
            assertEquals("5", tile(b, "requests").getDomAttribute("data-value"));
            String sum = "const o = echarts.getInstanceByDom(document.getElementById(arguments[0])).getOption();"
                    + "return o.series[0].data.reduce((a, d) => a + (Array.isArray(d) ? d[1] : (d.value ?? d)), 0);";
            for (String id : List.of("chart-timeseries", "chart-latency", "chart-models", "chart-agents", "chart-modes")) {
                assertTrue(((Number) js(b, sum, id)).doubleValue() > 0, id + " has data");
            }
            String agents = String.valueOf(js(b, "return JSON.stringify(echarts.getInstanceByDom(document.getElementById('chart-agents'))"
                    + ".getOption().yAxis[0].data ?? echarts.getInstanceByDom(document.getElementById('chart-agents')).getOption().xAxis[0].data)"));
            assertTrue(agents.contains("OrderDesk.Assistant.answer"), "the agent panel names the order desk: " + agents);
            assertEquals(5, b.findElements(By.cssSelector("#conversations tbody tr")).size());
            for (String table : List.of("slowest", "expensive")) {
                assertFalse(b.findElements(By.cssSelector("#" + table + " tbody tr")).isEmpty(), table);
            }
            assertTrue(b.findElement(By.cssSelector("[data-fact='most_used_model']")).getText().startsWith("chatlog-demo"));
            screenshot(b, "demo-five-chats.png");
            // the demo experiment's panel: both arms with their conversations, metrics with intervals, the tests and the verdict
            WebElement experiment = b.findElement(By.cssSelector("#experiments [data-experiment='demo-model']"));
            List<WebElement> arms = experiment.findElements(By.cssSelector("table.arms tbody tr"));
            assertEquals(List.of("demo-model/control", "demo-model/mini"), arms.stream().map(r -> r.getDomAttribute("data-arm")).toList());
            int units = 0;
            for (WebElement r : arms) units += Integer.parseInt(r.findElements(By.tagName("td")).get(2).getText());
            assertEquals(5, units, "one unit per conversation");
            assertFalse(experiment.findElements(By.cssSelector("table.tests tbody tr")).isEmpty());
            assertTrue(experiment.findElement(By.cssSelector(".verdict")).getText().length() > 10);
            assertTrue(experiment.getText().contains("sample ratio"), experiment.getText());
            List<String> armOptions = b.findElements(By.cssSelector("#f-arm option")).stream().map(o -> o.getDomAttribute("value")).toList();
            assertTrue(armOptions.containsAll(List.of("", "demo-model/control", "demo-model/mini")), "the arm filter: " + armOptions);
            js(b, "document.getElementById('experiments-card').scrollIntoView({block: 'start'});");
            screenshot(b, "experiments.png");
        } finally {
            fresh.close();
        }
    }

    @Test
    void should_rank_the_planted_insights_and_create_the_experiment_one_suggests() throws Exception {
        ChatlogServer planted = ServerTestSupport.start(Map.of("CHATLOG_INSIGHTS_REFRESH_SECONDS", "10"));
        try {
            Http h = new Http("http://127.0.0.1:" + planted.port());
            Instant t0 = Instant.now().minus(Duration.ofHours(3));
            java.util.function.BiFunction<String, String, LlmCall.Builder> call = (function, model) -> LlmCall.builder()
                    .callType(CallType.CHAT).provider("openai").model(model).functionName(function).inputTokens(1_000).outputTokens(200)
                    .durationMs(900).success(true);
            for (int i = 0; i < 30; i++) { // the same classification sent twice in each turn
                String conv = "planted-" + i, msg = conv + "-m", hash = "dup" + i;
                Instant at = t0.plusSeconds(i * 60L);
                for (int k = 0; k < 2; k++) {
                    planted.logger().logCall(call.apply("classify", "gpt-4o-mini").conversationId(conv).messageId(msg).startedAt(at.plusSeconds(k))
                            .metadata(Map.of("request_hash", hash)).build());
                }
                planted.logger().logCall(call.apply("translate", "gpt-4o").conversationId(conv).messageId(msg).startedAt(at.plusSeconds(5))
                        .metadata(Map.of("request_hash", "tr" + i)).build());
                for (int k = 0; k < 3; k++) { // the same lookup three times in the turn
                    planted.logger().logCall(LlmCall.builder().callType(CallType.TOOL).conversationId(conv).messageId(msg).functionName("lookup_order")
                            .inputText("{\"order\": 42}").startedAt(at.plusSeconds(10 + k)).durationMs(20).inputTokens(0).outputTokens(0).success(true).build());
                }
            }
            for (int k = 0; k < 5; k++) { // a request failing again and again
                planted.logger().logCall(call.apply("extract", "gpt-4o-mini").conversationId("planted-storm").messageId("planted-storm-m")
                        .startedAt(t0.plusSeconds(3_000 + k * 5L)).metadata(Map.of("request_hash", "storm")).success(false).outputTokens(0)
                        .errorType("dev.langchain4j.exception.RateLimitException").errorMessage("429").build());
            }
            assertTrue(planted.logger().flush(Duration.ofSeconds(20)));
            JsonNode report = null; // the default window is refreshed in the background: wait for it to hold the planted rows
            for (long until = System.nanoTime() + Duration.ofSeconds(60).toNanos(); System.nanoTime() < until; Thread.sleep(500)) {
                report = h.get("/logging-dashboard/insights?window=7d").json();
                if (report.get("findings").size() >= 4) break;
            }
            WebDriver b = open(planted, "/dashboard#range=24&refresh=0");
            awaitRefreshes(b, 1);
            List<WebElement> rows = b.findElements(By.cssSelector("#insights tbody tr[data-kind]"));
            List<String> kinds = rows.stream().map(r -> r.getDomAttribute("data-kind")).toList();
            assertTrue(kinds.containsAll(List.of("redundant_calls", "cheaper_model", "tool_loop", "retry_storm")), kinds + " " + report);
            List<String> expected = new java.util.ArrayList<>();
            for (JsonNode f : report.get("findings")) expected.add(f.get("kind").asText());
            assertEquals(expected, kinds, "ranked as the route ranks them: by saving");
            assertTrue(b.findElement(By.id("insights-meta")).getText().contains("a month open"), b.findElement(By.id("insights-meta")).getText());
            assertTrue(b.findElement(By.cssSelector("#forecasts [data-by='all']")).getText().startsWith("This month"));
            js(b, "document.getElementById('insights-card').scrollIntoView({block: 'start'}); window.scrollBy(0, -100);");
            screenshot(b, "insights.png");
            WebElement create = b.findElement(By.cssSelector("#insights tr[data-kind='cheaper_model'] button.create-experiment"));
            create.click();
            await(b, d -> d.findElements(By.cssSelector("#insights tr[data-kind='cheaper_model'] button.create-experiment")).isEmpty() ? true : null);
            assertTrue(b.findElement(By.cssSelector("#insights tr[data-kind='cheaper_model']")).getText().contains("defined"),
                    b.findElement(By.cssSelector("#insights tr[data-kind='cheaper_model']")).getText());
            JsonNode experiment = h.get("/logging-dashboard/experiments/cheaper-translate-gpt-4o-mini").json();
            assertEquals("gpt-4o-mini", experiment.at("/definition/variants/1/model").asText(), experiment.toString());
        } finally {
            planted.close();
        }
    }
}
