package dev.chatlog.sql.report;

import dev.chatlog.sql.query.Filter;
import dev.chatlog.sql.query.Planner;
import dev.chatlog.sql.query.Window;
import dev.chatlog.sql.rollup.Dimension;
import dev.chatlog.sql.rollup.Sums;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jdbi.v3.core.Jdbi;

/** {@code stats/range}: a series over the window by day, ISO week (from Monday) or month, with totals. */
final class RangeReport {

    private final Jdbi jdbi;
    private final Planner planner;

    RangeReport(Jdbi jdbi, Planner planner) {
        this.jdbi = jdbi;
        this.planner = planner;
    }

    Map<String, Object> range(Window w, Filter f, Reports.Period period) {
        return jdbi.withHandle(h -> {
            Map<String, Sums> days = planner.sums(h, w, f, Dimension.DAY);
            TreeMap<String, Sums> periods = new TreeMap<>();
            days.forEach((day, s) -> periods.computeIfAbsent(periodOf(LocalDate.parse(day), period), k -> new Sums()).plus(s));
            List<Map<String, Object>> series = new ArrayList<>();
            periods.forEach((p, s) -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("period", p);
                m.putAll(Figures.of(s).toMap());
                series.add(m);
            });
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("window", Shapes.window(w));
            out.put("group_by", period.name().toLowerCase(java.util.Locale.ROOT));
            out.put("filters", Shapes.filters(f));
            out.put("totals", Figures.of(Sums.total(days.values())).toMap());
            out.put("series", series);
            return out;
        });
    }

    private static String periodOf(LocalDate d, Reports.Period period) {
        return switch (period) {
            case WEEK -> d.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY)).toString();
            case MONTH -> YearMonth.from(d).toString();
            case DAY -> d.toString();
        };
    }
}
