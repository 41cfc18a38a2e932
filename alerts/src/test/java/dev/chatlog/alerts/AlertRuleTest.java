package dev.chatlog.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Rule definitions: defaults per kind, a round trip through the stored JSON, and every wrong field named. */
class AlertRuleTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static AlertRule parse(String json) throws Exception {
        return AlertRuleParser.parse("r", JSON.readTree(json));
    }

    @Test
    void should_fill_each_kind_defaults_and_read_its_own_definition_back() throws Exception {
        AlertRule slow = parse("{\"kind\": \"slow_calls\", \"alert_above\": 8000}");
        assertEquals(Duration.ofMinutes(5), slow.window());
        assertEquals("all", slow.by());
        assertEquals("duration", slow.metric());
        assertEquals("max", slow.stat());
        assertEquals(Severity.WARNING, slow.severity());
        assertEquals(1, slow.minCalls());
        AlertRule spike = parse("{\"kind\": \"cost_spike\"}");
        assertEquals(Duration.ofHours(1), spike.window());
        assertEquals(Duration.ofHours(24), spike.baseline());
        assertEquals(0, BigDecimal.valueOf(3).compareTo(spike.alertAbove()));
        assertEquals(20, spike.minCalls());
        assertEquals(10, parse("{\"kind\": \"failure_rate\", \"alert_above\": 0.2}").minCalls());
        AlertRule health = parse("{\"kind\": \"logger_health\"}");
        assertEquals("instance", health.by());
        assertEquals(0, new BigDecimal("0.75").compareTo(health.warnAbove()));
        for (String json : List.of("{\"kind\": \"slow_calls\", \"by\": \"function\", \"match\": \"generate_sql\", \"metric\": \"ttft\", "
                + "\"stat\": \"p95\", \"alert_above\": 2500, \"warn_above\": 1200.5, \"window\": \"15m\", \"severity\": \"critical\", "
                + "\"suppress\": \"1h\", \"channels\": [\"webhook\", \"email\"], \"enabled\": false}",
                "{\"kind\": \"token_usage\", \"severity\": \"info\", \"stat\": \"avg\", \"metric\": \"output\", \"alert_above\": 3000, \"digest\": \"1h\"}",
                "{\"kind\": \"budget\", \"match\": \"team-daily\"}", "{\"kind\": \"cost_spike\", \"by\": \"model\", \"baseline\": \"PT12H\"}")) {
            AlertRule r = parse(json);
            assertEquals(r, AlertRuleParser.parse("r", JSON.valueToTree(r.definition())), "round trip of " + json);
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            {}                                                                          | kind
            {"kind": "slow"}                                                            | kind
            {"kind": "quality_drop", "alert_above": 1}                                  | metric
            {"kind": "slow_calls"}                                                      | alert_above
            {"kind": "slow_calls", "alert_above": "8000"}                               | alert_above
            {"kind": "slow_calls", "alert_above": -1}                                   | alert_above
            {"kind": "slow_calls", "alert_above": 8000, "warn_above": 9000}             | warn_above
            {"kind": "slow_calls", "alert_above": 8000, "window": "90s"}                | window
            {"kind": "slow_calls", "alert_above": 8000, "window": "25h"}                | window
            {"kind": "slow_calls", "alert_above": 8000, "window": "soon"}               | window
            {"kind": "slow_calls", "alert_above": 8000, "window": 5}                    | window
            {"kind": "slow_calls", "alert_above": 8000, "by": "user"}                   | by
            {"kind": "slow_calls", "alert_above": 8000, "match": "gpt-4o"}              | match
            {"kind": "slow_calls", "alert_above": 8000, "stat": "p42"}                  | stat
            {"kind": "slow_calls", "alert_above": 8000, "metric": "ttft", "by": "tool"} | metric
            {"kind": "slow_calls", "alert_above": 8000, "severity": "urgent"}           | severity
            {"kind": "slow_calls", "alert_above": 8000, "channels": ["slack"]}          | channels
            {"kind": "slow_calls", "alert_above": 8000, "channels": "webhook"}          | channels
            {"kind": "slow_calls", "alert_above": 8000, "min_calls": 0}                 | min_calls
            {"kind": "slow_calls", "alert_above": 8000, "min_calls": 1.5}               | min_calls
            {"kind": "slow_calls", "alert_above": 8000, "enabled": "yes"}               | enabled
            {"kind": "slow_calls", "alert_above": 8000, "baseline": "1h"}               | baseline
            {"kind": "slow_calls", "alert_above": 8000, "suppress": "8d"}               | suppress
            {"kind": "slow_calls", "alert_above": 8000, "severity": "critical", "digest": "1h"} | digest
            {"kind": "slow_calls", "alert_above": 8000, "digest": "30s"}                | digest
            {"kind": "slow_calls", "alert_above": 8000, "colour": "red"}                | colour
            {"kind": "token_usage", "alert_above": 100, "metric": "input"}              | stat
            {"kind": "token_usage", "alert_above": 100, "by": "tool"}                   | by
            {"kind": "failure_rate", "alert_above": 20}                                 | alert_above
            {"kind": "cost_spike", "alert_above": 0.5}                                  | alert_above
            {"kind": "cost_spike", "window": "2h", "baseline": "1h"}                    | baseline
            {"kind": "budget", "alert_above": 0.9}                                      | alert_above
            {"kind": "budget", "by": "model"}                                           | by
            {"kind": "logger_health", "metric": "queue"}                                | metric
            """)
    void should_refuse_a_bad_definition_naming_the_field(String json, String field) {
        AlertRule.Invalid e = assertThrows(AlertRule.Invalid.class, () -> parse(json));
        assertEquals(field, e.field(), e.getMessage());
        assertTrue(e.getMessage().length() > 10, e.getMessage());
    }

    @Test
    void should_refuse_a_bad_name() {
        for (String name : new String[] {"", "a b", "x".repeat(101), "naïve", "../etc"}) {
            assertEquals("name", assertThrows(AlertRule.Invalid.class, () -> AlertRuleParser.parse(name, JSON.readTree("{}"))).field());
        }
    }
}
