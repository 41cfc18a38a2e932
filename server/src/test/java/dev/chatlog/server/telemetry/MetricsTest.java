package dev.chatlog.server.telemetry;

import dev.chatlog.server.ChatlogServer;
import dev.chatlog.server.Http;
import dev.chatlog.server.ServerTestSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.core.CallType;
import dev.chatlog.core.LlmCall;
import dev.chatlog.micrometer.ChatLogMeters;
import dev.chatlog.langchain4j.OpenAiStub;
import dev.chatlog.langchain4j.OpenAiStub.Reply;
import dev.chatlog.langchain4j.OpenAiStub.Usage;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /metrics} after a varied workload through the real OpenAI client on the stub (answers,
 * a failure) and calls logged as an application would (a streamed one, an unpriced model, a tool):
 * the figures equal what the database stored, the names are the conventions', and every meter has
 * one set of label keys with bounded values.
 */
class MetricsTest {
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static OpenAiStub stub;
    private static ChatlogServer server;
    private static Http http;

    record Sample(String name, Map<String, String> labels, double value) {}

    @BeforeAll
    static void start() throws Exception {
        stub = new OpenAiStub();
        stub.respond(r -> r.lastUserMessage().contains("fail") ? Reply.error(500, "overloaded")
                : r.task().equals("classify_intent") ? Reply.text("smalltalk", Usage.of(120, 2)) : Reply.text("Hi!", Usage.of(80, 9)));
        server = ServerTestSupport.start(Map.of("OPENAI_API_KEY", "test-key", "OPENAI_BASE_URL", stub.baseUrl(), "CHATLOG_MODEL", "gpt-4o-mini",
                "CHATLOG_ALERT_DEFAULTS", "off", "CHATLOG_BUDGETS", "{\"monthly\": {\"scope\": \"global\", \"period\": \"month\", \"limit_usd\": 100}}"));
        http = new Http("http://127.0.0.1:" + server.port());
        for (int i = 0; i < 3; i++) assertEquals(200, http.post("/chat-chat/", "{\"input\": \"hello " + i + "\"}").status());
        assertEquals(502, http.post("/chat-chat/", "{\"input\": \"please fail\"}").status());
        Instant now = Instant.now();
        server.logger().logCall(LlmCall.builder().conversationId("metrics-app").callType(CallType.STREAMING_CHAT).provider("anthropic")
                .model("claude-3-5-haiku-20241022").inputTokens(400).outputTokens(120).cachedInputTokens(300).reasoningTokens(64).timeToFirstTokenMs(350L)
                .durationMs(1800).startedAt(now).build());
        server.logger().logCall(LlmCall.builder().conversationId("metrics-app").callType(CallType.CHAT).provider("openai")
                .model("mystery-model-x").inputTokens(50).outputTokens(5).durationMs(90).startedAt(now).build());
        server.logger().logCall(LlmCall.builder().conversationId("metrics-app").callType(CallType.TOOL).functionName("lookup_order")
                .durationMs(12).startedAt(now).build());
        assertTrue(server.logger().flush(Duration.ofSeconds(20)));
    }

    @AfterAll
    static void stop() {
        server.close();
        stub.close();
    }

    private static List<Sample> scrape() throws Exception {
        Http.Response r = http.get("/metrics");
        assertEquals(200, r.status());
        return r.raw().lines().filter(l -> !l.startsWith("#") && !l.isBlank()).map(l -> {
            Matcher m = SAMPLE.matcher(l);
            assertTrue(m.matches(), "a Prometheus sample line: " + l);
            Map<String, String> labels = new TreeMap<>();
            if (m.group(3) != null) {
                Matcher lm = LABEL.matcher(m.group(3));
                while (lm.find()) labels.put(lm.group(1), lm.group(2));
            }
            return new Sample(m.group(1), labels, Double.parseDouble(m.group(4)));
        }).toList();
    }

