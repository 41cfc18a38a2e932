package dev.chatlog.sql.report;

import dev.chatlog.sql.query.Filter;
import dev.chatlog.sql.query.Planner;
import dev.chatlog.sql.query.Rows;
import dev.chatlog.sql.query.Window;
import dev.chatlog.sql.rollup.Dimension;
import dev.chatlog.sql.rollup.StepKey;
import dev.chatlog.sql.rollup.Measure;
import dev.chatlog.sql.rollup.Sums;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/**
 * {@code caches}: each of the application's caches over the window — lookups, hits, misses, hit rate against its
 * target, and what the hits saved — from the {@code step} rollups ({@code cache:<name>}); and the providers' prompt
 * caches per model: the share of input tokens read from the cache, from the model rollups.
 */
final class CacheReport {

    private final Jdbi jdbi;
    private final Planner planner;
    private final CacheTargets targets;

    CacheReport(Jdbi jdbi, Planner planner, CacheTargets targets) {
        this.jdbi = jdbi;
        this.planner = planner;
        this.targets = targets;
    }

    Map<String, Object> caches(Window w, Filter f) {
        Filter steps = new Filter(null, f.agent(), null, f.chatMode(), null, null).withArm(f.arm());
        return jdbi.withHandle(h -> {
            Map<String, Object> out = Shapes.hoursHeader(w);
            List<Map<String, Object>> caches = new ArrayList<>();
            planner.sums(h, w, steps, Dimension.STEP).forEach((key, s) -> {
                String name = StepKey.nameIf(dev.chatlog.core.CallType.CACHE, key);
                if (name == null) return;
                long hits = s.count(Measure.CACHE_HITS), misses = s.count(Measure.CACHE_MISSES);
                long lookups = hits + misses;
                if (lookups == 0) return;
                BigDecimal rate = percent(hits, lookups);
                BigDecimal target = targets.of(name);
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("cache", name);
                m.put("lookups", lookups);
                m.put("hits", hits);
                m.put("misses", misses);
                m.put("hit_rate", rate);
                m.put("target_rate", target);
                m.put("below_target", target == null ? null : rate.compareTo(target) < 0);
                m.put("saved_ms", Rows.plain(s.amount(Measure.CACHE_SAVED_MS)));
                m.put("saved_cost", Rows.plain(s.amount(Measure.CACHE_SAVED_COST)));
                m.put("avg_lookup_ms", CallGroups.round2(s.amount(Measure.STEP_DURATION_MS).doubleValue() / lookups));
                caches.add(m);
            });
            caches.sort(Comparator.comparing((Map<String, Object> m) -> -((Number) m.get("lookups")).longValue())
                    .thenComparing(m -> (String) m.get("cache")));
            out.put("caches", caches);
            List<Map<String, Object>> prompt = new ArrayList<>();
            planner.sums(h, w, new Filter(f.model(), f.agent(), f.function(), f.chatMode(), null, null).withArm(f.arm()), Dimension.MODEL, Sums.Columns.ALL)
                    .forEach((model, s) -> {
                        long input = s.count(Measure.INPUT_TOKENS);
                        if (input == 0) return;
                        long cached = s.count(Measure.CACHED_INPUT_TOKENS);
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("model", model.isEmpty() ? null : model);
                        m.put("input_tokens", input);
                        m.put("cached_input_tokens", cached);
                        m.put("cached_ratio", percent(cached, input));
                        prompt.add(m);
                    });
            prompt.sort(Comparator.comparing((Map<String, Object> m) -> -((Number) m.get("input_tokens")).longValue()));
            out.put("prompt_cache", prompt);
            // minute rows are kept two days: a window that starts before that reads hours
            boolean minutesKept = !w.allTime() && w.from().isAfter(java.time.Instant.now().minus(java.time.Duration.ofHours(47)));
            String bucket = w.allTime() || w.hours() > 168 ? "day" : w.hours() > 2 || !minutesKept ? "hour" : "minute";
            out.put("series_bucket", w.session() ? null : bucket);
            out.put("series", w.session() ? List.of() : series(h, w, bucket));
            return out;
        });
    }

    /**
     * Each cache's hits, misses and hit rate per minute (windows up to 2 hours in the last two days: minute rows are
     * kept two days), hour (up to 7 days) or day, read from the {@code step} rollups of the buckets the window overlaps,
     * whole (the first and the last may reach outside it); filters do not apply to it. Buckets without lookups are
     * left out.
     */
    private static List<Map<String, Object>> series(org.jdbi.v3.core.Handle h, Window w, String bucket) {
        java.time.temporal.ChronoUnit unit = switch (bucket) {
            case "minute" -> java.time.temporal.ChronoUnit.MINUTES;
            case "hour" -> java.time.temporal.ChronoUnit.HOURS;
            default -> java.time.temporal.ChronoUnit.DAYS;
        };
        List<Map<String, Object>> out = new ArrayList<>();
        h.createQuery("SELECT bucket_start, dim_value, SUM(cache_hits) hits, SUM(cache_misses) misses FROM chatbot_usage_rollup "
                        + "WHERE granularity = :g AND dimension = :d AND dim_value LIKE :prefix AND bucket_start >= :from AND bucket_start < :to "
                        + "GROUP BY bucket_start, dim_value HAVING SUM(cache_hits) + SUM(cache_misses) > 0 ORDER BY bucket_start, dim_value")
                .bind("g", bucket.substring(0, 1)).bind("d", Dimension.STEP.rollupName()).bind("prefix", StepKey.of(dev.chatlog.core.CallType.CACHE, null) + "%")
                .bind("from", dev.chatlog.sql.Utc.time(w.from().truncatedTo(unit))).bind("to", dev.chatlog.sql.Utc.time(w.to()))
                .map((rs, ctx) -> {
                    long hits = rs.getLong("hits"), misses = rs.getLong("misses");
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put(bucket, dev.chatlog.sql.Utc.instant(rs.getObject("bucket_start", java.time.LocalDateTime.class)).toString());
                    m.put("cache", StepKey.nameIf(dev.chatlog.core.CallType.CACHE, rs.getString("dim_value")));
                    m.put("hits", hits);
                    m.put("misses", misses);
                    m.put("hit_rate", percent(hits, hits + misses));
                    return out.add(m);
                }).list();
        return out;
    }

    /** {@code part / whole} in percent, two decimals. */
    private static BigDecimal percent(long part, long whole) {
        return BigDecimal.valueOf(part * 100L).divide(BigDecimal.valueOf(whole), 2, RoundingMode.HALF_UP);
    }
}
