package dev.chatlog.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatlog.core.Batch;
import dev.chatlog.core.LlmCall;
import dev.chatlog.core.score.Score;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.chatlog.sql.TestDatabase;
import dev.chatlog.sql.score.ScoreRows;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** quality_drop on scores stored through the store: a real drop alerts, the same scores again do not, a floor alerts on its own. */
class QualityDropTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T0 = Instant.parse("2026-12-02T10:30:20Z");
    private static Database db;
    private static JdbcChatLogStore store;
    private final AlertEngineTest.MutableClock clock = new AlertEngineTest.MutableClock(T0);
    private static int seq; // call ids unique across the tests of the class: a stored id is not stored again

    @BeforeAll
    static void start() {
        db = TestDatabase.freshDatabase();
        store = new JdbcChatLogStore(db.jdbi());
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    @BeforeEach
    void clean() {
        db.jdbi().useHandle(h -> {
            for (String t : List.of("chatbot_alert_rules", "chatbot_alert_states", "chatbot_alert_outbox", "chatbot_scores", "chatbot_score_rollup")) {
                h.execute("DELETE FROM " + t);
            }
        });
    }

    /** {@code values} as helpfulness scores on calls of {@code model} made at {@code at}. */
    private void scores(String model, Instant at, int... values) throws Exception {
        List<LlmCall> calls = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            calls.add(LlmCall.builder().conversationId("q-" + seq % 5).messageId("qm" + seq).callId("qc" + ++seq).model(model)
                    .inputTokens(10).outputTokens(5).durationMs(100).success(true).startedAt(at.plusMillis(i)).build());
        }
        store.write(new Batch(calls, List.of()));
        for (int i = 0; i < values.length; i++) {
            Score s = new Score(Score.Target.CALL, calls.get(i).callId(), "helpfulness", BigDecimal.valueOf(values[i]), null, Score.Source.LLM_JUDGE,
                    "judge", "v1", "v1", null, at);
            db.jdbi().useHandle(h -> ScoreRows.upsert(h, s, at));
        }
    }

    private static int[] repeat(int n, int... pattern) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = pattern[i % pattern.length];
        return out;
    }

    private AlertEngine engine() {
        return AlertEngine.builder(db.jdbi()).channels(List.of("log")).clock(clock).dashboardUrl("http://chatlog.test").build();
    }

    @Test
    void should_alert_on_a_real_drop_and_not_on_the_same_scores_again() throws Exception {
        AlertEngine e = engine();
        e.rules().put(AlertRuleParser.parse("helpfulness", JSON.readTree(
                "{\"kind\": \"quality_drop\", \"metric\": \"helpfulness\", \"by\": \"model\", \"window\": \"24h\", \"alert_above\": 0.5, \"warn_above\": 0.2}")));
        // a week of 4s and 5s on both models; today: dropping to 2s and 3s on one, as before on the other
        scores("dropping", T0.minus(Duration.ofDays(3)), repeat(40, 4, 5, 4));
        scores("steady", T0.minus(Duration.ofDays(3)), repeat(40, 4, 5, 4));
        scores("dropping", T0.minusSeconds(600), repeat(20, 2, 3, 3));
        scores("steady", T0.minusSeconds(600), repeat(20, 4, 5, 4));
        List<AlertEngine.Transition> t = e.evaluate();
        assertEquals(1, t.size(), t.toString());
        assertEquals("dropping", t.get(0).subject());
        assertEquals(AlertState.ALERT, t.get(0).to());
        String body = db.jdbi().withHandle(h -> h.createQuery("SELECT body FROM chatbot_alert_outbox").mapTo(String.class).one());
        assertTrue(body.contains("average helpfulness of model dropping is 2.6"), body);
        assertTrue(body.contains("below its 4.3"), body);
        assertTrue(body.contains("average helpfulness 2."), "the lowest-scored conversations to read first: " + body);
    }

    @Test
    void should_not_call_a_small_noisy_dip_a_drop() throws Exception {
        AlertEngine e = engine();
        e.rules().put(AlertRuleParser.parse("helpfulness", JSON.readTree(
                "{\"kind\": \"quality_drop\", \"metric\": \"helpfulness\", \"window\": \"24h\", \"alert_above\": 0.1, \"min_calls\": 3}")));
        scores("m", T0.minus(Duration.ofDays(2)), 1, 5, 3, 5, 1, 4); // baseline 3.17, spread wide
        scores("m", T0.minusSeconds(600), 5, 1, 3); // 3.0: lower, by noise
        assertEquals(List.of(), e.evaluate(), "a dip of 0.17 on six and three widely spread scores is no evidence");
        String state = db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM chatbot_score_rollup WHERE granularity = 'h' AND dimension = 'all' "
                + "AND name = 'helpfulness'").mapTo(String.class).one());
        assertEquals("2", state, "both hours' scores are there to compare (the quiet is the test's, not a missing figure)");
    }

    @Test
    void should_call_a_collapse_with_no_spread_a_drop_and_read_past_emptied_rollup_rows() throws Exception {
        AlertEngine e = engine();
        e.rules().put(AlertRuleParser.parse("thumbs", JSON.readTree(
                "{\"kind\": \"quality_drop\", \"metric\": \"helpfulness\", \"by\": \"model\", \"window\": \"24h\", \"alert_above\": 0.5}")));
        scores("always-five", T0.minus(Duration.ofDays(2)), repeat(20, 5));
        scores("always-five", T0.minusSeconds(600), repeat(20, 1)); // every score 5, then every score 1: no spread on either side
        // a model whose window's scores were all erased: its rollup rows are left at zero scores
        scores("erased", T0.minusSeconds(900), 3, 3, 3);
        db.jdbi().useHandle(h -> h.execute("UPDATE chatbot_score_rollup SET scores = 0, value_sum = 0, value_sq_sum = 0 WHERE dim_value = 'erased'"));
        List<AlertEngine.Transition> t = e.evaluate();
        assertEquals(1, t.size(), t.toString());
        assertEquals("always-five", t.get(0).subject());
        assertEquals(AlertState.ALERT, t.get(0).to());
    }

    @Test
    void should_alert_below_a_floor_and_refuse_a_bad_rule_naming_the_field() throws Exception {
        AlertEngine e = engine();
        e.rules().put(AlertRuleParser.parse("floor", JSON.readTree(
                "{\"kind\": \"quality_drop\", \"metric\": \"helpfulness\", \"window\": \"6h\", \"alert_below\": 3.5, \"min_calls\": 5}")));
        scores("m", T0.minusSeconds(600), 3, 3, 4, 3, 3);
        List<AlertEngine.Transition> t = e.evaluate();
        assertEquals(1, t.size(), t.toString());
        assertEquals(AlertState.ALERT, t.get(0).to());
        for (String[] bad : List.of(new String[] {"{\"kind\": \"quality_drop\", \"alert_above\": 1}", "metric"},
                new String[] {"{\"kind\": \"quality_drop\", \"metric\": \"helpfulness\"}", "alert_above"},
                new String[] {"{\"kind\": \"quality_drop\", \"metric\": \"helpfulness\", \"alert_below\": 3, \"window\": \"5m\"}", "window"},
                new String[] {"{\"kind\": \"quality_drop\", \"metric\": \"helpfulness\", \"alert_below\": 3, \"by\": \"tool\"}", "by"},
                new String[] {"{\"kind\": \"slow_calls\", \"alert_above\": 100, \"alert_below\": 3}", "alert_below"})) {
            AlertRule.Invalid x = assertThrows(AlertRule.Invalid.class, () -> AlertRuleParser.parse("bad", JSON.readTree(bad[0])), bad[0]);
            assertEquals(bad[1], x.field(), bad[0] + ": " + x.getMessage());
        }
        Map<String, Object> back = AlertRuleParser.parse("floor", JSON.readTree(JSON.writeValueAsString(
                AlertRuleParser.parse("floor", JSON.readTree("{\"kind\": \"quality_drop\", \"metric\": \"helpfulness\", \"alert_below\": 3.5}")).definition())))
                .definition();
        assertEquals(new BigDecimal("3.5"), back.get("alert_below"), "the definition reads back: " + back);
    }
}
