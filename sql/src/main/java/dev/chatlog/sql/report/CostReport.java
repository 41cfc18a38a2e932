package dev.chatlog.sql.report;

import dev.chatlog.sql.query.Filter;
import dev.chatlog.sql.query.Planner;
import dev.chatlog.sql.query.Rows;
import dev.chatlog.sql.query.Window;
import dev.chatlog.sql.rollup.Dimension;
import dev.chatlog.sql.rollup.Measure;
import dev.chatlog.sql.rollup.Sums;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** {@code stats/cost}: cost grouped by day, agent, model or user, and seed 001's cost analysis. */
final class CostReport {
    private final Jdbi jdbi;
    private final Planner planner;

    CostReport(Jdbi jdbi, Planner planner) {
        this.jdbi = jdbi;
        this.planner = planner;
    }

    /** At most {@code limit} groups, the most expensive (all days when grouped by day, in date order). */
    Map<String, Object> cost(Window w, Filter f, Dimension groupBy, Instant now, int limit) {
        String label = groupBy.rollupName();
        return jdbi.withHandle(h -> {
            List<Map<String, Object>> groups = new ArrayList<>();
            planner.sums(h, w, f, groupBy, Sums.Columns.COST).forEach((k, s) -> { // (5,000 users: only the figures shown)
                Map<String, Object> m = new LinkedHashMap<>();
                m.put(label, k.isEmpty() ? null : k);
                m.put("cost", Rows.plain(s.amount(Measure.COST)));
                m.put("llm_calls", s.count(Measure.LLM_CALLS));
                m.put("total_tokens", s.count(Measure.TOTAL_TOKENS));
                m.put("input_tokens", s.count(Measure.INPUT_TOKENS));
                m.put("output_tokens", s.count(Measure.OUTPUT_TOKENS));
                m.put("unpriced_calls", s.count(Measure.UNPRICED_CALLS));
                m.put("cost_per_1k_tokens", Figures.per1k(s.amount(Measure.COST), s.count(Measure.TOTAL_TOKENS)));
                groups.add(m);
            });
            int groupCount = groups.size();
            if (groupBy == Dimension.DAY) {
                groups.sort(Comparator.comparing(m -> String.valueOf(m.get(label))));
            } else {
                groups.sort(Comparator.comparing((Map<String, Object> m) -> (BigDecimal) m.get("cost")).reversed());
                if (groups.size() > limit) groups.subList(limit, groups.size()).clear();
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("window", Shapes.window(w));
            out.put("group_by", label);
            out.put("filters", Shapes.filters(f));
            out.put("group_count", groupCount);
            out.put("groups", groups);
            out.put("analysis", analysis(planner, h, w, f, now));
            return out;
        });
    }

    /**
     * Seed 001's cost analysis of a window: most expensive and most used model, total cost, cost per
     * 1K tokens; and the month so far (whatever the window) projected to the month's end.
     */
    static Map<String, Object> analysis(Planner planner, Handle h, Window w, Filter f, Instant now) {
        Map<String, Object> analysis = new LinkedHashMap<>();
        Map<String, Sums> models = planner.sums(h, w, f, Dimension.MODEL, Sums.Columns.COST);
        models.entrySet().stream().max(Comparator.comparing(e -> e.getValue().amount(Measure.COST)))
                .ifPresent(e -> analysis.put("most_expensive_model", Map.of("model", e.getKey(), "cost", Rows.plain(e.getValue().amount(Measure.COST)))));
        models.entrySet().stream().max(Comparator.comparingLong(e -> e.getValue().count(Measure.LLM_CALLS)))
                .ifPresent(e -> analysis.put("most_used_model", Map.of("model", e.getKey(), "llm_calls", e.getValue().count(Measure.LLM_CALLS))));
        Figures total = Figures.of(Sums.total(models.values()));
        analysis.put("total_cost", total.cost());
        analysis.put("cost_per_1k_tokens", total.costPer1kTokens());
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        Instant monthStart = today.withDayOfMonth(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        Instant tomorrow = today.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        BigDecimal mtd = planner.total(h, Window.between(monthStart, tomorrow), f, Sums.Columns.COST).amount(Measure.COST);
        double elapsedDays = Math.max(1.0 / 24, (now.getEpochSecond() - monthStart.getEpochSecond()) / 86_400.0);
        int monthDays = YearMonth.from(today).lengthOfMonth();
        analysis.put("month_to_date_cost", Rows.plain(mtd));
        analysis.put("projected_month_end_cost", Rows.plain(mtd.multiply(BigDecimal.valueOf(monthDays))
                .divide(BigDecimal.valueOf(elapsedDays), 6, RoundingMode.HALF_UP)));
        analysis.put("projection_basis", "month-to-date cost / days elapsed (" + BigDecimal.valueOf(elapsedDays)
                .setScale(2, RoundingMode.HALF_UP) + ") * days in month (" + monthDays + ")");
        return analysis;
    }
}
