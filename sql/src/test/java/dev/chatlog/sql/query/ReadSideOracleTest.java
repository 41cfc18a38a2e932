package dev.chatlog.sql.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatlog.core.CallType;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.LlmCall;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.chatlog.sql.TestDatabase;
import dev.chatlog.sql.export.Exporter;
import dev.chatlog.sql.report.Figures;
import dev.chatlog.sql.report.Reports;
import dev.chatlog.sql.rollup.ConsistencyCheck;
import dev.chatlog.sql.rollup.Dimension;
import dev.chatlog.sql.rollup.Histogram;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every statistics figure against the same figure computed here from the rows this test wrote. */
class ReadSideOracleTest {
    static final LocalDate D0 = LocalDate.of(2026, 10, 1);
    static final List<String> MODELS = List.of("gpt-4o", "gpt-4o-mini", "unknown-x");
    static final List<String> AGENTS = List.of("Orchestrator", "RAGAgent", "");
    static final List<String> MODES = List.of("simple", "tool", "rag");
    static final String NASTY = "a, \"quoted\" word\nnew line; ünïcödé ✓ ,\r\nend";

    private static Database db;
    private static Reports stats;
    private static final Planner planner = Planner.standard();
    private static final List<LlmCall> calls = new ArrayList<>();
    private static final List<ConversationMessage> messages = new ArrayList<>();

