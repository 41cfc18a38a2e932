package dev.chatlog.sql.report;

import dev.chatlog.sql.query.Filter;
import dev.chatlog.sql.query.Planner;
import dev.chatlog.sql.query.Window;
import dev.chatlog.sql.rollup.Dimension;
import dev.chatlog.sql.rollup.StepKey;
import dev.chatlog.sql.rollup.Histogram;
import dev.chatlog.sql.rollup.Measure;
import dev.chatlog.sql.rollup.Sums;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * {@code stages}: every step of the window (stages, retrievals, guardrails) by kind and name with its percentiles from
 * the step histograms, and against its target: how many took longer, and their share; the whole turn against its own.
 * A target that is a histogram edge (2 s, 3 s...) is counted from the rollups; any other from the step's rows.
 */
final class StageReport {
    private static final String OVER_TARGET = """
            SELECT COUNT(*) FROM chatbot_llm_calls
            WHERE <window> AND LEFT(CONCAT(call_type, ':', COALESCE(function_name, '')), 255) = :key AND duration_ms > :target <filter>""";
    private static final String TURNS = """
            SELECT COUNT(*) AS turns, AVG(response_time_ms) AS avg_ms, COALESCE(SUM(response_time_ms > :target), 0) AS over_target
            FROM chatbot_conversation_messages WHERE <window> <filter>""";

    private final Jdbi jdbi;
    private final Planner planner;
    private final StageTargets targets;

    StageReport(Jdbi jdbi, Planner planner, StageTargets targets) {
        this.jdbi = jdbi;
        this.planner = planner;
        this.targets = targets;
    }

    Map<String, Object> stages(Window w, Filter f) {
        Filter steps = new Filter(null, f.agent(), null, f.chatMode(), null, null).withArm(f.arm()); // a step has no model; its name is no function
        return jdbi.withHandle(h -> {
            Map<String, Object> out = Shapes.hoursHeader(w);
            Map<String, Object> shown = new LinkedHashMap<>();
            targets.targets().entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .forEach(e -> shown.put(e.getKey(), millis(e.getValue())));
            out.put("targets", shown);
            List<Map<String, Object>> rows = new ArrayList<>();
            planner.sums(h, w, steps, Dimension.STEP).forEach((key, s) -> {
                long n = s.count(Measure.STEP_CALLS);
                if (n == 0) return;
                StepKey step = StepKey.parse(key);
                String kind = step.kind();
                String name = step.name();
                BigDecimal max = s.amount(Measure.MAX_DURATION_MS);
                Double top = max.doubleValue(); // step rows always keep their slowest (V18 on), 0 ms included: no percentile above it
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("kind", kind);
                m.put("name", name);
                m.put("executions", n);
                m.put("failures", s.count(Measure.FAILED_STEP_CALLS));
                m.put("avg_duration_ms", CallGroups.round2(s.amount(Measure.STEP_DURATION_MS).doubleValue() / n));
                m.put("p50_ms", Histogram.percentile(s.latency(), 50, top));
                m.put("p95_ms", Histogram.percentile(s.latency(), 95, top));
                m.put("p99_ms", Histogram.percentile(s.latency(), 99, top));
                Duration target = targets.of(kind, name);
                m.put("target_ms", target == null ? null : millis(target));
                Long over = target == null ? null : overTarget(h, w, steps, key, s, target);
                m.put("over_target", over);
                m.put("over_target_rate", over == null ? null : percent(over, n));
                rows.add(m);
            });
            rows.sort(Comparator.comparing((Map<String, Object> m) -> -((Number) m.get("executions")).longValue())
                    .thenComparing(m -> m.get("kind") + ":" + m.get("name")));
            out.put("stages", rows);
            out.put("turn", turn(h, w, f.forMessages()));
            return out;
        });
    }

    /** Steps of {@code key} slower than {@code target}: from the histogram at a bucket edge, else counted in the rows. */
    private static long overTarget(Handle h, Window w, Filter f, String key, Sums s, Duration target) {
        long ms = target.toMillis();
        boolean whole = target.equals(Duration.ofMillis(ms)) && ms <= Integer.MAX_VALUE;
        int edge = whole ? Histogram.edgeIndex((int) ms) : -1;
        if (edge >= 0) {
            long n = 0;
            for (int i = edge + 1; i < Histogram.BUCKETS; i++) n += s.latency(i);
            return n;
        }
        return f.bind(w.bind(h.createQuery(OVER_TARGET).define("window", w.where("started_at")).define("filter", f.where())))
                .bind("key", key).bind("target", millis(target)).mapTo(Long.class).one();
    }

    /** Turns of the window, their average response time and, with a {@code turn} target, how many took longer. */
    private Map<String, Object> turn(Handle h, Window w, Filter messages) {
        Duration target = targets.turn();
        Map<String, Object> m = new LinkedHashMap<>();
        messages.bind(w.bind(h.createQuery(TURNS).define("window", w.where("`timestamp`")).define("filter", messages.where())))
                .bind("target", target == null ? BigDecimal.ZERO : millis(target))
                .map((rs, ctx) -> {
                    long turns = rs.getLong("turns");
                    m.put("turns", turns);
                    BigDecimal avg = rs.getBigDecimal("avg_ms");
                    m.put("avg_ms", avg == null ? null : avg.setScale(2, RoundingMode.HALF_UP).doubleValue());
                    m.put("target_ms", target == null ? null : millis(target));
                    long over = rs.getLong("over_target");
                    m.put("over_target", target == null ? null : over);
                    m.put("over_target_rate", target == null ? null : percent(over, turns));
                    return 0;
                }).one();
        return m;
    }

    private static BigDecimal millis(Duration d) {
        BigDecimal ms = BigDecimal.valueOf(d.toNanos(), 6).stripTrailingZeros();
        return ms.scale() < 0 ? ms.setScale(0) : ms;
    }

    private static Double percent(long part, long whole) {
        return whole == 0 ? null : BigDecimal.valueOf(100.0 * part / whole).setScale(2, RoundingMode.HALF_UP).doubleValue();
    }
}