    private static double sum(List<Sample> s, String name, Map<String, String> where) {
        return s.stream().filter(x -> x.name().equals(name) && x.labels().entrySet().containsAll(where.entrySet())).mapToDouble(Sample::value).sum();
    }

    private static long db(String sql) {
        return server.database().jdbi().withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }

    @Test
    void should_count_what_the_database_stored_under_the_conventions_names() throws Exception {
        List<Sample> s = scrape();
        long calls = db("SELECT COUNT(*) FROM chatbot_llm_calls WHERE call_type IN ('chat', 'streaming_chat')");
        assertTrue(calls >= 9, "6 answered calls, the failure (and its retries), 2 logged: " + calls);
        assertEquals(calls, (long) sum(s, "gen_ai_client_operation_duration_seconds_count", Map.of()));
        assertEquals(db("SELECT COUNT(*) FROM chatbot_llm_calls WHERE NOT success AND call_type = 'chat'"),
                (long) s.stream().filter(x -> x.name().equals("gen_ai_client_operation_duration_seconds_count")
                        && !x.labels().get("error_type").equals(ChatLogMeters.NONE)).mapToDouble(Sample::value).sum());
        assertEquals(db("SELECT SUM(input_tokens) FROM chatbot_llm_calls WHERE call_type IN ('chat', 'streaming_chat') AND input_tokens IS NOT NULL"),
                (long) sum(s, "gen_ai_client_token_usage_sum", Map.of("gen_ai_token_type", "input")));
        assertEquals(db("SELECT SUM(output_tokens) FROM chatbot_llm_calls WHERE call_type IN ('chat', 'streaming_chat')"),
                (long) sum(s, "gen_ai_client_token_usage_sum", Map.of("gen_ai_token_type", "output")));
        BigDecimal cost = server.database().jdbi().withHandle(h -> h.createQuery("SELECT SUM(cost_estimate) FROM chatbot_llm_calls WHERE priced")
                .mapTo(BigDecimal.class).one());
        assertEquals(cost.doubleValue(), sum(s, "chatlog_client_cost_usd_total", Map.of()), 1e-9);
        assertEquals(db("SELECT COUNT(*) FROM chatbot_llm_calls WHERE NOT priced AND call_type IN ('chat', 'streaming_chat')"),
                (long) sum(s, "chatlog_client_calls_unpriced_total", Map.of()), "unpriced calls, not $0");
        assertEquals(1, (long) sum(s, "chatlog_client_calls_unpriced_total", Map.of("gen_ai_request_model", "mystery-model-x")));
        assertEquals(300, (long) sum(s, "chatlog_client_token_cached_input_sum", Map.of()));
        assertEquals(64, (long) sum(s, "chatlog_client_token_reasoning_sum", Map.of()));
        assertEquals(1, (long) sum(s, "gen_ai_client_operation_time_to_first_chunk_seconds_count", Map.of("gen_ai_provider_name", "anthropic")));
        assertEquals(0.35, sum(s, "gen_ai_client_operation_time_to_first_chunk_seconds_sum", Map.of()), 1e-9);
        assertEquals(1, (long) sum(s, "chatlog_tool_executions_total", Map.of("gen_ai_tool_name", "lookup_order", "outcome", "success")));
        assertEquals(1, (long) sum(s, "chatlog_database_up", Map.of()));
        assertEquals(server.logger().stats().written(), (long) sum(s, "chatlog_logger_records_written_total", Map.of()));
        // the conventions' bucket boundaries
        Set<String> le = new TreeSet<>();
        s.stream().filter(x -> x.name().equals("gen_ai_client_operation_duration_seconds_bucket")).forEach(x -> le.add(x.labels().get("le")));
        assertTrue(le.containsAll(List.of("0.01", "0.02", "0.04", "1.28", "81.92", "+Inf")), le.toString());
        Set<String> tokenLe = new TreeSet<>();
        s.stream().filter(x -> x.name().equals("gen_ai_client_token_usage_bucket")).forEach(x -> tokenLe.add(x.labels().get("le")));
        assertTrue(tokenLe.containsAll(List.of("1.0", "4.0", "1024.0", "6.7108864E7")), tokenLe.toString());
    }

