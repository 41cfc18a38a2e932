package dev.chatlog.sql.report;

import dev.chatlog.sql.query.Filter;
import dev.chatlog.sql.query.Planner;
import dev.chatlog.sql.query.Window;
import dev.chatlog.sql.rollup.Dimension;
import dev.chatlog.sql.rollup.Histogram;
import dev.chatlog.sql.rollup.Sums;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/** {@code stats/latency}: latency percentiles and time to first token, overall and per model. */
final class LatencyReport {
    private final Jdbi jdbi;
    private final Planner planner;

    LatencyReport(Jdbi jdbi, Planner planner) {
        this.jdbi = jdbi;
        this.planner = planner;
    }

    Map<String, Object> latency(Window w, Filter f) {
        return jdbi.withHandle(h -> {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("window", Shapes.window(w));
            out.put("filters", Shapes.filters(f));
            Figures all = Figures.of(planner.total(h, w, f, Sums.Columns.ALL));
            Map<String, Object> overall = all.latency().toMap();
            overall.put("llm_calls", all.llmCalls());
            overall.put("avg_ms", all.avgLlmLatencyMs());
            out.put("overall", overall);
            List<Map<String, Object>> byModel = new ArrayList<>();
            planner.sums(h, w, f, Dimension.MODEL).forEach((k, s) -> {
                Figures x = Figures.of(s);
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("model", k);
                m.put("llm_calls", x.llmCalls());
                m.put("avg_ms", x.avgLlmLatencyMs());
                m.putAll(x.latency().toMap());
                byModel.add(m);
            });
            byModel.sort(Comparator.comparingLong(m -> -((Number) m.get("llm_calls")).longValue()));
            out.put("by_model", byModel);
            out.put("histogram_edges_ms", Histogram.edges());
            return out;
        });
    }
}
