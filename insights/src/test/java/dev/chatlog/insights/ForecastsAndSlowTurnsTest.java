package dev.chatlog.insights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.budgets.Budget;
import dev.chatlog.budgets.BudgetPeriod;
import dev.chatlog.budgets.BudgetStatus;
import dev.chatlog.core.CallType;
import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.LlmCall;
import dev.chatlog.core.TokenSource;
import dev.chatlog.insights.Finding.Kind;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.TestDatabase;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The forecasts and the day a budget runs out, from the daily rollups; and what the slowest turns wait for. */
class ForecastsAndSlowTurnsTest {

    @Test
    void should_forecast_the_rest_of_the_month_and_the_day_a_budget_runs_out() {
        Instant now = Instant.parse("2026-11-10T12:00:00Z");
        try (Database db = TestDatabase.freshDatabase(); PlantedLog log = new PlantedLog(db.jdbi(), now)) {
            // $10 a day (4,000,000 input tokens of gpt-4o at $2.50 per million) from October 13 to today
            BigDecimal perCall = PlantedLog.cost("gpt-4o", 4_000_000, 0);
            assertEquals(0, perCall.compareTo(BigDecimal.TEN), "the price data's gpt-4o input rate: " + perCall);
            for (Instant day = Instant.parse("2026-10-13T09:00:00Z"); !day.isAfter(now); day = day.plus(Duration.ofDays(1))) {
                log.log(log.call("answer", "gpt-4o", UUID.randomUUID().toString(), UUID.randomUUID().toString(), day, 4_000_000, 0));
            }
            log.flush();
            Budget monthly = new Budget("monthly", Budget.Scope.GLOBAL, null, BudgetPeriod.MONTH, ZoneOffset.UTC, new BigDecimal("135"),
                    List.of(new BigDecimal("0.8")), Budget.Action.ENFORCE);
            BudgetStatus status = BudgetStatus.of(monthly, BudgetPeriod.MONTH.window(now, ZoneOffset.UTC), new BigDecimal("100"), BigDecimal.ZERO, now);
            Insights insights = new Insights(db.jdbi(), PlantedLog.PRICES, InsightsSettings.defaults(), () -> List.of(status), Clock.fixed(now, ZoneOffset.UTC));
            InsightsReport report = insights.analyse(Insights.InsightsWindow.parse("7d"));
            assertEquals(List.of(), report.failedAnalyses());

            InsightsReport.ScopeForecast all = report.forecasts().stream().filter(f -> f.by().equals("all")).findFirst().orElseThrow();
            assertEquals("2026-11-01", all.periodStart());
            assertEquals(0, new BigDecimal("90").compareTo(all.spentSoFar()), "November 1 to 9: " + all.spentSoFar());
            assertEquals(21, all.rest().days().size(), "November 10 (today) to 30");
            assertEquals(210, all.rest().pointTotal(), 1e-6);
            assertEquals(all.rest().pointTotal(), all.rest().upper(), 1e-6, "an exact history: no spread");
            assertTrue(report.forecasts().stream().anyMatch(f -> f.by().equals("model") && f.value().equals("gpt-4o")));
            assertTrue(report.forecasts().stream().anyMatch(f -> f.by().equals("function") && f.value().equals("answer")));

            // $35 remain; today's $10 so far is added back and forecast with the rest: 10, 20, 30, 40, 50 >= 45 on November 14
            InsightsReport.ScopeForecast budget = report.forecasts().stream().filter(f -> f.by().equals("budget")).findFirst().orElseThrow();
            assertEquals("2026-11-14", budget.runsOutOn());
            assertEquals("2026-11-14", budget.mayRunOutOn());
            Finding runOut = report.findings().stream().filter(f -> f.kind() == Kind.BUDGET_RUNOUT).findFirst().orElseThrow();
            assertEquals("monthly", runOut.subject().value());
            assertTrue(runOut.title().contains("2026-11-14"), runOut.title());
        }
    }

    @Test
    void should_name_the_step_the_slowest_turns_wait_for() {
        Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        try (Database db = TestDatabase.freshDatabase(); PlantedLog log = new PlantedLog(db.jdbi(), now)) {
            Instant start = now.minus(Duration.ofDays(2));
            for (int i = 0; i < 40; i++) {
                boolean slow = i % 20 == 0; // 2 of 40: the slowest 5%
                String conv = UUID.randomUUID().toString(), msg = UUID.randomUUID().toString();
                Instant at = start.plus(Duration.ofMinutes(i * 10L));
                double[] stages = slow ? new double[] {200, 800, 3_800} : new double[] {200, 600, 150};
                String[] names = {"stt", "think", "tts"};
                double offset = 0;
                for (int k = 0; k < 3; k++) {
                    log.log(LlmCall.builder().callId(UUID.randomUUID().toString()).callType(CallType.STAGE).conversationId(conv).messageId(msg)
                            .functionName(names[k]).startedAt(at.plusMillis((long) offset)).durationMs(stages[k]).inputTokens(0).outputTokens(0)
                            .tokenSource(TokenSource.PROVIDER).success(true));
                    offset += stages[k];
                }
                log.logger.logMessage(ConversationMessage.builder().conversationId(conv).messageId(msg).userInput("q").finalOutput("a")
                        .timestamp(at).responseTimeMs(offset).success(true).build());
            }
            log.flush();
            Insights insights = new Insights(db.jdbi(), PlantedLog.PRICES, InsightsSettings.defaults(), List::of, Clock.fixed(now, ZoneOffset.UTC));
            InsightsReport report = insights.analyse(Insights.InsightsWindow.parse("7d"));
            assertEquals(List.of(), report.failedAnalyses());
            Finding slow = report.findings().stream().filter(f -> f.kind() == Kind.SLOW_TURNS).findFirst().orElseThrow(() -> new AssertionError(report.findings()));
            assertEquals("stage", slow.subject().by());
            assertEquals("tts", slow.subject().value());
            assertEquals(3_800.0 / 4_800, ((Number) slow.detail().get("share_of_slow_turn_time")).doubleValue(), 0.001, slow.detail().toString());
            assertEquals(2, ((Number) slow.detail().get("slow_turns")).intValue());
            assertEquals(1, report.findings().size(), report.findings().toString());
        }
    }
}