    /** What a rename must change deliberately: each meter's Prometheus name and its label keys. */
    private static final Map<String, Set<String>> EXPECTED = Map.of(
            "gen_ai_client_token_usage", Set.of("gen_ai_operation_name", "gen_ai_provider_name", "gen_ai_request_model", "gen_ai_response_model", "chatlog_arm",
                    "gen_ai_token_type"),
            "gen_ai_client_operation_duration_seconds", Set.of("gen_ai_operation_name", "gen_ai_provider_name", "gen_ai_request_model",
                    "gen_ai_response_model", "chatlog_arm", "error_type"),
            "gen_ai_client_operation_time_to_first_chunk_seconds", Set.of("gen_ai_operation_name", "gen_ai_provider_name", "gen_ai_request_model",
                    "gen_ai_response_model", "chatlog_arm"),
            "chatlog_client_cost_usd_total", Set.of("gen_ai_operation_name", "gen_ai_provider_name", "gen_ai_request_model", "gen_ai_response_model", "chatlog_arm"),
            "chatlog_client_calls_unpriced_total", Set.of("gen_ai_operation_name", "gen_ai_provider_name", "gen_ai_request_model",
                    "gen_ai_response_model", "chatlog_arm"),
            "chatlog_client_token_cached_input", Set.of("gen_ai_operation_name", "gen_ai_provider_name", "gen_ai_request_model",
                    "gen_ai_response_model", "chatlog_arm"),
            "chatlog_tool_executions_total", Set.of("gen_ai_tool_name", "outcome"));

    @Test
    void should_give_each_meter_one_set_of_label_keys_and_no_unbounded_values() throws Exception {
        List<Sample> s = scrape();
        Map<String, Set<Set<String>>> keys = new HashMap<>();
        for (Sample x : s) {
            String family = x.name().replaceAll("_(bucket|count|sum|max)$", "");
            Set<String> k = new TreeSet<>(x.labels().keySet());
            k.remove("le");
            keys.computeIfAbsent(family, f -> new java.util.HashSet<>()).add(k);
            for (String v : x.labels().values()) {
                assertFalse(v.contains("metrics-app") || v.contains("conv") || v.length() > 100, "a bounded value: " + x);
            }
            assertFalse(x.labels().containsKey("user_id") || x.labels().containsKey("conversation_id"), x.toString());
        }
        keys.forEach((family, sets) -> assertEquals(1, sets.size(), family + " has label key sets " + sets));
        EXPECTED.forEach((family, k) -> assertEquals(Set.of(k), keys.get(family), family));
        assertEquals("anthropic", s.stream().filter(x -> x.name().equals("gen_ai_client_token_usage_count")
                && x.labels().get("gen_ai_request_model").startsWith("claude")).findFirst().orElseThrow().labels().get("gen_ai_provider_name"));
    }

    @Test
    void should_chart_in_the_grafana_dashboard_only_meters_the_server_exposes() throws Exception {
        java.nio.file.Path file = java.nio.file.Path.of("..", "grafana", "chatlog-dashboard.json");
        var dashboard = Http.JSON.readTree(java.nio.file.Files.readString(file));
        Set<String> exposed = new TreeSet<>();
        scrape().forEach(x -> exposed.add(x.name()));
        Set<String> charted = new TreeSet<>();
        for (var panel : dashboard.get("panels")) {
            for (var target : panel.get("targets")) {
                Matcher m = Pattern.compile("\\b(gen_ai_[a-z_]+|chatlog_[a-z_]+)(?=\\s*(\\{|\\[|$))").matcher(target.get("expr").asText());
                while (m.find()) charted.add(m.group(1));
            }
        }
        assertTrue(charted.size() >= 15, charted.toString());
        for (String name : charted) assertTrue(exposed.contains(name), name + " is charted but not exposed: " + exposed);
    }
}
