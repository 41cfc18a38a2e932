package dev.chatlog.insights;

import static dev.chatlog.insights.PlantedLog.meta;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.core.CallType;
import dev.chatlog.core.LlmCall;
import dev.chatlog.core.TokenSource;
import dev.chatlog.insights.Finding.Kind;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.TestDatabase;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The edges a review found: each case plants its rows in a schema of its own and reads one analysis. */
class InsightsEdgesTest {
    private static Database db;

    @BeforeAll
    static void start() {
        db = TestDatabase.freshDatabase();
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    private static String id() {
        return UUID.randomUUID().toString();
    }

    /** The findings of the last 7 days among rows whose function names start with {@code prefix}. */
    private static List<Finding> findings(Instant now, String prefix) {
        InsightsReport r = new Insights(db.jdbi(), PlantedLog.PRICES, InsightsSettings.defaults(), List::of, Clock.fixed(now, ZoneOffset.UTC))
                .analyse(Insights.InsightsWindow.parse("7d"));
        assertEquals(List.of(), r.failedAnalyses());
        return r.findings().stream().filter(f -> f.subject().value().startsWith(prefix)).toList();
    }

    @Test
    void should_not_suggest_a_cheaper_model_whose_success_rate_is_significantly_worse_and_should_when_it_is_better() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        try (PlantedLog log = new PlantedLog(db.jdbi(), now)) {
            for (int i = 0; i < 300; i++) {
                Instant at = now.minus(Duration.ofDays(5)).plus(Duration.ofMinutes(i * 10L));
                log.log(log.call("worse-fn", "gpt-4o", id(), id(), at, 1_000, 200)); // always succeeds
                log.log(log.call("worse-fn", "gpt-4o-mini", id(), id(), at.plusSeconds(1), 1_000, 200).success(i % 2 == 0)); // half fail
                log.log(log.call("better-fn", "gpt-4o", id(), id(), at, 1_000, 200).success(i % 2 == 0)); // half fail
                log.log(log.call("better-fn", "gpt-4o-mini", id(), id(), at.plusSeconds(1), 1_000, 200));
            }
            log.flush();
        }
        List<Finding> found = findings(now, "worse-fn");
        assertEquals(List.of(), found.stream().map(Finding::title).toList(), "a cheaper model that fails half the time is no candidate");
        List<Finding> better = findings(now, "better-fn");
        assertEquals(1, better.size(), better.toString());
        assertEquals(Kind.CHEAPER_MODEL, better.get(0).kind());
    }

