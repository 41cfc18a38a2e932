package dev.chatlog.insights;

import dev.chatlog.budgets.Budget;
import dev.chatlog.budgets.BudgetPeriod;
import dev.chatlog.budgets.BudgetStatus;
import dev.chatlog.insights.Finding.Confidence;
import dev.chatlog.insights.Finding.Evidence;
import dev.chatlog.insights.Finding.Kind;
import dev.chatlog.insights.Finding.Subject;
import dev.chatlog.insights.forecast.SpendForecast;
import dev.chatlog.sql.rollup.Dimension;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.jdbi.v3.core.Jdbi;

/**
 * Spend forecasts from the daily rollups (UTC days, model calls' cost plus priced steps'), at 95%: the whole
 * application, its five costliest models and functions of the last four weeks for the rest of the UTC month, and every
 * budget of a week or a month (global, model, agent, chat mode or arm scope) for the rest of its period, with the day it
 * runs out. Today counts as forecast: the spend so far is through yesterday, and a budget's remaining spend has today's
 * spend so far added back, so today's whole spend is forecast once.
 */
final class Forecasts {
    private Forecasts() {}

    static final double LEVEL = 0.95;
    static final int TOP = 5;

    record Result(List<InsightsReport.ScopeForecast> forecasts, List<Finding> findings) {}

    static Result of(Jdbi jdbi, Instant now, List<BudgetStatus> budgets) {
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        LocalDate historyStart = today.minusDays(SpendForecast.MAX_HISTORY_DAYS);
        List<InsightsReport.ScopeForecast> out = new ArrayList<>();
        List<Finding> findings = new ArrayList<>();
        LocalDate monthStart = today.withDayOfMonth(1), monthEnd = today.withDayOfMonth(today.lengthOfMonth());
        out.add(scope(jdbi, "all", Dimension.ALL, "", historyStart, today, monthStart, monthEnd, null));
        for (Dimension d : List.of(Dimension.MODEL, Dimension.FUNCTION)) {
            List<String> top = jdbi.withHandle(h -> h.createQuery("""
                    SELECT dim_value FROM chatbot_usage_rollup WHERE granularity = 'd' AND dimension = :d AND dim_value <> ''
                      AND bucket_start >= :from AND bucket_start < :to
                    GROUP BY dim_value HAVING SUM(cost + step_cost) > 0 ORDER BY SUM(cost + step_cost) DESC LIMIT :n""")
                    .bind("d", d.rollupName()).bind("from", today.minusDays(28).atStartOfDay()).bind("to", today.atStartOfDay())
                    .bind("n", TOP).mapTo(String.class).list());
            for (String v : top) out.add(scope(jdbi, d == Dimension.MODEL ? "model" : "function", d, v, historyStart, today, monthStart, monthEnd, null));
        }
        for (BudgetStatus b : budgets) {
            Dimension d = dimension(b.budget().scope());
            BudgetPeriod p = b.budget().period();
            if (d == null || p == BudgetPeriod.HOUR || p == BudgetPeriod.DAY) continue;
            LocalDate start = LocalDate.ofInstant(b.window().start(), ZoneOffset.UTC);
            LocalDate end = LocalDate.ofInstant(b.window().end().minusMillis(1), ZoneOffset.UTC);
            InsightsReport.ScopeForecast f = scope(jdbi, "budget", d, d == Dimension.ALL ? "" : b.budget().value(), historyStart, today, start, end, b);
            out.add(f);
            if (f.runsOutOn() != null || f.mayRunOutOn() != null) findings.add(runOut(b, f));
        }
        return new Result(out, findings);
    }

