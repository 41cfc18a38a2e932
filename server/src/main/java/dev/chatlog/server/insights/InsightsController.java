package dev.chatlog.server.insights;

import dev.chatlog.core.InvalidDefinitionException;
import dev.chatlog.insights.Finding;
import dev.chatlog.insights.Insights;
import dev.chatlog.insights.InsightsReport;
import dev.chatlog.insights.InsightsRuntime;
import dev.chatlog.insights.forecast.SpendForecast;
import dev.chatlog.server.web.ApiError;
import io.javalin.config.RoutesConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /logging-dashboard/insights?window=7d}: the findings of the window ranked by saving, each with its evidence,
 * its saving per day and per month, its confidence and the action suggested, and the spend forecasts (docs/insights.md).
 * Served from the runtime's kept report (computed in the background; {@code computed_at} says when).
 */
public final class InsightsController {
    private final InsightsRuntime runtime;

    public InsightsController(InsightsRuntime runtime) {
        this.runtime = runtime;
    }

    public void register(RoutesConfig routes) {
        routes.get("/logging-dashboard/insights", ctx -> {
            Insights.InsightsWindow window;
            try {
                window = Insights.InsightsWindow.parse(ctx.queryParam("window"));
            } catch (InvalidDefinitionException e) {
                throw ApiError.badRequest(e.getMessage(), e.field());
            }
            try {
                ctx.json(json(runtime.report(window)));
            } catch (InsightsRuntime.Busy e) { // analyses of other windows hold the slots: not this request's fault, not a 500
                ctx.header("Retry-After", "60");
                throw new ApiError(503, e.getMessage(), "window");
            }
        });
    }

    static Map<String, Object> json(InsightsReport r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("window", r.window());
        m.put("from", r.from().toString());
        m.put("to", r.to().toString());
        m.put("computed_at", r.computedAt().toString());
        m.put("compute_ms", r.computeMs());
        m.put("open_savings_per_month_usd", r.openSavingsPerMonthUsd());
        m.put("failed_analyses", r.failedAnalyses());
        List<Map<String, Object>> findings = new ArrayList<>();
        for (Finding f : r.findings()) findings.add(finding(f));
        m.put("findings", findings);
        List<Map<String, Object>> forecasts = new ArrayList<>();
        for (InsightsReport.ScopeForecast f : r.forecasts()) forecasts.add(forecast(f));
        m.put("forecasts", forecasts);
        return m;
    }

    static Map<String, Object> finding(Finding f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", f.kind().label());
        m.put("subject", Map.of("by", f.subject().by(), "value", f.subject().value()));
        m.put("title", f.title());
        m.put("saving_per_day_usd", f.savingPerDayUsd());
        m.put("saving_per_month_usd", f.savingPerMonthUsd());
        m.put("saving_ms_per_day", f.savingMsPerDay() == null ? null : Math.round(f.savingMsPerDay()));
        m.put("confidence", f.confidence().label());
        m.put("confidence_reason", f.confidenceReason());
        m.put("action", f.action());
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("rows", f.evidence().rows());
        e.put("cost_usd", f.evidence().costUsd());
        e.put("call_ids", f.evidence().callIds());
        e.put("conversation_ids", f.evidence().conversationIds());
        e.put("links", f.evidence().links());
        m.put("evidence", e);
        m.put("detail", f.detail());
        return m;
    }

    static Map<String, Object> forecast(InsightsReport.ScopeForecast f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("by", f.by());
        m.put("value", f.value());
        m.put("period_start", f.periodStart());
        m.put("period_end", f.periodEnd());
        m.put("spent_so_far_usd", f.spentSoFar());
        SpendForecast.Forecast rest = f.rest();
        m.put("method", rest.method());
        m.put("history_days", rest.historyDays());
        m.put("rest_usd", finite(rest.pointTotal()));
        m.put("rest_interval_usd", Double.isFinite(rest.lower()) ? List.of(round(rest.lower()), round(rest.upper())) : null);
        m.put("level", rest.level());
        m.put("period_total_usd", Double.isFinite(rest.pointTotal()) ? round(f.spentSoFar().doubleValue() + rest.pointTotal()) : null);
        if (rest.reason() != null) m.put("reason", rest.reason());
        m.put("unpriced_calls", f.unpricedCalls()); // in the history and in no figure here: the forecast is of the priced spend
        if (f.limitUsd() != null) {
            m.put("limit_usd", f.limitUsd());
            m.put("runs_out_on", f.runsOutOn());
            m.put("may_run_out_on", f.mayRunOutOn());
        }
        List<Map<String, Object>> days = new ArrayList<>();
        for (SpendForecast.DayForecast d : rest.days()) {
            days.add(Map.of("day", d.day().toString(), "usd", round(d.point()), "cumulative_usd", round(d.cumulativePoint()),
                    "cumulative_interval_usd", List.of(round(d.cumulativeLower()), round(d.cumulativeUpper()))));
        }
        m.put("days", days);
        return m;
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? round(v) : null;
    }

    private static double round(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }
}