    @BeforeAll
    static void fill() {
        db = TestDatabase.freshDatabase();
        stats = new Reports(db.jdbi());
        Random r = new Random(7);
        for (int conv = 0; conv < 120; conv++) {
            LocalDate day = D0.plusDays(conv % 5);
            String user = "u" + (conv % 7);
            String mode = MODES.get(conv % 3);
            for (int msg = 0; msg < 3; msg++) {
                Instant t = day.atStartOfDay().toInstant(ZoneOffset.UTC).plusSeconds(r.nextInt(86_000));
                String messageId = "c" + conv + "m" + msg;
                for (int k = 0; k < 4; k++) {
                    boolean tool = k == 2;
                    String model = MODELS.get(r.nextInt(3));
                    double duration = Math.round((10 + r.nextDouble() * (r.nextInt(10) == 0 ? 20_000 : 3_000)) * 100) / 100.0;
                    LlmCall.Builder b = LlmCall.builder().conversationId("conv-" + conv).messageId(messageId)
                            .callSequence(k + 1).userId(user).chatMode(mode).agent(AGENTS.get(r.nextInt(3)).isEmpty() ? null : AGENTS.get(r.nextInt(2)))
                            .startedAt(t.plusMillis(k * 10L)).durationMs(duration).success(r.nextInt(12) != 0)
                            .inputText(k == 0 ? NASTY + messageId : "prompt " + messageId).outputText("out " + k);
                    if (tool) {
                        b.callType(CallType.TOOL).functionName("search_orders").inputTokens(0).outputTokens(0);
                    } else {
                        b.callType(k == 3 ? CallType.STREAMING_CHAT : CallType.CHAT).model(model)
                                .functionName(k == 0 ? "classify_intent" : "summarize")
                                .inputTokens(50 + r.nextInt(900)).outputTokens(5 + r.nextInt(200))
                                .timeToFirstTokenMs(k == 3 ? (long) (duration / 3) : null);
                        if (!model.equals("unknown-x")) {
                            b.costEstimate(new BigDecimal(r.nextInt(90_000) + 1).movePointLeft(8)).priced(true);
                        }
                    }
                    calls.add(b.build());
                }
                messages.add(ConversationMessage.builder().conversationId("conv-" + conv).messageId(messageId).userId(user)
                        .chatMode(mode).userInput("question " + messageId).finalOutput("{}").timestamp(t)
                        .success(r.nextInt(10) != 0).responseTimeMs(Math.round(r.nextDouble() * 500_000) / 100.0).build());
            }
        }
        // durations a hair above a histogram edge that round onto it when stored (as a measured 100.004 ms does):
        // the rollups must bucket them as stored, as every reader of the rows does
        Instant edge = D0.plusDays(3).atStartOfDay().toInstant(ZoneOffset.UTC).plusSeconds(5_000);
        double[] hairs = {100.004, 50.0049, 2000.001};
        for (int k = 0; k < hairs.length; k++) {
            calls.add(LlmCall.builder().conversationId("conv-edge").messageId("edge-m").callSequence(k + 1).userId("u2").chatMode("simple")
                    .functionName(k == 2 ? "search_orders" : "summarize").callType(k == 2 ? CallType.TOOL : CallType.CHAT)
                    .model(k == 2 ? null : "unknown-x").inputText("edge " + k).outputText("edge answer " + k).inputTokens(k == 2 ? 0 : 10)
                    .outputTokens(k == 2 ? 0 : 5).startedAt(edge.plusSeconds(k)).durationMs(hairs[k]).success(true).build());
        }
        // an agent whose name holds the pair rollups' separator: those breakdowns must still be exact
        Instant night = D0.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC).plusSeconds(7_200);
        for (int k = 0; k < 3; k++) {
            calls.add(LlmCall.builder().conversationId("conv-pipe").messageId("pipe-m").callSequence(k + 1).userId("u1").chatMode("rag")
                    .agent("Night|Shift").functionName("summarize").callType(CallType.CHAT).model("gpt-4o")
                    .inputText("night question " + k).outputText("night answer " + k).inputTokens(100 + k).outputTokens(10).costEstimate(new BigDecimal("0.0003")).priced(true)
                    .startedAt(night.plusSeconds(k)).durationMs(400 + k * 100).success(true).build());
        }
        try (ChatLogger logger = ChatLogger.builder(new JdbcChatLogStore(db.jdbi())).batchSize(300).build()) {
            calls.forEach(logger::logCall);
            messages.forEach(logger::logMessage);
            // replay a slice, as a retry would: nothing may change
            calls.subList(0, 500).forEach(logger::logCall);
            messages.subList(0, 50).forEach(logger::logMessage);
            assertTrue(logger.flush(Duration.ofSeconds(60)));
        }
        assertEquals(List.of(), new ConsistencyCheck(db.jdbi()).mismatches());
    }

    @AfterAll
    static void close() {
        db.close();
    }

    private static boolean model(LlmCall c) {
        return c.callType().isModelCall();
    }

    private static Predicate<LlmCall> on(LocalDate d) {
        return c -> LocalDate.ofInstant(c.startedAt(), ZoneOffset.UTC).equals(d);
    }

    private static Window days(LocalDate from, int n) {
        return new Window(from.atStartOfDay().toInstant(ZoneOffset.UTC), from.plusDays(n).atStartOfDay().toInstant(ZoneOffset.UTC), null);
    }

    private static BigDecimal cost(List<LlmCall> cs) {
        return cs.stream().filter(c -> c.costEstimate() != null).map(LlmCall::costEstimate).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    private static Map<String, Object> figures(dev.chatlog.sql.rollup.Sums s) {
        return Figures.of(s).toMap();
    }

    private static long n(Object o) {
        return ((Number) o).longValue();
    }

    private static BigDecimal dec(Object o) {
        return new BigDecimal(o.toString());
    }

    private static void assertFigures(List<LlmCall> expected, Map<String, Object> m) {
        List<LlmCall> mc = expected.stream().filter(ReadSideOracleTest::model).toList();
        assertEquals(mc.size(), n(m.get("llm_calls")), "llm_calls");
        assertEquals(mc.stream().filter(c -> !c.success()).count(), n(m.get("failed_llm_calls")), "failed_llm_calls");
        assertEquals(expected.stream().filter(c -> c.callType() == CallType.TOOL).count(), n(m.get("tool_calls")), "tool_calls");
        assertEquals(mc.stream().mapToLong(LlmCall::totalTokens).sum(), n(m.get("total_tokens")), "total_tokens");
        assertEquals(mc.stream().mapToLong(LlmCall::inputTokens).sum(), n(m.get("input_tokens")), "input_tokens");
        assertEquals(0, cost(mc).compareTo(dec(m.get("cost"))), "cost");
        assertEquals(mc.stream().filter(c -> c.costEstimate() == null).count(), n(m.get("unpriced_calls")), "unpriced");
        List<Double> durations = mc.stream().map(LlmCall::durationMs).sorted().toList();
        @SuppressWarnings("unchecked")
        Map<String, Object> latency = (Map<String, Object>) m.get("latency");
        List<Long> ttfts = mc.stream().map(LlmCall::timeToFirstTokenMs).filter(java.util.Objects::nonNull).toList();
        if (!ttfts.isEmpty() && !(latency.get("p50_ms") == null && m.containsKey("user"))) {
            double avg = ttfts.stream().mapToLong(Long::longValue).average().orElseThrow();
            assertEquals(Math.round(avg * 100) / 100.0, ((Number) latency.get("ttft_avg_ms")).doubleValue(), 0.011, "ttft_avg_ms");
        }
        for (int p : new int[] {50, 95, 99}) {
            if (durations.isEmpty() || latency.get("p50_ms") == null && m.containsKey("user")) continue; // per-user lists: no histograms
            double truth = durations.get((int) Math.ceil(p / 100.0 * durations.size()) - 1);
            double reported = ((Number) latency.get("p" + p + "_ms")).doubleValue();
            assertEquals(Histogram.bucket(truth), Histogram.bucket(reported), "p" + p + " true " + truth + " reported " + reported);
        }
    }

    @Test
    void should_report_daily_statistics_equal_to_the_rows_written() {
        LocalDate day = D0.plusDays(2);
        List<LlmCall> today = calls.stream().filter(on(day)).toList();
        Map<String, Object> daily = stats.daily(day, Filter.NONE, 5000);
        @SuppressWarnings("unchecked")
        Map<String, Object> totals = (Map<String, Object>) daily.get("totals");
        assertFigures(today, totals);
        long requests = messages.stream().filter(m -> LocalDate.ofInstant(m.timestamp(), ZoneOffset.UTC).equals(day)).count();
        assertEquals(requests, n(totals.get("requests")));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> byModel = (List<Map<String, Object>>) daily.get("by_model");
        for (String model : MODELS) {
            Map<String, Object> g = byModel.stream().filter(x -> model.equals(x.get("model"))).findFirst().orElseThrow();
            assertFigures(today.stream().filter(c -> model.equals(c.model())).toList(), g);
        }
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> byUser = (List<Map<String, Object>>) daily.get("by_user");
        for (Map<String, Object> g : byUser) {
            assertFigures(today.stream().filter(c -> g.get("user").equals(c.userId())).toList(), g);
        }
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> byFunction = (List<Map<String, Object>>) daily.get("by_function");
        Map<String, Object> search = byFunction.stream().filter(x -> "search_orders".equals(x.get("function"))).findFirst().orElseThrow();
        assertEquals(today.stream().filter(c -> c.callType() == CallType.TOOL).count(), n(search.get("tool_calls")));
        @SuppressWarnings("unchecked")
        Map<String, Object> slow = (Map<String, Object>) daily.get("slow_calls");
        assertEquals(today.stream().filter(c -> model(c) && c.durationMs() > 5000).count(), n(slow.get("count")));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> top = (List<Map<String, Object>>) daily.get("top_expensive_calls");
        LlmCall most = today.stream().filter(c -> c.costEstimate() != null).max(Comparator.comparing(LlmCall::costEstimate)).orElseThrow();
        assertEquals(0, most.costEstimate().compareTo(dec(top.get(0).get("cost_estimate"))));
        assertEquals(requests, n(totals.get("requests")));
        assertNotNull(((Map<?, ?>) daily.get("error_rates")).get("overall"));
    }

    @Test
    void should_give_the_same_figures_through_rollups_and_raw_rows_with_filters() {
        LocalDate day = D0.plusDays(1);
        List<LlmCall> today = calls.stream().filter(on(day)).toList();
        // one dimension: served by the rollups
        Map<String, Object> byRollup = stats.daily(day, new Filter("gpt-4o", null, null, null, null, null), 5000);
        assertFigures(today.stream().filter(c -> "gpt-4o".equals(c.model())).toList(), (Map<String, Object>) byRollup.get("totals"));
        // two dimensions and success: computed from raw rows
        Map<String, Object> byRaw = stats.daily(day, new Filter("gpt-4o", "RAGAgent", null, null, null, true), 5000);
        assertFigures(today.stream().filter(c -> "gpt-4o".equals(c.model()) && "RAGAgent".equals(c.agent()) && c.success()).toList(),
                (Map<String, Object>) byRaw.get("totals"));
        Map<String, Object> byUser = stats.daily(day, new Filter(null, null, null, null, "u3", null), 5000);
        assertFigures(today.stream().filter(c -> "u3".equals(c.userId())).toList(), (Map<String, Object>) byUser.get("totals"));
        // every breakdown under a call filter (one pass over the matching calls) against the rows written
        Map<String, java.util.function.Function<LlmCall, String>> dims = Map.of("agent", LlmCall::agent, "function", LlmCall::functionName,
                "chat_mode", LlmCall::chatMode, "user", LlmCall::userId);
        for (Map<String, Object> daily : List.of(byRollup, byRaw)) {
            Predicate<LlmCall> filter = daily == byRollup ? c -> "gpt-4o".equals(c.model())
                    : c -> "gpt-4o".equals(c.model()) && "RAGAgent".equals(c.agent()) && c.success();
            int groups = 0;
            for (var dim : dims.entrySet()) {
                for (Map<String, Object> g : (List<Map<String, Object>>) daily.get("by_" + dim.getKey())) {
                    Object value = g.get(dim.getKey());
                    assertFigures(today.stream().filter(filter).filter(c -> java.util.Objects.equals(value, dim.getValue().apply(c))).toList(), g);
                    groups++;
                }
            }
            assertTrue(groups >= 4, "groups checked: " + groups);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void should_group_a_range_by_day_week_and_month() {
        Map<String, Object> byDay = stats.range(days(D0, 5), Filter.NONE, Reports.Period.DAY);
        List<Map<String, Object>> series = (List<Map<String, Object>>) byDay.get("series");
        assertEquals(5, series.size());
        for (int i = 0; i < 5; i++) {
            assertEquals(D0.plusDays(i).toString(), series.get(i).get("period"));
            assertFigures(calls.stream().filter(on(D0.plusDays(i))).toList(), series.get(i));
        }
        assertFigures(calls, (Map<String, Object>) byDay.get("totals"));
        Map<String, Object> byWeek = stats.range(days(D0, 5), Filter.NONE, Reports.Period.WEEK);
        List<Map<String, Object>> weeks = (List<Map<String, Object>>) byWeek.get("series");
        assertEquals(List.of("2026-09-28", "2026-10-05"), weeks.stream().map(w -> w.get("period")).toList());
        assertFigures(calls.stream().filter(c -> c.startedAt().isBefore(Instant.parse("2026-10-05T00:00:00Z"))).toList(), weeks.get(0));
        Map<String, Object> byMonth = stats.range(days(D0.minusDays(3), 10), Filter.NONE, Reports.Period.MONTH);
        assertEquals(1, ((List<?>) byMonth.get("series")).size());
        assertFigures(calls, ((List<Map<String, Object>>) byMonth.get("series")).get(0));
        Map<String, Object> session = stats.range(new Window(Instant.EPOCH, Instant.parse("2030-01-01T00:00:00Z"), "conv-17"), Filter.NONE, Reports.Period.DAY);
        assertFigures(calls.stream().filter(c -> c.conversationId().equals("conv-17")).toList(), (Map<String, Object>) session.get("totals"));
        assertEquals(3L, n(((Map<String, Object>) session.get("totals")).get("requests")));
    }

    @Test
    @SuppressWarnings("unchecked")
    void should_summarise_cost_by_model_and_analyse_it() {
        Map<String, Object> cost = stats.cost(days(D0, 5), Filter.NONE, Dimension.MODEL, Instant.parse("2026-10-05T12:00:00Z"), 100);
        List<Map<String, Object>> groups = (List<Map<String, Object>>) cost.get("groups");
        Map<String, BigDecimal> expected = new HashMap<>();
        Map<String, Long> used = new HashMap<>();
        for (LlmCall c : calls) {
            if (!model(c)) continue;
            expected.merge(c.model(), c.costEstimate() == null ? BigDecimal.ZERO : c.costEstimate(), BigDecimal::add);
            used.merge(c.model(), 1L, Long::sum);
        }
        for (Map<String, Object> g : groups) {
            assertEquals(0, expected.get((String) g.get("model")).compareTo(dec(g.get("cost"))), g.toString());
        }
        Map<String, Object> analysis = (Map<String, Object>) cost.get("analysis");
        String priciest = expected.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        assertEquals(priciest, ((Map<String, Object>) analysis.get("most_expensive_model")).get("model"));
        String busiest = used.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        assertEquals(busiest, ((Map<String, Object>) analysis.get("most_used_model")).get("model"));
        // month to date on 2026-10-05 12:00 = all five days of October written; 4.5 days elapsed of 31
        BigDecimal mtd = cost(calls);
        assertEquals(0, mtd.compareTo(dec(analysis.get("month_to_date_cost"))));
        BigDecimal projected = mtd.multiply(BigDecimal.valueOf(31)).divide(BigDecimal.valueOf(4.5), 6, java.math.RoundingMode.HALF_UP);
        assertEquals(0, projected.compareTo(dec(analysis.get("projected_month_end_cost"))));
        long tokens = calls.stream().filter(ReadSideOracleTest::model).mapToLong(LlmCall::totalTokens).sum();
        assertEquals(mtd.multiply(BigDecimal.valueOf(1000)).divide(BigDecimal.valueOf(tokens), 10, java.math.RoundingMode.HALF_UP)
                .compareTo(dec(analysis.get("cost_per_1k_tokens"))), 0);
        Map<String, Object> byDay = stats.cost(days(D0, 5), Filter.NONE, Dimension.DAY, Instant.parse("2026-10-05T12:00:00Z"), 100);
        assertEquals(5, ((List<?>) byDay.get("groups")).size());
    }

    @Test
    @SuppressWarnings("unchecked")
    void should_report_latency_and_time_to_first_token_per_model() {
        Map<String, Object> latency = stats.latency(days(D0, 5), Filter.NONE);
        Map<String, Object> overall = (Map<String, Object>) latency.get("overall");
        List<LlmCall> mc = calls.stream().filter(ReadSideOracleTest::model).toList();
        assertEquals((long) mc.size(), n(overall.get("llm_calls")));
        List<Long> ttft = mc.stream().map(LlmCall::timeToFirstTokenMs).filter(java.util.Objects::nonNull).sorted().toList();
        double truth = ttft.get((int) Math.ceil(0.95 * ttft.size()) - 1);
        assertEquals(Histogram.bucket(truth), Histogram.bucket(((Number) overall.get("ttft_p95_ms")).doubleValue()));
        for (Map<String, Object> m : (List<Map<String, Object>>) latency.get("by_model")) {
            assertEquals(mc.stream().filter(c -> m.get("model").equals(c.model())).count(), n(m.get("llm_calls")));
        }
    }

    @Test
    void should_show_the_last_minutes_in_real_time() {
        try (ChatLogger logger = ChatLogger.builder(new JdbcChatLogStore(db.jdbi())).build()) {
            for (int i = 0; i < 7; i++) {
                logger.logCall(LlmCall.builder().conversationId("live").messageId("live-m").model("gpt-4o-mini").agent("LiveAgent")
                        .inputTokens(10).outputTokens(i).durationMs(100).build());
            }
            assertTrue(logger.flush(Duration.ofSeconds(10)));
        }
        Map<String, Object> rt = stats.realtime(5, Instant.now());
        assertEquals(7L, n(rt.get("llm_calls")));
        assertEquals(70L + 21L, n(rt.get("total_tokens")));
        assertTrue(rt.get("active_agents").toString().contains("LiveAgent"));
        assertTrue(rt.get("active_models").toString().contains("gpt-4o-mini"));
    }

    @Test
    void should_round_trip_an_export_as_csv_and_json_lines() throws Exception {
        Exporter exporter = new Exporter(db.jdbi());
        Window all = days(D0, 5);
        Map<String, LlmCall> byId = calls.stream().collect(Collectors.toMap(LlmCall::callId, c -> c));

        ByteArrayOutputStream csv = new ByteArrayOutputStream();
        long rows = exporter.export(Exporter.Dataset.LLM_CALLS, all, Filter.NONE, Exporter.Format.CSV, csv);
        assertEquals(calls.size(), rows);
        List<List<String>> parsed = Csv.parse(csv.toString(StandardCharsets.UTF_8));
        List<String> header = parsed.get(0);
        assertEquals(Exporter.columns(Exporter.Dataset.LLM_CALLS), header);
        assertEquals(calls.size() + 1, parsed.size());
        for (List<String> row : parsed.subList(1, parsed.size())) {
            LlmCall c = byId.get(row.get(header.indexOf("call_id")));
            assertNotNull(c);
            assertEquals(c.inputText(), row.get(header.indexOf("input_text")));
            assertEquals(c.conversationId(), row.get(header.indexOf("conversation_id")));
            String cost = row.get(header.indexOf("cost_estimate"));
            assertEquals(c.costEstimate() == null, cost.isEmpty(), c.callId());
            if (c.costEstimate() != null) assertEquals(0, c.costEstimate().compareTo(new BigDecimal(cost)));
            assertEquals(c.durationMs(), Double.parseDouble(row.get(header.indexOf("duration_ms"))), 0.005); // stored to 0.01 ms
            assertEquals(String.valueOf(c.success()), row.get(header.indexOf("success")));
        }

        ByteArrayOutputStream jsonl = new ByteArrayOutputStream();
        Filter onlyMini = new Filter("gpt-4o-mini", null, null, null, null, null);
        rows = exporter.export(Exporter.Dataset.LLM_CALLS, all, onlyMini, Exporter.Format.JSONL, jsonl);
        List<String> lines = jsonl.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(calls.stream().filter(c -> "gpt-4o-mini".equals(c.model())).count(), rows);
        assertEquals(rows, lines.size());
        ObjectMapper json = new ObjectMapper();
        for (String line : lines) {
            JsonNode n = json.readTree(line);
            LlmCall c = byId.get(n.get("call_id").asText());
            assertEquals(c.inputText(), n.get("input_text").asText());
            assertEquals(c.totalTokens(), n.get("total_tokens").asInt());
        }

        ByteArrayOutputStream msgs = new ByteArrayOutputStream();
        rows = exporter.export(Exporter.Dataset.MESSAGES, all, Filter.NONE, Exporter.Format.JSON, msgs);
        assertEquals(messages.size(), rows);
        assertEquals(messages.size(), json.readTree(msgs.toByteArray()).size());
    }

    /** A strict RFC 4180 reader for the round trip. */
    static final class Csv {
        static List<List<String>> parse(String s) {
            List<List<String>> rows = new ArrayList<>();
            List<String> row = new ArrayList<>();
            StringBuilder field = new StringBuilder();
            boolean quoted = false;
            for (int i = 0; i < s.length(); i++) {
                char ch = s.charAt(i);
                if (quoted) {
                    if (ch == '"' && i + 1 < s.length() && s.charAt(i + 1) == '"') { field.append('"'); i++; }
                    else if (ch == '"') quoted = false;
                    else field.append(ch);
                } else if (ch == '"') {
                    quoted = true;
                } else if (ch == ',') {
                    row.add(field.toString()); field.setLength(0);
                } else if (ch == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') {
                    row.add(field.toString()); field.setLength(0); rows.add(row); row = new ArrayList<>(); i++;
                } else {
                    field.append(ch);
                }
            }
            if (!row.isEmpty() || field.length() > 0) { row.add(field.toString()); rows.add(row); }
            return rows;
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void should_rank_the_same_top_calls_as_a_full_sort_of_the_rows_written() {
        Instant d0 = D0.atStartOfDay().toInstant(ZoneOffset.UTC);
        List<Window> windows = List.of(new Window(d0, d0.plusSeconds(5 * 86_400), null), // all five days
                new Window(d0.plusSeconds(2 * 86_400), d0.plusSeconds(3 * 86_400), null), // one day
                new Window(d0.plusSeconds(86_400 + 9 * 3600), d0.plusSeconds(86_400 + 16 * 3600), null), // 7 whole hours
                new Window(d0.plusSeconds(86_400 + 1234), d0.plusSeconds(3 * 86_400 + 77), null), // not whole hours: raw
                new Window(d0.plusSeconds(9 * 3600), d0.plusSeconds(3 * 86_400 + 15 * 3600), null)); // hours, whole days, hours
        List<Filter> filters = List.of(Filter.NONE, new Filter("gpt-4o", null, null, null, null, null),
                new Filter(null, "RAGAgent", null, null, null, null), new Filter(null, null, "summarize", null, null, null),
                new Filter(null, null, null, "rag", null, null), new Filter("gpt-4o-mini", "Orchestrator", null, null, null, null),
                new Filter(null, null, null, null, null, false), new Filter(null, null, null, null, "u3", null));
        int checked = 0;
        for (Window w : windows) {
            for (Filter f : filters) {
                Predicate<LlmCall> match = c -> c.callType().isModelCall()
                        && !c.startedAt().isBefore(w.from()) && c.startedAt().isBefore(w.to())
                        && (f.model() == null || f.model().equals(c.model())) && (f.agent() == null || f.agent().equals(c.agent()))
                        && (f.function() == null || f.function().equals(c.functionName()))
                        && (f.chatMode() == null || f.chatMode().equals(c.chatMode())) && (f.user() == null || f.user().equals(c.userId()))
                        && (f.success() == null || f.success() == c.success());
                // the window's totals too, whichever rollup granularities answer it
                Map<String, Object> overall = (Map<String, Object>) stats.latency(w, f).get("overall");
                assertEquals(calls.stream().filter(match).count(), n(overall.get("llm_calls")), w + " " + f);
                Map<String, Object> costs = stats.cost(w, f, Dimension.MODEL, Instant.now(), 100);
                BigDecimal cost = calls.stream().filter(match).map(LlmCall::costEstimate).filter(java.util.Objects::nonNull)
                        .reduce(BigDecimal.ZERO, BigDecimal::add);
                assertEquals(0, cost.compareTo(dec(((Map<String, Object>) costs.get("analysis")).get("total_cost"))), w + " " + f);
                for (Ranking.By by : Ranking.By.values()) {
                    for (Integer slow : by == Ranking.By.DURATION ? new Integer[] {null, 2000} : new Integer[] {null}) {
                        List<BigDecimal> expected = calls.stream().filter(match)
                                .filter(c -> by == Ranking.By.DURATION || c.costEstimate() != null)
                                .filter(c -> slow == null || c.durationMs() > slow)
                                .map(c -> by == Ranking.By.DURATION ? BigDecimal.valueOf(c.durationMs()) : c.costEstimate())
                                .sorted(Comparator.reverseOrder()).limit(10).toList();
                        List<Map<String, Object>> got = db.jdbi().withHandle(h -> TopCalls.find(h, w, f, new Ranking(by, slow, 10),
                                "call_id, duration_ms, cost_estimate, started_at"));
                        List<BigDecimal> values = got.stream().map(m -> new BigDecimal(m.get(by.column()).toString())).toList();
                        assertEquals(expected.size(), values.size(), w + " " + f + " " + by + " " + slow);
                        for (int i = 0; i < values.size(); i++) {
                            assertEquals(0, expected.get(i).compareTo(values.get(i)), w + " " + f + " " + by + " " + slow + " #" + i
                                    + ": " + expected + " vs " + values);
                        }
                        checked++;
                    }
                }
            }
        }
        assertEquals(5 * 8 * 3, checked);
    }

    @Test
    void should_break_down_a_one_dimension_filter_by_every_other_dimension_as_the_rows_written() {
        Instant d0 = D0.atStartOfDay().toInstant(ZoneOffset.UTC);
        List<Window> windows = List.of(days(D0, 5), // whole days: daily pair rows
                new Window(d0.plusSeconds(9 * 3600), d0.plusSeconds(3 * 86_400 + 15 * 3600), null), // hours, days, hours
                new Window(d0.plusSeconds(86_400 + 1800), d0.plusSeconds(86_400 + 16 * 3600), null)); // not whole hours: calls
        Map<String, java.util.function.Function<LlmCall, String>> dims = new java.util.LinkedHashMap<>();
        dims.put("model", c -> model(c) ? c.model() : null);
        dims.put("agent", LlmCall::agent);
        dims.put("function", LlmCall::functionName);
        dims.put("chat_mode", LlmCall::chatMode);
        dims.put("model_function", c -> model(c) ? c.model() + "|" + c.functionName() : null);
        Map<String, List<String>> values = Map.of("model", List.of("gpt-4o", "unknown-x"), "agent", List.of("RAGAgent", "Night|Shift"),
                "function", List.of("summarize", "search_orders"), "chat_mode", List.of("rag"));
        int groups = 0;
        for (Window w : windows) {
            for (String fd : List.of("model", "agent", "function", "chat_mode")) {
                for (String value : values.get(fd)) {
                    Filter f = new Filter(fd.equals("model") ? value : null, fd.equals("agent") ? value : null,
                            fd.equals("function") ? value : null, fd.equals("chat_mode") ? value : null, null, null);
                    for (String gd : dims.keySet()) {
                        if (gd.equals(fd) || gd.equals("model_function") && !fd.equals("model") && !fd.equals("function")) continue;
                        Map<String, List<LlmCall>> expected = calls.stream()
                                .filter(c -> !c.startedAt().isBefore(w.from()) && c.startedAt().isBefore(w.to()))
                                .filter(c -> value.equals(dims.get(fd).apply(c)))
                                .filter(c -> dims.get(gd).apply(c) != null || !gd.startsWith("model"))
                                .collect(Collectors.groupingBy(c -> java.util.Objects.requireNonNullElse(dims.get(gd).apply(c), "")));
                        Map<String, dev.chatlog.sql.rollup.Sums> got = db.jdbi().withHandle(h -> planner.sums(h, w, f, Dimension.named(gd).orElseThrow()));
                        String what = w + " " + fd + "=" + value + " by " + gd;
                        for (var e : expected.entrySet()) {
                            assertTrue(got.containsKey(e.getKey()), what + ": no group " + e.getKey() + " in " + got.keySet());
                            assertFigures(e.getValue(), figures(got.get(e.getKey())));
                            groups++;
                        }
                        for (var e : got.entrySet()) {
                            Map<String, Object> m = figures(e.getValue());
                            // (reading calls, a model breakdown puts tool calls under the model ''; they have no model figures)
                            if (n(m.get("llm_calls")) + (gd.startsWith("model") ? 0 : n(m.get("tool_calls")) + n(m.get("agent_runs"))) > 0) {
                                assertTrue(expected.containsKey(e.getKey()), what + ": unexpected group " + e.getKey());
                            }
                        }
                    }
                }
            }
        }
        assertTrue(groups > 150, "groups checked: " + groups);
    }

    @Test
    @SuppressWarnings("unchecked")
    void should_count_tool_executions_under_an_agent_or_chat_mode_filter_as_the_rows_written() {
        Reports analysis = stats;
        List<Filter> filters = List.of(new Filter(null, "RAGAgent", null, null, null, null),
                new Filter(null, null, null, "rag", null, null),
                new Filter(null, "Orchestrator", "search_orders", null, null, null), // + a function: still rollups
                new Filter(null, "RAGAgent", null, "tool", null, null)); // both: the tool calls are read
        int checked = 0;
        for (Filter f : filters) {
            List<LlmCall> tools = calls.stream().filter(c -> c.callType() == CallType.TOOL)
                    .filter(c -> f.agent() == null || f.agent().equals(c.agent()))
                    .filter(c -> f.chatMode() == null || f.chatMode().equals(c.chatMode()))
                    .filter(c -> f.function() == null || f.function().equals(c.functionName())).toList();
            assertTrue(!tools.isEmpty(), f.toString());
            List<Map<String, Object>> byTool = (List<Map<String, Object>>) analysis.overview(Window.lastHours(0, Instant.now()), f, Instant.now()).get("by_tool");
            assertEquals(1, byTool.size(), f + " " + byTool);
            Map<String, Object> t = byTool.get(0);
            assertEquals("search_orders", t.get("tool"));
            assertEquals((long) tools.size(), n(t.get("executions")), f.toString());
            assertEquals(tools.stream().filter(c -> !c.success()).count(), n(t.get("failures")), f.toString());
            double avg = tools.stream().mapToDouble(LlmCall::durationMs).sum() / tools.size();
            assertEquals(Math.round(avg * 100) / 100.0, ((Number) t.get("avg_duration_ms")).doubleValue(), 0.011, f.toString());
            List<Double> durations = tools.stream().map(LlmCall::durationMs).sorted().toList();
            double p95 = durations.get((int) Math.ceil(0.95 * durations.size()) - 1);
            assertEquals(Histogram.bucket(p95), Histogram.bucket(((Number) t.get("p95_duration_ms")).doubleValue()), f.toString());
            checked++;
        }
        assertEquals(4, checked);
    }

    @Test
    @SuppressWarnings("unchecked")
    void should_analyse_calls_under_a_filter_as_the_rows_written_whether_rollups_or_one_pass_answer() {
        Reports analysis = stats;
        // model: every breakdown has a rollup (model_function, model_agent, model_chat_mode); agent: model x function
        // under an agent is read from the calls, with the top lists in the same pass
        for (Filter f : List.of(new Filter("gpt-4o", null, null, null, null, null),
                new Filter(null, "RAGAgent", null, null, null, null))) {
            Predicate<LlmCall> match = c -> model(c) && (f.model() == null || f.model().equals(c.model()))
                    && (f.agent() == null || f.agent().equals(c.agent()));
            Map<String, Object> out = analysis.llmCalls(Window.lastHours(0, Instant.now()), f);
            List<LlmCall> slow = calls.stream().filter(match).sorted(Comparator.comparing(LlmCall::durationMs).reversed()).toList();
            assertRanked(slow.stream().map(c -> BigDecimal.valueOf(c.durationMs())).toList(), slow,
                    (List<Map<String, Object>>) out.get("slowest_calls"), "duration_ms", f.toString());
            List<LlmCall> costly = calls.stream().filter(match).filter(c -> c.costEstimate() != null)
                    .sorted(Comparator.comparing(LlmCall::costEstimate).reversed()).toList();
            assertRanked(costly.stream().map(LlmCall::costEstimate).toList(), costly,
                    (List<Map<String, Object>>) out.get("most_expensive_calls"), "cost_estimate", f.toString());
            Map<String, List<LlmCall>> byPair = calls.stream().filter(match)
                    .collect(Collectors.groupingBy(c -> c.model() + "|" + c.functionName()));
            List<Map<String, Object>> groups = (List<Map<String, Object>>) out.get("by_model_and_function");
            assertEquals(byPair.size(), groups.size(), f.toString());
            for (Map<String, Object> g : groups) {
                List<LlmCall> expected = byPair.get(g.get("model") + "|" + g.get("function_name"));
                assertEquals((long) expected.size(), n(g.get("llm_calls")), f + " " + g);
                assertEquals(expected.stream().mapToLong(LlmCall::totalTokens).sum(), n(g.get("total_tokens")), f + " " + g);
                assertEquals(0, cost(expected).compareTo(dec(g.get("cost"))), f + " " + g);
            }
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void should_rank_daily_top_and_slow_calls_under_call_filters_as_a_full_sort_does() {
        List<Filter> filters = List.of(new Filter("gpt-4o", null, null, null, null, null),
                new Filter("gpt-4o-mini", "Orchestrator", null, null, null, null), new Filter(null, null, "summarize", "rag", null, null),
                new Filter(null, null, null, null, null, false), new Filter("unknown-x", null, null, null, null, null));
        int checked = 0;
        for (int d = 0; d < 5; d += 2) {
            LocalDate day = D0.plusDays(d);
            for (Filter f : filters) {
                for (int slowMs : new int[] {5000, 2500, 100_000}) { // a bucket edge, between edges, none slower
                    Predicate<LlmCall> match = c -> model(c) && on(day).test(c)
                            && (f.model() == null || f.model().equals(c.model())) && (f.agent() == null || f.agent().equals(c.agent()))
                            && (f.function() == null || f.function().equals(c.functionName()))
                            && (f.chatMode() == null || f.chatMode().equals(c.chatMode()))
                            && (f.success() == null || f.success() == c.success());
                    Map<String, Object> daily = stats.daily(day, f, slowMs);
                    String what = day + " " + f + " slow " + slowMs;
                    List<LlmCall> costly = calls.stream().filter(match).filter(c -> c.costEstimate() != null)
                            .sorted(Comparator.comparing(LlmCall::costEstimate).reversed()).toList();
                    assertRanked(costly.stream().map(LlmCall::costEstimate).toList(), costly,
                            (List<Map<String, Object>>) daily.get("top_expensive_calls"), "cost_estimate", what);
                    List<LlmCall> slow = calls.stream().filter(match).filter(c -> c.durationMs() > slowMs)
                            .sorted(Comparator.comparing(LlmCall::durationMs).reversed()).toList();
                    Map<String, Object> slowCalls = (Map<String, Object>) daily.get("slow_calls");
                    assertEquals(slow.size(), n(slowCalls.get("count")), what);
                    assertRanked(slow.stream().map(c -> BigDecimal.valueOf(c.durationMs())).toList(), slow,
                            (List<Map<String, Object>>) slowCalls.get("calls"), "duration_ms", what);
                    checked++;
                }
            }
        }
        assertEquals(3 * 5 * 3, checked);
    }

    /** The reported top 10 hold the ten highest values in order, each row one of the calls with that value. */
    private static void assertRanked(List<BigDecimal> sortedValues, List<LlmCall> sortedCalls, List<Map<String, Object>> got,
                                     String column, String what) {
        assertEquals(Math.min(10, sortedValues.size()), got.size(), what + " " + column);
        for (int i = 0; i < got.size(); i++) {
            BigDecimal value = dec(got.get(i).get(column));
            assertEquals(0, sortedValues.get(i).compareTo(value), what + " #" + i + ": " + sortedValues.subList(0, got.size()) + " vs " + got);
            Object callId = got.get(i).get("call_id");
            assertTrue(sortedCalls.stream().anyMatch(c -> c.callId().equals(callId)
                    && (column.equals("cost_estimate") ? c.costEstimate() : BigDecimal.valueOf(c.durationMs())).compareTo(value) == 0),
                    what + " #" + i + " " + callId);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void should_answer_a_filtered_day_again_from_what_was_kept_until_a_row_arrives_in_that_day() {
        try (Database own = TestDatabase.freshDatabase()) {
            Reports q = new Reports(own.jdbi());
            LocalDate day = LocalDate.now(ZoneOffset.UTC).minusDays(2);
            java.util.function.BiConsumer<String, Integer> write = (model, hour) -> {
                try (ChatLogger logger = ChatLogger.builder(new JdbcChatLogStore(own.jdbi())).build()) {
                    logger.logCall(LlmCall.builder().conversationId("c-" + model + hour).userId("ann").model(model).inputTokens(100)
                            .outputTokens(10).costEstimate(new BigDecimal("0.25")).priced(true).durationMs(120)
                            .startedAt(day.atStartOfDay().toInstant(ZoneOffset.UTC).plusSeconds(3600L * hour)).build());
                    assertTrue(logger.flush(Duration.ofSeconds(30)));
                }
            };
            Filter gpt = new Filter("gpt-4o", null, null, null, null, null);
            java.util.function.Supplier<Long> calls = () -> n(((Map<String, Object>) q.daily(day, gpt, 5000).get("totals")).get("llm_calls"));
            write.accept("gpt-4o", 1);
            write.accept("gpt-4o-mini", 2);
            assertEquals(1L, calls.get());
            assertEquals(1L, calls.get()); // kept
            write.accept("gpt-4o", 3); // a late row into that day
            assertEquals(2L, calls.get());
            write.accept("gpt-4o-mini", 4); // another model's row: the day changed, computed again, same answer
            assertEquals(2L, calls.get());
            write.accept("gpt-4o", 30); // the next day: not this one
            assertEquals(2L, calls.get());
            List<Map<String, Object>> top = (List<Map<String, Object>>) q.daily(day, gpt, 5000).get("top_expensive_calls");
            assertEquals(2, top.size());
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void should_keep_per_user_sums_of_past_days_exact_when_late_rows_arrive() {
        try (Database own = TestDatabase.freshDatabase()) {
            Reports q = new Reports(own.jdbi());
            LocalDate today = LocalDate.now(ZoneOffset.UTC);
            Window w = new Window(today.minusDays(3).atStartOfDay().toInstant(ZoneOffset.UTC),
                    today.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC), null);
            List<LlmCall> written = new ArrayList<>();
            java.util.function.Consumer<List<LlmCall>> write = batch -> {
                try (ChatLogger logger = ChatLogger.builder(new JdbcChatLogStore(own.jdbi())).build()) {
                    batch.forEach(logger::logCall);
                    assertTrue(logger.flush(Duration.ofSeconds(30)));
                }
                written.addAll(batch);
            };
            java.util.function.BiFunction<String, Integer, LlmCall> call = (user, daysAgo) -> LlmCall.builder()
                    .conversationId("c-" + user).userId(user).model("gpt-4o").inputTokens(100).outputTokens(10)
                    .costEstimate(new BigDecimal("0.25")).priced(true).durationMs(120)
                    .startedAt(today.minusDays(daysAgo).atStartOfDay().toInstant(ZoneOffset.UTC).plusSeconds(3600)).build();
            write.accept(List.of(call.apply("ann", 3), call.apply("ann", 2), call.apply("bob", 1), call.apply("bob", 0)));
            java.util.function.Supplier<Map<Object, BigDecimal>> costs = () -> {
                Map<Object, BigDecimal> out = new HashMap<>();
                for (Map<String, Object> g : (List<Map<String, Object>>) q.cost(w, Filter.NONE, Dimension.USER, Instant.now(), 100).get("groups")) {
                    out.put(g.get("user"), dec(g.get("cost")).stripTrailingZeros());
                }
                return out;
            };
            java.util.function.Supplier<Map<Object, BigDecimal>> truth = () -> written.stream().collect(Collectors.toMap(
                    LlmCall::userId, LlmCall::costEstimate, BigDecimal::add)).entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().stripTrailingZeros()));
            assertEquals(truth.get(), costs.get());
            assertEquals(truth.get(), costs.get()); // the past days now come from what was kept
            write.accept(List.of(call.apply("ann", 2), call.apply("cy", 3))); // late rows into past days
            assertEquals(truth.get(), costs.get());
            write.accept(List.of(call.apply("bob", 0))); // and today
            assertEquals(truth.get(), costs.get());
            assertEquals(0, new BigDecimal("0.75").compareTo(costs.get().get("ann")));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void should_end_percentiles_at_the_slowest_call_counted_not_at_the_bucket_edge() {
        try (Database own = TestDatabase.freshDatabase()) {
            Reports q = new Reports(own.jdbi());
            Instant t = D0.atStartOfDay().toInstant(ZoneOffset.UTC).plusSeconds(3 * 3600);
            try (ChatLogger logger = ChatLogger.builder(new JdbcChatLogStore(own.jdbi())).build()) {
                for (int i = 1; i <= 10; i++) { // embeddings: 2 to 11 ms, all in the first (<= 50 ms) bucket
                    logger.logCall(LlmCall.builder().conversationId("fast").callType(CallType.EMBEDDING).model("text-embedding-3-small")
                            .agent("Retriever").inputTokens(20).outputTokens(0).durationMs(i + 1).startedAt(t.plusSeconds(i)).build());
                }
                assertTrue(logger.flush(Duration.ofSeconds(30)));
            }
            for (Filter f : List.of(Filter.NONE, new Filter("text-embedding-3-small", "Retriever", null, null, null, null))) {
                Map<String, Object> daily = q.daily(D0, f, 5000); // rollups, then one raw pass
                Map<String, Object> latency = (Map<String, Object>) ((Map<String, Object>) daily.get("totals")).get("latency");
                assertEquals(5.5, ((Number) latency.get("p50_ms")).doubleValue(), 1e-9, f.toString()); // linear up to 11 ms, not 50
                assertEquals(10.89, ((Number) latency.get("p99_ms")).doubleValue(), 1e-9, f.toString());
            }
        }
    }
}
