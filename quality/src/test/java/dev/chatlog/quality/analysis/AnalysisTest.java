package dev.chatlog.quality.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.core.CallType;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.LlmCall;
import dev.chatlog.core.MessageTurn;
import dev.chatlog.core.score.Score;
import dev.chatlog.core.score.ScoreDefinition;
import dev.chatlog.quality.Scores;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.chatlog.sql.TestDatabase;
import dev.chatlog.sql.rollup.Dimension;
import dev.chatlog.sql.score.ScoreDefinitions;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Agreement, trends and bands read from a real MariaDB the logger filled, on data whose answer is known. */
class AnalysisTest {
    private static Database db;
    private static ChatLogger logger;

    @BeforeAll
    static void start() {
        db = TestDatabase.freshDatabase();
        logger = ChatLogger.builder(new JdbcChatLogStore(db.jdbi())).build();
    }

    @AfterAll
    static void stop() {
        logger.close();
        db.close();
    }

    private static LlmCall call(String model, Instant at, double ms, boolean ok, int tokens) {
        return LlmCall.builder().callId(dev.chatlog.core.Ids.newId()).callType(CallType.CHAT).model(model).startedAt(at).durationMs(ms)
                .inputTokens(tokens).outputTokens(0).success(ok).build();
    }

    @Test
    void should_find_the_textbook_kappa_between_a_judge_and_people() {
        // Cohen's kappa's worked example (Wikipedia, "Cohen's kappa", example 1): 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no -> 0.4
        new ScoreDefinitions(db.jdbi(), Clock.systemUTC()).put(new ScoreDefinition("solved", ScoreDefinition.Type.BOOLEAN, null, null, null, null));
        Scores scores = new Scores(db.jdbi(), Clock.systemUTC());
        int[][] cells = {{1, 1, 20}, {1, 0, 5}, {0, 1, 10}, {0, 0, 15}};
        List<String> messages = new ArrayList<>();
        for (int[] c : cells) {
            for (int i = 0; i < c[2]; i++) {
                try (MessageTurn t = logger.beginMessage("agree-" + messages.size(), "q")) {
                    messages.add(t.messageId());
                    t.output("{}", "a");
                }
            }
        }
        assertTrue(logger.flush(Duration.ofSeconds(20)));
        Instant at = Instant.now();
        int k = 0;
        for (int[] c : cells) {
            for (int i = 0; i < c[2]; i++, k++) {
                String m = messages.get(k);
                scores.record(new Score(Score.Target.MESSAGE, m, "solved", BigDecimal.valueOf(c[0]), null, Score.Source.LLM_JUDGE, "judge", "v1", "v1", null, at));
                // an older person's score first, then the latest: only the latest pairs
                scores.record(new Score(Score.Target.MESSAGE, m, "solved", BigDecimal.valueOf(1 - c[1]), null, Score.Source.HUMAN, "early", null, null, null, at.minusSeconds(60)));
                scores.record(new Score(Score.Target.MESSAGE, m, "solved", BigDecimal.valueOf(c[1]), null, Score.Source.HUMAN, "support", null, null, null, at));
                scores.record(new Score(Score.Target.MESSAGE, m, "solved", BigDecimal.valueOf(c[1]), null, Score.Source.LLM_JUDGE, "judge", "v2", "v2", null, at));
            }
        }
        Map<String, Object> out = new Agreements(db.jdbi(), new ScoreDefinitions(db.jdbi(), Clock.systemUTC()))
                .of("solved", at.minus(1, ChronoUnit.HOURS), at.plus(1, ChronoUnit.HOURS));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> judges = (List<Map<String, Object>>) out.get("judges");
        assertEquals(2, judges.size(), out.toString());
        Map<String, Object> v1 = judges.get(0), v2 = judges.get(1);
        assertEquals("v1", v1.get("evaluator_version"));
        assertEquals(50, v1.get("pairs"));
        @SuppressWarnings("unchecked")
        Map<String, Object> kappa = (Map<String, Object>) v1.get("kappa");
        assertEquals(0.4, (Double) kappa.get("value"), 1e-12, kappa.toString());
        assertEquals(0.7, (Double) kappa.get("observed_agreement"), 1e-12);
        assertEquals(0.5, (Double) kappa.get("chance_agreement"), 1e-12);
        @SuppressWarnings("unchecked")
        List<Double> ci = (List<Double>) kappa.get("ci95");
        assertTrue(ci.get(0) > 0.1 && ci.get(0) < 0.4 && ci.get(1) > 0.4 && ci.get(1) < 0.7, ci.toString());
        @SuppressWarnings("unchecked")
        Map<String, Object> perfect = (Map<String, Object>) v2.get("kappa");
        assertEquals(1.0, (Double) perfect.get("value"), 1e-12, "a judge that says what people say");
    }

