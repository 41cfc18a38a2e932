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

/** Breakdowns and top-call lists, whichever source answers, against the rows written. */
class BreakdownOracleTest {
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
        dims.put("arm", LlmCall::arm);
        dims.put("model_function", c -> model(c) ? c.model() + "|" + c.functionName() : null);
        Map<String, List<String>> values = Map.of("model", List.of("gpt-4o", "unknown-x"), "agent", List.of("RAGAgent", "Night|Shift"),
                "function", List.of("summarize", "search_orders"), "chat_mode", List.of("rag"), "arm", List.of("exp/a"));
        int groups = 0;
        for (Window w : windows) {
            for (String fd : List.of("model", "agent", "function", "chat_mode", "arm")) {
                for (String value : values.get(fd)) {
                    Filter f = new Filter(fd.equals("model") ? value : null, fd.equals("agent") ? value : null,
                            fd.equals("function") ? value : null, fd.equals("chat_mode") ? value : null, null, null)
                            .withArm(fd.equals("arm") ? value : null);
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
                new Filter(null, "RAGAgent", null, "tool", null, null), // both: the tool calls are read
                Filter.NONE.withArm("exp/a"), new Filter(null, "RAGAgent", null, null, null, null).withArm("exp/b")); // an experiment arm
        int checked = 0;
        for (Filter f : filters) {
            List<LlmCall> tools = calls.stream().filter(c -> c.callType() == CallType.TOOL)
                    .filter(c -> f.agent() == null || f.agent().equals(c.agent()))
                    .filter(c -> f.chatMode() == null || f.chatMode().equals(c.chatMode()))
                    .filter(c -> f.function() == null || f.function().equals(c.functionName()))
                    .filter(c -> f.arm() == null || f.arm().equals(c.arm())).toList();
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
        assertEquals(6, checked);
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
}
