package dev.chatlog.insights;

import static dev.chatlog.insights.PlantedLog.cost;
import static dev.chatlog.insights.PlantedLog.meta;
import static dev.chatlog.insights.PlantedLog.rates;
import static dev.chatlog.insights.PlantedLog.usd;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.core.CallType;
import dev.chatlog.core.LlmCall;
import dev.chatlog.core.TokenSource;
import dev.chatlog.insights.Finding.Confidence;
import dev.chatlog.insights.Finding.Kind;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.TestDatabase;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A log with planted waste, written through the real logger into the embedded MariaDB: every planted finding is found
 * with the saving computed here by hand from the price data's rates, nothing else is found, and the same application
 * without the waste yields no finding at all.
 */
class PlantedWasteTest {
    static final Duration WEEK = Duration.ofDays(7);
    static final String MINI = "gpt-4o-mini", BIG = "gpt-4o";

    private static Insights insights(Database db, Instant now) {
        return new Insights(db.jdbi(), PlantedLog.PRICES, InsightsSettings.defaults(), List::of, Clock.fixed(now, ZoneOffset.UTC));
    }

    private static String id() {
        return UUID.randomUUID().toString();
    }

    private static String hash() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    private static BigDecimal perDay(BigDecimal inWeek) {
        return inWeek.divide(BigDecimal.valueOf(7), 6, RoundingMode.HALF_UP);
    }

    private static void assertUsd(BigDecimal expected, BigDecimal actual, String what) {
        assertNotNull(actual, what + ": no saving");
        assertTrue(expected.subtract(actual).abs().compareTo(new BigDecimal("0.000002")) <= 0, what + ": expected " + expected + ", got " + actual);
    }