    @Test
    void should_measure_scores_given_before_their_definition_was_narrowed_without_failing() {
        Scores scores = new Scores(db.jdbi(), Clock.systemUTC());
        String m;
        try (MessageTurn t = logger.beginMessage("narrowed", "q")) {
            m = t.messageId();
            t.output("{}", "a");
        }
        assertTrue(logger.flush(Duration.ofSeconds(20)));
        Instant at = Instant.now();
        scores.record(new Score(Score.Target.MESSAGE, m, "q", BigDecimal.valueOf(8), null, Score.Source.HUMAN, "p", null, null, null, at));
        scores.record(new Score(Score.Target.MESSAGE, m, "q", BigDecimal.valueOf(9), null, Score.Source.LLM_JUDGE, "j", "v1", "v1", null, at));
        ScoreDefinitions defs = new ScoreDefinitions(db.jdbi(), Clock.systemUTC());
        defs.put(new ScoreDefinition("q", ScoreDefinition.Type.NUMERIC, BigDecimal.ONE, BigDecimal.valueOf(5), null, null)); // 8 and 9 now outside
        Map<String, Object> out = new Agreements(db.jdbi(), defs).of("q", at.minusSeconds(3600), at.plusSeconds(3600));
        @SuppressWarnings("unchecked")
        Map<String, Object> j = ((List<Map<String, Object>>) out.get("judges")).get(0);
        assertEquals(1, j.get("pairs"));
        assertTrue(String.valueOf(j.get("kappa_note")).contains("outside"), j.toString());
    }

    @Test
    void should_call_a_real_improvement_improving_and_noise_stable() {
        LocalDate first = LocalDate.now(ZoneOffset.UTC).minusDays(21);
        for (int d = 0; d < 21; d++) {
            Instant day = first.plusDays(d).atStartOfDay(ZoneOffset.UTC).toInstant().plus(12, ChronoUnit.HOURS);
            for (int i = 0; i < 20; i++) {
                logger.logCall(call("getting-better", day.plusSeconds(i), 100, i >= 10 - d / 2, 10)); // failures 10 -> 0 over three weeks
                // 16 of 20 every day, in a different order each day (noise's false alarms: TrendTest's 20,000 simulated runs)
                logger.logCall(call("steady", day.plusSeconds(i), 100, (i + d) % 5 != 0, 10));
            }
        }
        assertTrue(logger.flush(Duration.ofSeconds(30)));
        Map<String, Object> out = new Trends(db.jdbi()).of(Trends.Measure.parse("success_rate"), Dimension.MODEL, first, first.plusDays(20));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> groups = (List<Map<String, Object>>) out.get("groups");
        Map<String, Map<String, Object>> by = new java.util.HashMap<>();
        groups.forEach(g -> by.put((String) g.get("group"), g));
        assertEquals("improving", by.get("getting-better").get("trend"), by.get("getting-better").toString());
        assertTrue((Double) by.get("getting-better").get("p_value") < 0.001);
        assertEquals(21, by.get("getting-better").get("days"));
        assertEquals("stable", by.get("steady").get("trend"), by.get("steady").toString());
        assertEquals("declining", Trends.verdict(dev.chatlog.quality.stats.Trend.Direction.UP, false), "latency going up is declining");
        java.util.TreeMap<LocalDate, double[]> weekly = new java.util.TreeMap<>();
        for (int w = 0; w < 4; w++) weekly.put(first.plusDays(7L * w), new double[] {w + 1, 1});
        assertEquals(1.0 / 7, Trends.senSlope(weekly), 1e-12, "one a week is a seventh a day, not one a day");
        assertThrows(IllegalArgumentException.class, () -> new Trends(db.jdbi()).of(Trends.Measure.parse("success_rate"), Dimension.USER, first, first.plusDays(20)));
    }

    @Test
    void should_band_work_and_claim_only_the_differences_an_interval_shows() {
        Instant now = Instant.now();
        for (int i = 0; i < 10; i++) {
            logger.logCall(call("fast", now.minusSeconds(i), 800, true, 500));
            logger.logCall(call("slow", now.minusSeconds(i), 25_000, i % 2 == 0, 5_000));
            logger.logCall(call("like-fast", now.minusSeconds(i), 900, i != 3, 600));
        }
        assertTrue(logger.flush(Duration.ofSeconds(20)));
        Map<String, Object> out = new Bands(db.jdbi()).of("model", now.minus(1, ChronoUnit.HOURS), now.plusSeconds(1), Bands.Limits.SEED);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> groups = (List<Map<String, Object>>) out.get("groups");
        Map<String, Map<String, Object>> by = new java.util.HashMap<>();
        groups.forEach(g -> by.put((String) g.get("group"), g));
        Map<String, Object> slow = by.get("slow");
        assertEquals(0.5, (Double) slow.get("success_rate"), 1e-12);
        @SuppressWarnings("unchecked")
        List<Double> wilson = (List<Double>) slow.get("success_ci95");
        assertEquals(0.2366, wilson.get(0), 1e-4, "Wilson 5/10 (Newcombe 1998's method 3)");
        assertEquals(0.7634, wilson.get(1), 1e-4);
        assertEquals(1.0, (Double) ((Map<?, ?>) slow.get("latency")).get("poor"), 1e-12);
        assertEquals(1.0, (Double) ((Map<?, ?>) slow.get("tokens")).get("poor"), 1e-12);
        assertTrue(measures(slow, "weaknesses").containsAll(List.of("success_rate", "latency:poor", "latency:excellent", "tokens:poor")), slow.toString());
        assertTrue(measures(by.get("fast"), "strengths").contains("latency:excellent"), by.get("fast").toString());
        assertTrue(!measures(by.get("fast"), "strengths").contains("success_rate"),
                "10 of 10 against 14 of 20 is not shown to differ at 95%: " + by.get("fast"));
    }

    @SuppressWarnings("unchecked")
    private static List<String> measures(Map<String, Object> group, String key) {
        return ((List<Map<String, Object>>) group.get(key)).stream().map(m -> (String) m.get("measure")).toList();
    }
}
