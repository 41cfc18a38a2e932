package dev.chatlog.insights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.alerts.AlertDispatcher;
import dev.chatlog.alerts.AlertEngine;
import dev.chatlog.alerts.AlertRules;
import dev.chatlog.alerts.channel.WebhookChannel;
import dev.chatlog.core.testing.HttpReceiver;
import dev.chatlog.insights.Finding.Confidence;
import dev.chatlog.insights.Finding.Evidence;
import dev.chatlog.insights.Finding.Kind;
import dev.chatlog.insights.Finding.Subject;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.TestDatabase;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The weekly digest: the default {@code insights} rule holds each new finding (notified once, whichever instance
 * evaluates), and on Monday 00:00 UTC the week's findings go out as one digest per channel, to a real webhook receiver.
 */
class InsightsDigestTest {

    private static Finding finding(Kind kind, String function, String perMonth) {
        BigDecimal m = perMonth == null ? null : new BigDecimal(perMonth);
        return new Finding(kind, new Subject("function", function), kind.label() + " in " + function, m == null ? null : m.divide(BigDecimal.valueOf(30), 6, java.math.RoundingMode.HALF_UP),
                m, null, Confidence.HIGH, "because", "do this", new Evidence(3, BigDecimal.ONE, List.of("c1"), List.of("v1"), Map.of()), Map.of());
    }

    private static InsightsReport report(Instant at, Finding... findings) {
        return new InsightsReport("7d", at.minus(Duration.ofDays(7)), at, at, 5, List.of(findings), List.of(),
                java.util.Arrays.stream(findings).map(Finding::savingPerMonthUsd).filter(java.util.Objects::nonNull).reduce(BigDecimal.ZERO, BigDecimal::add), List.of());
    }

    @Test
    void should_hold_each_new_finding_once_and_send_the_weeks_findings_as_one_digest_on_monday() throws Exception {
        Instant wednesday = Instant.parse("2026-12-02T10:00:00Z");
        try (Database db = TestDatabase.freshDatabase(); HttpReceiver receiver = HttpReceiver.start()) {
            new AlertRules(db.jdbi()).putDefaults();
            InsightsReport report = report(wednesday, finding(Kind.REDUNDANT_CALLS, "classify", "12.5"), finding(Kind.CHEAPER_MODEL, "summarize", "40"),
                    finding(Kind.TOOL_LOOP, "agent", "0.20")); // below the rule's $1 a month: not notified
            AlertEngine a = AlertEngine.builder(db.jdbi()).channels(List.of("webhook")).clock(Clock.fixed(wednesday, ZoneOffset.UTC))
                    .insights(r -> InsightObservations.of(report, r)).build();
            AlertEngine b = AlertEngine.builder(db.jdbi()).channels(List.of("webhook")).clock(Clock.fixed(wednesday.plusSeconds(30), ZoneOffset.UTC))
                    .insights(r -> InsightObservations.of(report, r)).build();
            a.evaluate();
            b.evaluate(); // a second instance: the same findings, nothing more
            a.evaluate();
            // an instance with no report yet, and one whose report is older (without the findings): neither resolves them
            AlertEngine starting = AlertEngine.builder(db.jdbi()).channels(List.of("webhook")).clock(Clock.fixed(wednesday.plusSeconds(60), ZoneOffset.UTC))
                    .insights(r -> InsightObservations.of(null, r)).build();
            AlertEngine behind = AlertEngine.builder(db.jdbi()).channels(List.of("webhook")).clock(Clock.fixed(wednesday.plusSeconds(90), ZoneOffset.UTC))
                    .insights(r -> InsightObservations.of(report(wednesday), r)).build();
            starting.evaluate();
            behind.evaluate();
            a.evaluate();
            assertEquals(List.of("ALERT", "ALERT"), db.jdbi().withHandle(h -> h.createQuery(
                    "SELECT state FROM chatbot_alert_states WHERE rule_name = 'insights' ORDER BY subject").mapTo(String.class).list()));
            List<Map<String, Object>> held = db.jdbi().withHandle(h -> h.createQuery(
                    "SELECT subject, status, next_attempt_at FROM chatbot_alert_outbox WHERE rule_name = 'insights' ORDER BY subject").mapToMap().list());
            assertEquals(2, held.size(), held.toString());
            assertEquals("cheaper_model:function:summarize", held.get(0).get("subject"), "the finding's key");
            for (Map<String, Object> r : held) {
                assertEquals("held", r.get("status"));
                assertEquals("2026-12-07T00:00", String.valueOf(r.get("next_attempt_at")), "the next Monday, 00:00 UTC");
            }

            AlertDispatcher sender = AlertDispatcher.builder(db.jdbi(), List.of(new WebhookChannel(URI.create(receiver.url("/hook")), "s", Duration.ofSeconds(5))))
                    .clock(Clock.fixed(Instant.parse("2026-12-05T12:00:00Z"), ZoneOffset.UTC)).build();
            sender.runOnce();
            assertEquals(0, receiver.requests("/hook").size(), "held until Monday");
            AlertDispatcher monday = AlertDispatcher.builder(db.jdbi(), List.of(new WebhookChannel(URI.create(receiver.url("/hook")), "s", Duration.ofSeconds(5))))
                    .clock(Clock.fixed(Instant.parse("2026-12-07T00:00:05Z"), ZoneOffset.UTC)).build();
            while (monday.runOnce() > 0) { } // merge, then send
            assertEquals(1, receiver.requests("/hook").size(), "one digest for the channel");
            String body = receiver.requests("/hook").get(0).text();
            assertTrue(body.contains("\"digest\":true") && body.contains("cheaper_model in summarize") && body.contains("redundant_calls in classify"), body);
            assertTrue(!body.contains("tool_loop in agent"), body);
            monday.runOnce();
            assertEquals(1, receiver.requests("/hook").size(), "sent once");

            // a report computed after the finding went ALERT, without it: the waste is gone, the finding resolved
            Instant thursday = Instant.parse("2026-12-10T10:00:00Z");
            InsightsReport later = report(thursday, finding(Kind.REDUNDANT_CALLS, "classify", "12.5"));
            AlertEngine.builder(db.jdbi()).channels(List.of("webhook")).clock(Clock.fixed(thursday, ZoneOffset.UTC))
                    .insights(r -> InsightObservations.of(later, r)).build().evaluate();
            assertEquals(List.of("OK", "ALERT"), db.jdbi().withHandle(h -> h.createQuery(
                    "SELECT state FROM chatbot_alert_states WHERE rule_name = 'insights' ORDER BY subject").mapTo(String.class).list()));
        }
    }
}