    @Test
    void should_find_every_planted_waste_with_its_saving_and_nothing_else() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Instant start = now.minus(WEEK).plus(Duration.ofMinutes(30));
        try (Database db = TestDatabase.freshDatabase(); PlantedLog log = new PlantedLog(db.jdbi(), now)) {
            // 1. duplicates within turns: 100 turns each send the same classification request twice
            for (int i = 0; i < 100; i++) {
                String conv = id(), msg = id(), h = hash();
                Instant at = start.plus(Duration.ofMinutes(i * 7L));
                log.log(log.call("classify", MINI, conv, msg, at, 500, 20).metadata(meta("request_hash", h)));
                log.log(log.call("classify", MINI, conv, msg, at.plusSeconds(1), 500, 20).metadata(meta("request_hash", h)));
            }
            // 2. a 3,000-token system prompt sent uncached 10,000 times, once a minute
            Set<Long> slots = new HashSet<>();
            for (int i = 0; i < 10_000; i++) {
                Instant at = start.plus(Duration.ofMinutes(i));
                slots.add(at.getEpochSecond() / 300);
                log.log(log.call("support", MINI, id(), id(), at, 3_200, 50).metadata(meta("request_hash", hash(), "prefix_hash", "p-support", "prefix_tokens", 3_000)));
            }
            // 3. an expensive function with an experiment whose cheaper arm is no worse
            for (int i = 0; i < 300; i++) {
                Instant at = start.plus(Duration.ofMinutes(i * 20L));
                log.log(log.call("summarize", BIG, id(), id(), at, 1_000, 200).arm("sum-model/control").success(i % 50 != 0));
                log.log(log.call("summarize", MINI, id(), id(), at.plusSeconds(5), 1_000, 200).arm("sum-model/cheap").success(i % 60 != 0));
            }
            // 3b. an expensive function with no evidence for a cheaper model
            for (int i = 0; i < 50; i++) log.log(log.call("translate", BIG, id(), id(), start.plus(Duration.ofMinutes(i * 90L)), 1_000, 200));
            // 4. a history that grows unbounded: 30 conversations of 12 turns, 600 more tokens a turn
            for (int c = 0; c < 30; c++) {
                String conv = id();
                for (int t = 1; t <= 12; t++) {
                    log.log(log.call("assistant", MINI, conv, id(), start.plus(Duration.ofHours(c * 5L)).plus(Duration.ofMinutes(t)), 800 + 600 * (t - 1), 100));
                }
            }
            // 5. a retry storm: one request failing six times in a minute, then passing
            String stormHash = hash(), stormConv = id(), stormMsg = id();
            Instant stormAt = start.plus(Duration.ofDays(2));
            for (int i = 0; i < 6; i++) {
                log.log(log.call("extract", MINI, stormConv, stormMsg, stormAt.plusSeconds(i * 10L), 400, 0).metadata(meta("request_hash", stormHash))
                        .success(false).errorType("dev.langchain4j.exception.RateLimitException").errorMessage("429 Too Many Requests").finishReason("error"));
            }
            log.log(log.call("extract", MINI, stormConv, stormMsg, stormAt.plusSeconds(60), 400, 30).metadata(meta("request_hash", stormHash)));
            // 6. a tool loop: the same lookup four times in each of 10 turns of five model calls
            for (int i = 0; i < 10; i++) {
                String conv = id(), msg = id();
                Instant at = start.plus(Duration.ofHours(3L * i + 1));
                for (int k = 0; k < 5; k++) log.log(log.call("agent-loop", MINI, conv, msg, at.plusSeconds(k * 4L), 700, 50));
                for (int k = 0; k < 4; k++) {
                    log.log(LlmCall.builder().callId(id()).callType(CallType.TOOL).conversationId(conv).messageId(msg).functionName("lookup_order")
                            .inputText("{\"order\": 42}").outputText("{\"status\": \"unknown\"}").startedAt(at.plusSeconds(k * 4L + 2)).durationMs(30)
                            .inputTokens(0).outputTokens(0).tokenSource(TokenSource.PROVIDER).success(true));
                }
            }
            // 7. long answers with no maximum output (and as many with one, which are not counted)
            for (int i = 0; i < 10; i++) {
                log.log(log.call("report", MINI, id(), id(), start.plus(Duration.ofHours(i * 10L + 2)), 600, 3_000));
                log.log(log.call("report", MINI, id(), id(), start.plus(Duration.ofHours(i * 10L + 3)), 600, 3_000)
                        .metadata(meta("request_hash", hash(), "max_output_tokens", 4_000)));
            }
            log.flush();

            InsightsReport report = insights(db, now).analyse(Insights.InsightsWindow.parse("7d"));
            assertEquals(List.of(), report.failedAnalyses());
            Map<String, Finding> found = report.findings().stream().collect(Collectors.toMap(f -> f.kind().label() + ":" + f.subject().value(), f -> f));
            System.out.println("planted findings (" + report.computeMs() + " ms): " + new TreeSet<>(found.keySet()));
            assertEquals(new TreeSet<>(List.of("redundant_calls:classify", "prompt_cache:support on gpt-4o-mini", "cheaper_model:summarize",
                    "cheaper_model:translate", "growing_history:assistant", "retry_storm:extract", "tool_loop:lookup_order", "unbounded_output:report")),
                    new TreeSet<>(found.keySet()), report.findings().stream().map(Finding::title).toList().toString());

            var mini = rates(MINI);
            Finding redundant = found.get("redundant_calls:classify");
            assertEquals("turn", redundant.detail().get("repeated_in"));
            assertEquals(100L, redundant.evidence().rows());
            assertUsd(perDay(cost(MINI, 500, 20).multiply(BigDecimal.valueOf(100))), redundant.savingPerDayUsd(), "duplicates");

            Finding cache = found.get("prompt_cache:support on gpt-4o-mini");
            long reads = 10_000 - slots.size(); // the first call of each five-minute slot writes the cache, the others read it
            assertUsd(perDay(usd((double) reads * 3_000, mini.input().base().subtract(mini.cacheRead().base()))), cache.savingPerDayUsd(), "prompt cache");
            assertEquals(10_000L, cache.detail().get("uncached_calls"));

            Finding cheaper = found.get("cheaper_model:summarize");
            assertEquals(Confidence.HIGH, cheaper.confidence(), cheaper.confidenceReason());
            assertEquals(MINI, cheaper.detail().get("cheaper_model"));
            assertTrue(String.valueOf(cheaper.detail().get("evidence")).contains("sum-model/cheap"), cheaper.detail().toString());
            assertUsd(perDay(cost(BIG, 1_000, 200).subtract(cost(MINI, 1_000, 200)).multiply(BigDecimal.valueOf(300))), cheaper.savingPerDayUsd(), "cheaper arm");
            assertTrue(((Map<?, ?>) cheaper.detail().get("quality")).containsKey("success_rate"));

            Finding guess = found.get("cheaper_model:translate");
            assertEquals(Confidence.LOW, guess.confidence());
            assertUsd(perDay(cost(BIG, 1_000, 200).subtract(cost(MINI, 1_000, 200)).multiply(BigDecimal.valueOf(50))), guess.savingPerDayUsd(), "no evidence");
            Map<?, ?> experiment = (Map<?, ?>) guess.detail().get("experiment");
            assertEquals("cheaper-translate-gpt-4o-mini", experiment.get("name"));
            dev.chatlog.experiments.ExperimentJson.parse((String) experiment.get("name"),
                    new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(experiment.get("definition")), null, null); // a valid definition

            Finding history = found.get("growing_history:assistant");
            assertEquals(810_000L, ((Number) history.detail().get("excess_input_tokens")).longValue(), "30 x 600 x (1 + ... + 9) tokens above turn 3's 2,000");
            assertUsd(perDay(usd(810_000, mini.input().base())), history.savingPerDayUsd(), "history");

            Finding storm = found.get("retry_storm:extract");
            assertEquals("rate_limited", storm.detail().get("error_category"));
            assertEquals(6L, ((Number) storm.detail().get("failed_attempts")).longValue());
            assertUsd(perDay(cost(MINI, 400, 0).multiply(BigDecimal.valueOf(5))), storm.savingPerDayUsd(), "retry storm");

            Finding loop = found.get("tool_loop:lookup_order");
            assertEquals(30L, ((Number) loop.detail().get("repeated_executions")).longValue());
            assertUsd(perDay(cost(MINI, 700, 50).multiply(BigDecimal.valueOf(30))), loop.savingPerDayUsd(), "tool loop");

            Finding output = found.get("unbounded_output:report");
            assertEquals(10L, ((Number) output.detail().get("long_answers")).longValue());
            assertUsd(perDay(usd(10 * 1_000, mini.output().base())), output.savingPerDayUsd(), "unbounded output");

            for (int i = 1; i < report.findings().size(); i++) { // ranked by saving per month
                BigDecimal a = report.findings().get(i - 1).savingPerMonthUsd(), b = report.findings().get(i).savingPerMonthUsd();
                if (a != null && b != null) assertTrue(a.compareTo(b) >= 0, report.findings().toString());
            }
            BigDecimal sum = report.findings().stream().map(Finding::savingPerMonthUsd).filter(java.util.Objects::nonNull).reduce(BigDecimal.ZERO, BigDecimal::add);
            assertEquals(0, sum.compareTo(report.openSavingsPerMonthUsd()));
        }
    }

    @Test
    void should_find_nothing_in_the_same_application_without_the_waste() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Instant start = now.minus(WEEK).plus(Duration.ofMinutes(30));
        try (Database db = TestDatabase.freshDatabase(); PlantedLog log = new PlantedLog(db.jdbi(), now)) {
            for (int i = 0; i < 100; i++) log.log(log.call("classify", MINI, id(), id(), start.plus(Duration.ofMinutes(i * 7L)), 500, 20));
            for (int i = 0; i < 2_000; i++) { // a long prefix, read from the provider's cache
                log.log(log.call("support", MINI, id(), id(), start.plus(Duration.ofMinutes(i * 5L)), 3_200, 50).cachedInputTokens(3_000)
                        .metadata(meta("request_hash", hash(), "prefix_hash", "p-support", "prefix_tokens", 3_000)));
            }
            for (int i = 0; i < 300; i++) log.log(log.call("summarize", MINI, id(), id(), start.plus(Duration.ofMinutes(i * 20L)), 1_000, 200));
            for (int c = 0; c < 30; c++) {
                String conv = id();
                for (int t = 1; t <= 12; t++) log.log(log.call("assistant", MINI, conv, id(), start.plus(Duration.ofHours(c * 5L)).plus(Duration.ofMinutes(t)), 800 + (t % 3) * 50, 100));
            }
            String h = hash(), conv0 = id(), msg0 = id();
            log.log(log.call("extract", MINI, conv0, msg0, start.plus(Duration.ofDays(2)), 400, 0).metadata(meta("request_hash", h))
                    .success(false).errorType("dev.langchain4j.exception.RateLimitException").errorMessage("429").finishReason("error"));
            log.log(log.call("extract", MINI, conv0, msg0, start.plus(Duration.ofDays(2)).plusSeconds(20), 400, 30).metadata(meta("request_hash", h)));
            for (int i = 0; i < 10; i++) {
                String conv = id(), msg = id();
                Instant at = start.plus(Duration.ofHours(3L * i + 1));
                for (int k = 0; k < 2; k++) log.log(log.call("agent-loop", MINI, conv, msg, at.plusSeconds(k * 4L), 700, 50));
                log.log(LlmCall.builder().callId(id()).callType(CallType.TOOL).conversationId(conv).messageId(msg).functionName("lookup_order")
                        .inputText("{\"order\": " + i + "}").outputText("{\"status\": \"shipped\"}").startedAt(at.plusSeconds(2)).durationMs(30)
                        .inputTokens(0).outputTokens(0).tokenSource(TokenSource.PROVIDER).success(true));
            }
            for (int i = 0; i < 10; i++) log.log(log.call("report", MINI, id(), id(), start.plus(Duration.ofHours(i * 10L + 2)), 600, 700));
            log.flush();
            InsightsReport report = insights(db, now).analyse(Insights.InsightsWindow.parse("7d"));
            assertEquals(List.of(), report.failedAnalyses());
            assertEquals(List.of(), report.findings().stream().map(Finding::title).toList());
            assertEquals(0, report.openSavingsPerMonthUsd().signum());
        }
    }

    @Test
    void should_refuse_a_window_it_cannot_read_naming_the_field() {
        for (String bad : List.of("0d", "91d", "2161h", "7", "d7", "7w", "-1d", "1e3h", "७d")) {
            var e = org.junit.jupiter.api.Assertions.assertThrows(dev.chatlog.core.InvalidDefinitionException.class, () -> Insights.InsightsWindow.parse(bad));
            assertEquals("window", e.field(), bad);
        }
        assertEquals(Duration.ofHours(24), Insights.InsightsWindow.parse("24h").length());
        assertEquals(Duration.ofDays(30), Insights.InsightsWindow.parse("30d").length());
        assertEquals(Kind.values().length, java.util.Arrays.stream(Kind.values()).map(Kind::label).distinct().count());
    }
}