    @Test
    void should_report_a_prompt_cache_hit_ratio_that_falls_and_not_one_that_rises() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Instant start = now.minus(Duration.ofDays(7)).plusSeconds(60);
        try (PlantedLog log = new PlantedLog(db.jdbi(), now)) {
            for (int i = 0; i < 400; i++) { // the first half of the window, then the second
                boolean second = i >= 200;
                Instant at = start.plus(Duration.ofMinutes(second ? 5_100 + (i - 200) * 20L : i * 20L));
                boolean fallingHit = second ? i % 10 < 6 : i % 20 != 0; // 95% then 60%
                boolean risingHit = second ? i % 20 != 0 : i % 10 < 6; // 60% then 95%
                log.log(log.call("falling-fn", "gpt-4o-mini", id(), id(), at, 3_200, 50).cachedInputTokens(fallingHit ? 3_000 : 0)
                        .metadata(meta("request_hash", id(), "prefix_hash", "p-falling", "prefix_tokens", 3_000)));
                log.log(log.call("rising-fn", "gpt-4o-mini", id(), id(), at, 3_200, 50).cachedInputTokens(risingHit ? 3_000 : 0)
                        .metadata(meta("request_hash", id(), "prefix_hash", "p-rising", "prefix_tokens", 3_000)));
            }
            log.flush();
        }
        List<Finding> falling = findings(now, "falling-fn");
        assertEquals(List.of(Kind.PROMPT_CACHE_FALLING), falling.stream().map(Finding::kind).toList(), falling.toString());
        assertTrue(falling.get(0).savingPerMonthUsd().signum() > 0, falling.toString());
        assertEquals(List.of(), findings(now, "rising-fn").stream().map(Finding::title).toList());
    }

    @Test
    void should_find_a_retry_storm_whose_request_is_sent_again_later() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Instant at = now.minus(Duration.ofDays(3));
        try (PlantedLog log = new PlantedLog(db.jdbi(), now)) {
            String hash = id(), conv = id(), msg = id();
            for (int i = 0; i < 6; i++) {
                log.log(log.call("storm-fn", "gpt-4o-mini", conv, msg, at.plusSeconds(i * 10L), 400, 0).metadata(meta("request_hash", hash))
                        .success(false).errorType("dev.langchain4j.exception.RateLimitException").errorMessage("429").finishReason("error"));
            }
            log.log(log.call("storm-fn", "gpt-4o-mini", id(), id(), at.plus(Duration.ofHours(1)), 400, 20).metadata(meta("request_hash", hash)));
            log.flush();
        }
        List<Finding> found = findings(now, "storm-fn");
        assertEquals(List.of(Kind.RETRY_STORM), found.stream().map(Finding::kind).toList(), found.toString());
        assertEquals(6L, ((Number) found.get(0).detail().get("failed_attempts")).longValue());
    }

    @Test
    void should_not_take_a_request_sent_every_minute_and_failing_now_and_then_for_a_storm() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Instant start = now.minus(Duration.ofDays(2));
        try (PlantedLog log = new PlantedLog(db.jdbi(), now)) {
            String hash = id();
            for (int i = 0; i < 600; i++) { // a fixed prompt every minute for ten hours; three of its calls fail, hours apart
                boolean fails = i == 60 || i == 300 || i == 540;
                var b = log.call("steady-fn", "gpt-4o-mini", id(), id(), start.plus(Duration.ofMinutes(i)), 400, fails ? 0 : 20).metadata(meta("request_hash", hash));
                if (fails) b.success(false).errorType("dev.langchain4j.exception.RateLimitException").errorMessage("429").finishReason("error");
                log.log(b);
            }
            log.flush();
        }
        assertEquals(List.of(), findings(now, "steady-fn").stream().filter(f -> f.kind() == Kind.RETRY_STORM).map(Finding::title).toList());
    }

    @Test
    void should_not_take_tool_calls_whose_arguments_were_not_kept_for_a_loop() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        try (PlantedLog log = new PlantedLog(db.jdbi(), now)) {
            String conv = id(), msg = id();
            for (int k = 0; k < 4; k++) {
                log.log(LlmCall.builder().callId(id()).callType(CallType.TOOL).conversationId(conv).messageId(msg).functionName("forgotten-tool")
                        .startedAt(now.minus(Duration.ofDays(2)).plusSeconds(k)).durationMs(10).inputTokens(0).outputTokens(0)
                        .tokenSource(TokenSource.PROVIDER).success(true)); // arguments not stored (capture off, or erased by retention)
            }
            log.flush();
        }
        assertEquals(List.of(), findings(now, "forgotten-tool").stream().map(Finding::title).toList());
    }

    @Test
    void should_give_every_finding_its_own_key() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        try (PlantedLog log = new PlantedLog(db.jdbi(), now)) {
            for (int i = 0; i < 20; i++) { // 'keyed' repeats requests within turns and across conversations
                String conv = id(), msg = id(), hash = id();
                Instant at = now.minus(Duration.ofDays(1)).plus(Duration.ofMinutes(i * 5L));
                log.log(log.call("keyed", "gpt-4o-mini", conv, msg, at, 500, 20).metadata(meta("request_hash", hash)));
                log.log(log.call("keyed", "gpt-4o-mini", conv, msg, at.plusSeconds(1), 500, 20).metadata(meta("request_hash", hash)));
                log.log(log.call("keyed", "gpt-4o-mini", id(), id(), at.plusSeconds(2), 500, 20).metadata(meta("request_hash", hash)));
            }
            log.flush();
        }
        List<Finding> found = findings(now, "keyed");
        assertEquals(2, found.size(), found.toString());
        assertEquals(2, found.stream().map(Finding::key).distinct().count(), found.stream().map(Finding::key).toList().toString());
        assertNull(InsightObservations.of(null, dev.chatlog.alerts.AlertRules.defaults().stream().filter(r -> r.name().equals("insights")).findFirst().orElseThrow()),
                "no report yet: nothing known, not every finding resolved");
    }
}
