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
import org.junit.jupiter.api.Test;

import static dev.chatlog.sql.query.OracleData.*;

/** Every statistics route and the export against the same figures computed from the rows written. */
class RouteFiguresTest {
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
        long tokens = calls.stream().filter(OracleData::model).mapToLong(LlmCall::totalTokens).sum();
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
        List<LlmCall> mc = calls.stream().filter(OracleData::model).toList();
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
}
