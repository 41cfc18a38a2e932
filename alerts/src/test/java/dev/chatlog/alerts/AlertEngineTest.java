package dev.chatlog.alerts;

import dev.chatlog.sql.Utc;

import dev.chatlog.alerts.AlertDispatcher;
import dev.chatlog.alerts.AlertOutbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatlog.core.Batch;
import dev.chatlog.core.LlmCall;
import dev.chatlog.alerts.channel.AlertChannel;
import dev.chatlog.alerts.AlertRule;
import dev.chatlog.alerts.AlertRuleParser;
import dev.chatlog.alerts.AlertState;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.chatlog.sql.TestDatabase;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Rules evaluated on the real database from the minute rollups: states, not noise; each change notified once. */
class AlertEngineTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T0 = Instant.parse("2026-12-02T10:30:20Z");
    private static Database db;
    private static JdbcChatLogStore store;
    private final MutableClock clock = new MutableClock(T0);
    private int seq;

    static final class MutableClock extends Clock {
        volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

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
            for (String t : List.of("chatbot_alert_rules", "chatbot_alert_states", "chatbot_alert_outbox", "chatbot_alert_channels", "chatbot_llm_calls",
                    "chatbot_usage_rollup", "chatbot_user_daily", "chatbot_conversation_summary")) {
                h.execute("DELETE FROM " + t);
            }
        });
    }

    private static AlertRule rule(String name, String json) throws Exception {
        return AlertRuleParser.parse(name, JSON.readTree(json));
    }

    private AlertEngine engine() {
        return AlertEngine.builder(db.jdbi()).channels(List.of("log", "webhook")).clock(clock).dashboardUrl("http://chatlog.test").build();
    }

    private void calls(int n, String model, double ms, boolean ok, String cost, Instant at) throws Exception {
        List<LlmCall> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            seq++;
            out.add(LlmCall.builder().conversationId("conv-" + seq % 7).messageId("m" + seq).callId("c" + seq).model(model)
                    .inputTokens(100).outputTokens(50).priced(cost != null).costEstimate(cost == null ? null : new BigDecimal(cost))
                    .durationMs(ms).success(ok).errorType(ok ? null : "HttpException").startedAt(at.plusMillis(i)).build());
        }
        store.write(new Batch(out, List.of()));
    }

    private static List<Map<String, Object>> outbox() {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT notification_key, channel, state, status, body FROM chatbot_alert_outbox ORDER BY id")
                .mapToMap().list());
    }

    @Test
    void should_fire_a_slow_call_rule_once_stay_quiet_while_it_holds_and_resolve_when_it_clears() throws Exception {
        AlertEngine one = engine();
        AlertEngine two = engine(); // a second instance on the same database
        one.rules().put(rule("slow", "{\"kind\": \"slow_calls\", \"by\": \"model\", \"window\": \"5m\", \"alert_above\": 8000, \"warn_above\": 5000}"));
        calls(3, "gpt-4o", 1200, true, "0.001", T0.minusSeconds(30));
        assertTrue(one.evaluate().isEmpty(), "fast calls: nothing to say");
        calls(1, "gpt-4o", 9120, true, "0.004", T0.minusSeconds(10));
        calls(2, "gpt-4o-mini", 300, true, "0.0001", T0.minusSeconds(10));
        List<AlertEngine.Transition> fired = new ArrayList<>(one.evaluate());
        fired.addAll(two.evaluate());
        assertEquals(1, fired.size(), "one change, written by one instance: " + fired);
        assertEquals(AlertState.ALERT, fired.get(0).to());
        assertEquals("gpt-4o", fired.get(0).subject());
        assertEquals(0, new BigDecimal("9120").compareTo(fired.get(0).value()));
        List<Map<String, Object>> rows = outbox();
        assertEquals(2, rows.size(), "one row per channel: " + rows);
        assertEquals(rows.get(0).get("notification_key"), rows.get(1).get("notification_key"), "one idempotency key for both channels");
        JsonNode body = JSON.readTree((String) rows.get(0).get("body"));
        assertEquals("ALERT", body.get("state").asText());
        assertEquals("gpt-4o", body.at("/subject/value").asText());
        assertEquals("c" + 4, body.at("/causes/0/call_id").asText(), "the slow call is named: " + body);
        assertTrue(body.at("/causes/0/link").asText().startsWith("http://chatlog.test/dashboard#conversation="), body.toString());
        assertTrue(body.get("summary").asText().contains("9120 ms"), body.get("summary").asText());

        for (int i = 0; i < 3; i++) { // the condition holds: quiet
            clock.advance(Duration.ofSeconds(30));
            calls(1, "gpt-4o", 9500, true, "0.004", clock.instant());
            assertTrue(one.evaluate().isEmpty());
            assertTrue(two.evaluate().isEmpty());
        }
        assertEquals(2, outbox().size());
        clock.advance(Duration.ofMinutes(6)); // no slow call in the window any more
        List<AlertEngine.Transition> resolved = new ArrayList<>(two.evaluate());
        resolved.addAll(one.evaluate());
        assertEquals(1, resolved.size(), resolved.toString());
        assertEquals(AlertState.OK, resolved.get(0).to());
        assertTrue(resolved.get(0).notified());
        rows = outbox();
        assertEquals(4, rows.size());
        assertEquals("RESOLVED", rows.get(3).get("state"));
        assertTrue(JSON.readTree((String) rows.get(3).get("body")).get("resolved").asBoolean());
    }

    @Test
    void should_alert_on_a_slow_pipeline_stage_and_name_the_turns_behind_it() throws Exception {
        AlertEngine engine = engine();
        engine.rules().put(rule("slow-tts", "{\"kind\": \"slow_calls\", \"by\": \"step\", \"match\": \"stage:tts\", \"stat\": \"p95\","
                + " \"window\": \"5m\", \"alert_above\": 2000}"));
        List<LlmCall> rows = new ArrayList<>();
        for (int i = 0; i < 20; i++) { // tts mostly 600 ms, two at 4.5 s; stt always fast
            rows.add(LlmCall.builder().conversationId("voice-" + i).messageId("m" + i).callId("tts" + i).callType(dev.chatlog.core.CallType.STAGE)
                    .functionName("tts").durationMs(i < 2 ? 4_500 : 600).inputTokens(0).outputTokens(0).startedAt(T0.minusSeconds(60 - i)).build());
            rows.add(LlmCall.builder().conversationId("voice-" + i).messageId("m" + i).callId("stt" + i).callType(dev.chatlog.core.CallType.STAGE)
                    .functionName("stt").durationMs(300).inputTokens(0).outputTokens(0).startedAt(T0.minusSeconds(60 - i)).build());
        }
        store.write(new Batch(rows, List.of()));
        List<AlertEngine.Transition> fired = engine.evaluate();
        assertEquals(1, fired.size(), fired.toString());
        assertEquals("stage:tts", fired.get(0).subject());
        assertEquals(AlertState.ALERT, fired.get(0).to());
        assertTrue(fired.get(0).value().compareTo(new BigDecimal("2000")) > 0, "p95 of 20 with 2 at 4.5 s: " + fired.get(0).value());
        JsonNode body = JSON.readTree((String) outbox().get(0).get("body"));
        assertTrue(body.at("/causes/0/call_id").asText().matches("tts[01]"), "the slow stage rows are named: " + body);
        assertThrows(AlertRule.Invalid.class, () -> rule("bad", "{\"kind\": \"slow_calls\", \"by\": \"step\", \"metric\": \"ttft\","
                + " \"alert_above\": 1}"), "a stage has no first token");
    }

    @Test
    void should_alert_when_a_cache_misses_more_than_its_target_allows_once_it_has_enough_lookups() throws Exception {
        AlertEngine engine = engine();
        // a 40% hit-rate target: alert above a 0.6 miss rate, with 10 lookups at least
        engine.rules().put(rule("responses-cache", "{\"kind\": \"cache_miss_rate\", \"match\": \"responses\", \"window\": \"5m\","
                + " \"alert_above\": 0.6, \"min_calls\": 10}"));
        List<LlmCall> rows = new ArrayList<>();
        for (int i = 0; i < 9; i++) rows.add(lookup("responses", i < 1, T0.minusSeconds(50 - i)));  // 8 of 9 missed: too few lookups
        rows.add(lookup("audio", false, T0.minusSeconds(40)));                                       // another cache: not this rule's
        store.write(new Batch(rows, List.of()));
        assertTrue(engine.evaluate().isEmpty(), "9 lookups: below min_calls");
        store.write(new Batch(List.of(lookup("responses", false, T0.minusSeconds(5))), List.of())); // the 10th: 9 of 10 missed
        List<AlertEngine.Transition> fired = engine.evaluate();
        assertEquals(1, fired.size(), fired.toString());
        assertEquals("responses", fired.get(0).subject());
        assertEquals(0, new BigDecimal("0.9").compareTo(fired.get(0).value()));
        JsonNode body = JSON.readTree((String) outbox().get(0).get("body"));
        assertTrue(body.get("summary").asText().startsWith("miss rate of cache responses is 90"), body.get("summary").asText());
        assertTrue(body.at("/causes/0/call_id").asText().startsWith("lookup-responses"), body.toString());
        assertThrows(AlertRule.Invalid.class, () -> rule("bad", "{\"kind\": \"cache_miss_rate\", \"alert_above\": 60}"),
                "a miss rate is a fraction");
    }

    @Test
    void should_alert_on_the_failures_of_one_error_category_with_what_to_do() throws Exception {
        AlertEngine engine = engine();
        engine.rules().put(rule("rate-limits", "{\"kind\": \"error_category\", \"match\": \"rate_limited\", \"window\": \"5m\","
                + " \"alert_above\": 2}"));
        engine.rules().put(rule("any-errors", "{\"kind\": \"error_category\", \"window\": \"5m\", \"alert_above\": 0, \"channels\": [\"log\"]}"));
        List<LlmCall> rows = new ArrayList<>();
        for (int i = 0; i < 3; i++) rows.add(failed("dev.langchain4j.exception.RateLimitException", null, T0.minusSeconds(30 - i)));
        rows.add(failed("dev.langchain4j.exception.HttpException", 401, T0.minusSeconds(20)));
        rows.add(failed("dev.langchain4j.exception.RateLimitException", null, T0.minusSeconds(900))); // before the window
        LlmCall agent = failed("dev.langchain4j.exception.RateLimitException", null, T0.minusSeconds(10));
        rows.add(agent.toBuilder().callType(dev.chatlog.core.CallType.AGENT).agent("Desk").build()); // its call's failure, not another
        store.write(new Batch(rows, List.of()));
        List<AlertEngine.Transition> fired = engine.evaluate();
        List<String> subjects = fired.stream().map(t -> t.rule() + "/" + t.subject() + "=" + t.value()).sorted().toList();
        assertEquals(List.of("any-errors/authentication=1", "any-errors/rate_limited=3", "rate-limits/rate_limited=3"), subjects);
        JsonNode body = outbox().stream().map(o -> { try { return JSON.readTree((String) o.get("body")); } catch (Exception e) { throw new RuntimeException(e); } })
                .filter(b -> b.get("rule").asText().equals("rate-limits")).findFirst().orElseThrow();
        assertTrue(body.get("summary").asText().startsWith("3 call(s) failed as rate_limited over the last 5m"), body.get("summary").asText());
        assertTrue(body.get("summary").asText().contains("Back off"), "the category's suggestion");
        assertTrue(body.at("/causes/0/call_id").asText().startsWith("failed-"), body.toString());
        AlertRule.Invalid bad = assertThrows(AlertRule.Invalid.class,
                () -> rule("bad", "{\"kind\": \"error_category\", \"match\": \"slow\", \"alert_above\": 1}"));
        assertEquals("match", bad.field());
        assertEquals("min_calls", assertThrows(AlertRule.Invalid.class,
                () -> rule("bad", "{\"kind\": \"error_category\", \"min_calls\": 5, \"alert_above\": 1}")).field());
        assertEquals("alert_above", assertThrows(AlertRule.Invalid.class,
                () -> rule("bad", "{\"kind\": \"error_category\", \"alert_above\": 0.5}")).field());
    }

    private LlmCall failed(String errorType, Integer status, Instant at) {
        seq++;
        return LlmCall.builder().conversationId("conv-" + seq).messageId("m" + seq).callId("failed-" + seq).model("gpt-4o")
                .callType(dev.chatlog.core.CallType.CHAT).success(false).errorType(errorType).errorMessage("refused")
                .metadata(status == null ? Map.of() : Map.of("http_status", status))
                .inputTokens(10).outputTokens(0).durationMs(5).startedAt(at).build();
    }

    private LlmCall lookup(String cache, boolean hit, Instant at) {
        seq++;
        return LlmCall.builder().conversationId("conv-" + seq).messageId("m" + seq).callId("lookup-" + cache + "-" + seq)
                .callType(dev.chatlog.core.CallType.CACHE).functionName(cache).finishReason(hit ? "hit" : "miss")
                .inputTokens(0).outputTokens(0).durationMs(1).startedAt(at).build();
    }

    @Test
    void should_warn_before_it_alerts_and_not_notify_a_flap_within_the_suppress_time() throws Exception {
        AlertEngine e = engine();
        e.rules().put(rule("slow", "{\"kind\": \"slow_calls\", \"window\": \"1m\", \"alert_above\": 8000, \"warn_above\": 5000, \"suppress\": \"30m\"}"));
        calls(1, "gpt-4o", 6000, true, "0.001", T0);
        assertEquals(AlertState.WARNING, e.evaluate().get(0).to());
        calls(1, "gpt-4o", 8500, true, "0.001", T0);
        AlertEngine.Transition up = e.evaluate().get(0);
        assertEquals(AlertState.ALERT, up.to());
        assertTrue(up.notified(), "an escalation is news");
        clock.advance(Duration.ofMinutes(2));
        AlertEngine.Transition down = e.evaluate().get(0);
        assertEquals(AlertState.OK, down.to());
        assertTrue(down.notified());
        calls(1, "gpt-4o", 9000, true, "0.001", clock.instant());
        AlertEngine.Transition again = e.evaluate().get(0);
        assertEquals(AlertState.ALERT, again.to());
        assertFalse(again.notified(), "the same alert 2 minutes later is a flap: suppressed");
        clock.advance(Duration.ofMinutes(2));
        AlertEngine.Transition clear = e.evaluate().get(0);
        assertFalse(clear.notified(), "its recovery is not news either");
        assertEquals(6, outbox().size(), "warning, alert, resolved on two channels");
    }

    @Test
    void should_not_alert_on_one_failure_of_two_calls_but_on_a_real_failure_rate() throws Exception {
        AlertEngine e = engine();
        e.rules().put(rule("failures", "{\"kind\": \"failure_rate\", \"by\": \"model\", \"window\": \"10m\", \"alert_above\": 0.2, \"min_calls\": 10}"));
        calls(1, "gpt-4o", 500, true, "0.001", T0.minusSeconds(60));
        calls(1, "gpt-4o", 500, false, null, T0.minusSeconds(50));
        assertTrue(e.evaluate().isEmpty(), "50% of 2 calls is no evidence");
        calls(8, "gpt-4o", 500, true, "0.001", T0.minusSeconds(40));
        calls(4, "gpt-4o", 500, false, null, T0.minusSeconds(30));
        List<AlertEngine.Transition> t = e.evaluate();
        assertEquals(1, t.size());
        assertEquals(AlertState.ALERT, t.get(0).to());
        assertEquals(0, new BigDecimal("0.3571").compareTo(t.get(0).value()), "5 of 14: " + t.get(0).value());
        JsonNode body = JSON.readTree((String) outbox().get(0).get("body"));
        assertEquals("HttpException", body.at("/causes/0/error_type").asText(), "the failed calls are named");
    }

    @Test
    void should_alert_on_a_real_cost_spike_and_not_on_a_steady_high_load() throws Exception {
        AlertEngine e = engine();
        e.rules().put(rule("spike", "{\"kind\": \"cost_spike\", \"window\": \"1h\", \"baseline\": \"6h\", \"alert_above\": 3, \"min_calls\": 20}"));
        // a steady high load: 60 calls of $0.01 every hour for 7 hours
        for (int h = 6; h >= 0; h--) calls(60, "gpt-4o", 400, true, "0.01", T0.minus(Duration.ofHours(h)).minusSeconds(600));
        assertTrue(e.evaluate().isEmpty(), "steady: the window costs what the baseline's windows cost");
        // now ten times the spend in the window
        calls(540, "gpt-4o", 400, true, "0.01", T0.minusSeconds(120));
        List<AlertEngine.Transition> t = e.evaluate();
        assertEquals(1, t.size(), t.toString());
        assertEquals(AlertState.ALERT, t.get(0).to());
        assertTrue(t.get(0).value().compareTo(BigDecimal.valueOf(9)) > 0, "10x: " + t.get(0).value());
        JsonNode body = JSON.readTree((String) outbox().get(0).get("body"));
        assertEquals("conversation", body.at("/causes/0/type").asText(), "the conversations that spent it: " + body);
    }

    @Test
    void should_need_a_baseline_with_enough_calls_before_calling_anything_a_spike() throws Exception {
        AlertEngine e = engine();
        e.rules().put(rule("spike", "{\"kind\": \"cost_spike\", \"window\": \"1h\", \"baseline\": \"6h\", \"min_calls\": 20}"));
        calls(3, "gpt-4o", 400, true, "0.01", T0.minus(Duration.ofHours(3)));
        calls(200, "gpt-4o", 400, true, "0.01", T0.minusSeconds(60));
        assertTrue(e.evaluate().isEmpty(), "3 calls in the baseline are no baseline");
    }

    /** A channel failing its first {@code failures} sends. */
    static final class Flaky implements AlertChannel {
        final AtomicInteger failures;
        final List<String> keys = new ArrayList<>();

        Flaky(int failures) {
            this.failures = new AtomicInteger(failures);
        }

        @Override
        public String name() {
            return "webhook";
        }

        @Override
        public void send(Outgoing n) {
            if (failures.getAndDecrement() > 0) throw new IllegalStateException("receiver down");
            keys.add(n.key());
        }
    }

    @Test
    void should_retry_with_backoff_until_delivered_and_deliver_each_row_once() throws Exception {
        AlertEngine e = engine();
        e.rules().put(rule("slow", "{\"kind\": \"slow_calls\", \"window\": \"1m\", \"alert_above\": 100}"));
        calls(1, "gpt-4o", 900, true, "0.001", T0);
        e.evaluate();
        Flaky hook = new Flaky(3);
        List<String> logged = new ArrayList<>();
        AlertChannel log = new AlertChannel() {
            public String name() {
                return "log";
            }

            public void send(Outgoing n) {
                logged.add(n.key());
            }
        };
        AlertDispatcher d = AlertDispatcher.builder(db.jdbi(), List.of(log, hook)).clock(clock).build();
        AlertDispatcher other = AlertDispatcher.builder(db.jdbi(), List.of(log, hook)).clock(clock).build();
        assertEquals(2, d.runOnce(), "both rows claimed");
        assertEquals(0, other.runOnce(), "nothing due for another instance: the failed one waits 1 s");
        assertEquals(1, logged.size());
        for (int backoff : new int[] {1, 2, 4}) {
            clock.advance(Duration.ofMillis(backoff * 1000L - 1));
            assertEquals(0, d.runOnce() + other.runOnce(), "not before its backoff of " + backoff + " s");
            clock.advance(Duration.ofMillis(1));
            assertEquals(1, d.runOnce() + other.runOnce());
        }
        assertEquals(List.of(logged.get(0)), hook.keys, "delivered once, under the key the log got");
        clock.advance(Duration.ofMinutes(10));
        assertEquals(0, d.runOnce() + other.runOnce(), "delivered rows are done");
        assertEquals(Map.of("delivered", 2L), new AlertOutbox(db.jdbi()).counts().byStatus());
    }

    @Test
    void should_route_a_change_to_the_deployments_channels_whichever_instance_wins_it() throws Exception {
        AlertChannel webhook = new AlertChannel() {
            public String name() {
                return "webhook";
            }

            public void send(Outgoing n) {}
        };
        AlertChannel email = new AlertChannel() {
            public String name() {
                return "email";
            }

            public void send(Outgoing n) {}
        };
        // the server: webhook and e-mail; its sender runs (and says which channels it has)
        AlertDispatcher server = AlertDispatcher.builder(db.jdbi(), List.of(webhook, email)).clock(clock).build();
        server.runOnce();
        // a Spring application with only the log channel wins the change
        AlertEngine springApp = AlertEngine.builder(db.jdbi()).channels(List.of("log")).clock(clock).build();
        springApp.rules().put(rule("slow", "{\"kind\": \"slow_calls\", \"window\": \"1m\", \"alert_above\": 100}"));
        calls(1, "gpt-4o", 900, true, "0.001", T0);
        springApp.evaluate();
        assertEquals(List.of("email", "log", "webhook"), outbox().stream().map(r -> (String) r.get("channel")).sorted().toList(),
                "the change goes to every channel of the deployment, not only the winner's");
        assertEquals(2, server.runOnce(), "the server sends its two");
        server.close();
    }

    @Test
    void should_send_a_claim_left_by_a_crashed_instance_after_its_lease() throws Exception {
        AlertEngine e = engine();
        e.rules().put(rule("slow", "{\"kind\": \"slow_calls\", \"window\": \"1m\", \"alert_above\": 100, \"channels\": [\"webhook\"]}"));
        calls(1, "gpt-4o", 900, true, "0.001", T0);
        e.evaluate();
        // a crash between the claim and the send: the row stays 'sending'
        db.jdbi().useHandle(h -> h.execute("UPDATE chatbot_alert_outbox SET status = 'sending', attempts = 1, next_attempt_at = ?",
                Utc.time(T0.plusSeconds(30))));
        Flaky hook = new Flaky(0);
        AlertDispatcher d = AlertDispatcher.builder(db.jdbi(), List.of(hook)).clock(clock).lease(Duration.ofSeconds(30)).build();
        assertEquals(0, d.runOnce(), "not while the lease holds");
        clock.advance(Duration.ofSeconds(31));
        assertEquals(1, d.runOnce());
        assertEquals(1, hook.keys.size());
    }

    @Test
    void should_gather_low_severity_notifications_into_one_digest() throws Exception {
        AlertEngine e = engine();
        e.rules().put(rule("tokens", "{\"kind\": \"token_usage\", \"severity\": \"info\", \"by\": \"model\", \"window\": \"5m\", "
                + "\"alert_above\": 100, \"digest\": \"1h\", \"channels\": [\"webhook\"]}"));
        calls(1, "gpt-4o", 100, true, "0.001", T0);
        calls(1, "gpt-4o-mini", 100, true, "0.001", T0);
        assertEquals(2, e.evaluate().size());
        Flaky hook = new Flaky(0);
        AlertDispatcher d = AlertDispatcher.builder(db.jdbi(), List.of(hook)).clock(clock).build();
        assertEquals(0, d.runOnce(), "held until the digest time (11:00)");
        clock.now = Instant.parse("2026-12-02T11:00:00Z");
        assertEquals(2, d.runOnce(), "one digest made, then sent");
        assertEquals(1, hook.keys.size());
        assertTrue(hook.keys.get(0).startsWith("digest-"));
        List<Map<String, Object>> rows = outbox();
        assertEquals(3, rows.size());
        JsonNode digest = JSON.readTree((String) rows.get(2).get("body"));
        assertEquals(2, digest.get("notifications").size());
        assertEquals(2, rows.stream().filter(r -> "digested".equals(r.get("status"))).count());
    }

    private static dev.chatlog.core.LoggerStats stats(long dropped, long spoolBytes, long spoolMax) {
        return new dev.chatlog.core.LoggerStats(100, 100 - dropped, dropped, 0, 0, 0, 0, 0, null, 0, 0, spoolBytes, 0, 0, 0, 0, spoolMax,
                0, 0, -1);
    }

    @Test
    void should_alert_on_the_loggers_own_health_and_resolve_when_it_recovers() throws Exception {
        java.util.concurrent.atomic.AtomicReference<dev.chatlog.core.LoggerStats> now = new java.util.concurrent.atomic.AtomicReference<>(stats(0, 0, 1000));
        AlertEngine e = AlertEngine.builder(db.jdbi()).channels(List.of("log")).clock(clock).logger(now::get, "app-1:8080").build();
        AlertEngine other = AlertEngine.builder(db.jdbi()).channels(List.of("log")).clock(clock).logger(() -> stats(0, 0, 1000), "app-2:8080").build();
        e.rules().put(rule("health", "{\"kind\": \"logger_health\", \"window\": \"5m\", \"suppress\": \"0s\"}"));
        assertTrue(e.evaluate().isEmpty());
        now.set(stats(0, 800, 1000)); // spool at 80% of its cap
        AlertEngine.Transition warn = e.evaluate().get(0);
        assertEquals(AlertState.WARNING, warn.to());
        assertEquals("app-1:8080", warn.subject());
        assertTrue(other.evaluate().isEmpty(), "another instance evaluates its own health and leaves app-1's state alone");
        clock.advance(Duration.ofSeconds(30));
        now.set(stats(3, 100, 1000)); // three records dropped
        AlertEngine.Transition drop = e.evaluate().get(0);
        assertEquals(AlertState.ALERT, drop.to());
        JsonNode body = JSON.readTree((String) outbox().get(1).get("body"));
        assertTrue(body.get("summary").asText().contains("3 records dropped, rejected or lost"), body.toString());
        clock.advance(Duration.ofMinutes(6)); // no loss in the window any more
        assertEquals(AlertState.OK, e.evaluate().get(0).to());
        e.databaseDown(); // what /health or a failed read reports
        clock.advance(Duration.ofSeconds(5));
        AlertEngine.Transition down = e.evaluate().get(0);
        assertEquals(AlertState.ALERT, down.to());
        assertTrue(JSON.readTree((String) outbox().get(outbox().size() - 1).get("body")).get("summary").asText().contains("database unreachable"));
    }

    @Test
    void should_follow_each_budgets_state() throws Exception {
        dev.chatlog.budgets.Budget team = new dev.chatlog.budgets.Budget("team", dev.chatlog.budgets.Budget.Scope.GLOBAL, null,
                dev.chatlog.budgets.BudgetPeriod.DAY, ZoneOffset.UTC, new BigDecimal("10"), List.of(new BigDecimal("0.8")),
                dev.chatlog.budgets.Budget.Action.ENFORCE);
        var window = team.period().window(T0, team.zone());
        java.util.concurrent.atomic.AtomicReference<String> spent = new java.util.concurrent.atomic.AtomicReference<>("1");
        AlertEngine e = AlertEngine.builder(db.jdbi()).channels(List.of("log")).clock(clock)
                .budgets(() -> List.of(dev.chatlog.budgets.BudgetStatus.of(team, window, new BigDecimal(spent.get()), BigDecimal.ZERO, clock.instant())))
                .build();
        e.rules().put(rule("budgets", "{\"kind\": \"budget\"}"));
        assertTrue(e.evaluate().isEmpty());
        spent.set("8.5");
        assertEquals(AlertState.WARNING, e.evaluate().get(0).to());
        spent.set("10");
        AlertEngine.Transition t = e.evaluate().get(0);
        assertEquals(AlertState.ALERT, t.to());
        assertEquals("team", t.subject());
        assertEquals(0, BigDecimal.ONE.compareTo(t.value()));
        JsonNode body = JSON.readTree((String) outbox().get(1).get("body"));
        assertTrue(body.get("summary").asText().startsWith("budget team has spent $10 of $10 (100%)"), body.toString());
        assertTrue(body.at("/links/budget").asText().endsWith("/logging-dashboard/budgets/team"));
    }

    @Test
    void should_write_each_change_once_when_instances_race() throws Exception {
        AlertEngine seed = engine();
        seed.rules().put(rule("slow", "{\"kind\": \"slow_calls\", \"by\": \"model\", \"window\": \"5m\", \"alert_above\": 1000}"));
        List<String> models = List.of("gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "o3", "o4-mini");
        for (String m : models) calls(1, m, 5000, true, "0.001", T0);
        for (int round = 0; round < 2; round++) {
            List<AlertEngine> engines = new ArrayList<>();
            for (int i = 0; i < 8; i++) engines.add(engine()); // racing instances: deadlocks between them are retried
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(engines.size());
            List<java.util.concurrent.CompletableFuture<List<AlertEngine.Transition>>> runs = new ArrayList<>();
            for (AlertEngine x : engines) {
                runs.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        start.await();
                    } catch (Exception ex) {
                        throw new IllegalStateException(ex);
                    }
                    return x.evaluate();
                }));
            }
            long changes = runs.stream().mapToLong(f -> f.join().size()).sum();
            assertEquals(models.size(), changes, "round " + round + ": every subject changed, each written by one instance");
            clock.advance(Duration.ofMinutes(7)); // then both resolve
        }
        assertEquals(4L * models.size(), outbox().size(), "alert and resolved of each subject on two channels");
        assertEquals(2L * models.size(), outbox().stream().map(r -> r.get("notification_key")).distinct().count());
    }

    @Test
    void should_keep_minute_rows_exact_as_the_consistency_check_audits_them() throws Exception {
        calls(5, "gpt-4o", 900, true, "0.002", T0);
        calls(3, "gpt-4o-mini", 300, false, null, T0.plusSeconds(70));
        var check = new dev.chatlog.sql.rollup.ConsistencyCheck(db.jdbi());
        assertEquals(List.of(), check.rollupMismatches());
        long minuteRows = db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM chatbot_usage_rollup WHERE granularity = 'm'")
                .mapTo(Long.class).one());
        assertEquals(6, minuteRows, "two minutes, each with its all, model and function (none: '') rows");
        db.jdbi().useHandle(h -> h.execute("UPDATE chatbot_usage_rollup SET max_total_tokens = max_total_tokens + 1 "
                + "WHERE granularity = 'm' AND dimension = 'model' AND dim_value = 'gpt-4o'"));
        List<String> wrong = check.rollupMismatches();
        assertEquals(1, wrong.size(), wrong.toString());
        assertTrue(wrong.get(0).startsWith("rollup m/model/maxima"), wrong.get(0));
    }
}
