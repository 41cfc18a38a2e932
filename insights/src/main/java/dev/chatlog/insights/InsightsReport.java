package dev.chatlog.insights;

import dev.chatlog.insights.forecast.SpendForecast;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * The insights of one window: the findings ranked by their saving per month (time-only findings after them, by time
 * saved), the spend forecasts, and the sum of the savings open. {@code computeMs} is what the analysis took; {@code failedAnalyses} names the analyses
 * that failed (their findings are missing: the report is partial; the error is in the log).
 */
public record InsightsReport(String window, Instant from, Instant to, Instant computedAt, long computeMs, List<Finding> findings,
                             List<ScopeForecast> forecasts, BigDecimal openSavingsPerMonthUsd,
                             List<String> failedAnalyses) {
    public InsightsReport {
        failedAnalyses = List.copyOf(failedAnalyses);
        findings = List.copyOf(findings);
        forecasts = List.copyOf(forecasts);
    }

    /**
     * The forecast of one scope's spend for the rest of its period: {@code by} all, model, function or budget;
     * {@code spentSoFar} in the period, and for a budget its limit and the day it runs out at the forecast (and at the
     * interval's upper bound: the earliest it may). {@code unpricedCalls}: the calls of the history that had no price, in
     * no figure here (no silent $0: the forecast is of the priced spend, and says how much it leaves out).
     */
    public record ScopeForecast(String by, String value, String periodStart, String periodEnd, BigDecimal spentSoFar,
                                SpendForecast.Forecast rest, BigDecimal limitUsd, String runsOutOn, String mayRunOutOn, long unpricedCalls) {}
}