    private static InsightsReport.ScopeForecast scope(Jdbi jdbi, String by, Dimension d, String value, LocalDate historyStart,
                                                       LocalDate today, LocalDate periodStart, LocalDate periodEnd, BudgetStatus budget) {
        SortedMap<LocalDate, Double> history = new TreeMap<>();
        Map<LocalDate, BigDecimal> spend = new LinkedHashMap<>();
        long[] unpriced = {0};
        jdbi.useHandle(h -> h.createQuery("""
                SELECT bucket_start, cost + step_cost AS spend, unpriced_calls FROM chatbot_usage_rollup
                WHERE granularity = 'd' AND dimension = :d AND dim_value = :v AND bucket_start >= :from AND bucket_start <= :today""")
                .bind("d", d.rollupName()).bind("v", value).bind("from", historyStart.atStartOfDay()).bind("today", today.atStartOfDay())
                .map((rs, ctx) -> {
                    LocalDate day = rs.getObject(1, LocalDateTime.class).toLocalDate();
                    spend.put(day, rs.getBigDecimal(2));
                    unpriced[0] += rs.getLong(3);
                    return 0;
                }).list());
        LocalDate first = spend.keySet().stream().filter(x -> x.isBefore(today)).min(LocalDate::compareTo).orElse(null);
        if (first != null) {
            for (LocalDate x = first; x.isBefore(today); x = x.plusDays(1)) {
                history.put(x, spend.getOrDefault(x, BigDecimal.ZERO).doubleValue()); // a day without a rollup row spent nothing
            }
        }
        List<LocalDate> horizon = new ArrayList<>();
        for (LocalDate x = today; !x.isAfter(periodEnd); x = x.plusDays(1)) horizon.add(x);
        SpendForecast.Forecast f = SpendForecast.forecast(history, horizon, LEVEL);
        BigDecimal spentSoFar = spend.entrySet().stream().filter(e -> !e.getKey().isBefore(periodStart) && e.getKey().isBefore(today))
                .map(Map.Entry::getValue).reduce(BigDecimal.ZERO, BigDecimal::add).setScale(6, RoundingMode.HALF_UP);
        if (budget == null) {
            return new InsightsReport.ScopeForecast(by, value, periodStart.toString(), periodEnd.toString(), spentSoFar, f, null, null, null, unpriced[0]);
        }
        double today$ = spend.getOrDefault(today, BigDecimal.ZERO).doubleValue();
        double remaining = budget.remaining().doubleValue() + today$;
        String on = budget.state() == BudgetStatus.State.EXCEEDED ? null : f.runOut(remaining).map(LocalDate::toString).orElse(null);
        String may = budget.state() == BudgetStatus.State.EXCEEDED ? null : f.runOutAtUpper(remaining).map(LocalDate::toString).orElse(null);
        return new InsightsReport.ScopeForecast(by, budget.budget().name(), periodStart.toString(), periodEnd.toString(),
                budget.spent().setScale(6, RoundingMode.HALF_UP), f, budget.budget().limitUsd(), on, may, unpriced[0]);
    }

    private static Finding runOut(BudgetStatus b, InsightsReport.ScopeForecast f) {
        boolean likely = f.runsOutOn() != null;
        String day = likely ? f.runsOutOn() : f.mayRunOutOn();
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("budget", b.budget().name());
        detail.put("limit_usd", b.budget().limitUsd());
        detail.put("spent_usd", b.spent());
        detail.put("period_end", f.periodEnd());
        detail.put("runs_out_on", f.runsOutOn());
        detail.put("may_run_out_on", f.mayRunOutOn());
        detail.put("forecast_method", f.rest().method());
        detail.put("forecast_rest_usd", round(f.rest().pointTotal()));
        detail.put("forecast_interval_usd", List.of(round(f.rest().lower()), round(f.rest().upper())));
        return new Finding(Kind.BUDGET_RUNOUT, new Subject("budget", b.budget().name()),
                "The budget '" + b.budget().name() + "' " + (likely ? "will run out on " : "may run out as early as ") + day
                        + ", before its period ends (" + f.periodEnd() + ")",
                null, null, null, likely ? Confidence.MEDIUM : Confidence.LOW,
                (likely ? "the point forecast" : "the upper bound of the 95% interval") + " of the spend reaches the remaining $"
                        + b.remaining().setScale(2, RoundingMode.HALF_UP) + " on that day (" + f.rest().method() + " model, "
                        + f.rest().historyDays() + " days of history)",
                b.budget().action() == Budget.Action.ENFORCE
                        ? "Calls will be refused from that day: raise the limit, or act on the savings above."
                        : "Raise the limit, or act on the savings above, before it is exceeded.",
                new Evidence(0, b.spent(), List.of(), List.of(), Map.of("budget", "/logging-dashboard/budgets/" + b.budget().name())), detail);
    }

    static Dimension dimension(Budget.Scope s) {
        return switch (s) {
            case GLOBAL -> Dimension.ALL;
            case MODEL -> Dimension.MODEL;
            case AGENT -> Dimension.AGENT;
            case CHAT_MODE -> Dimension.CHAT_MODE;
            case ARM -> Dimension.ARM;
            default -> null; // users, conversations and tags have no daily rollup to forecast from
        };
    }

    private static double round(double v) {
        return Double.isFinite(v) ? Math.round(v * 10_000) / 10_000.0 : v;
    }
}
