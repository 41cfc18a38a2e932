package dev.chatlog.sql.report;

import dev.chatlog.core.InvalidDefinitionException;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The hit rate each cache should reach, in percent: {@code responses=40%,audio=60%} ({@code CHATLOG_CACHE_TARGETS}).
 * A cache below its target is flagged in {@code /logging-dashboard/caches} and on the dashboard.
 */
public record CacheTargets(Map<String, BigDecimal> targets) {
    public static final CacheTargets NONE = new CacheTargets(Map.of());
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:\\-]{1,255}");

    public CacheTargets {
        targets = Map.copyOf(targets == null ? Map.of() : targets);
    }

    /** Names of letters, digits, '_', '.', ':' or '-'; rates from 0 to 100 percent; the field named on failure. */
    public CacheTargets validate() {
        targets.forEach((name, rate) -> {
            if (!NAME.matcher(name).matches()) {
                throw new InvalidDefinitionException("cache_targets", "a cache name is letters, digits, '_', '.', ':' or '-': " + name);
            }
            if (rate == null || rate.signum() < 0 || rate.compareTo(BigDecimal.valueOf(100)) > 0) {
                throw new InvalidDefinitionException("cache_targets", name + ": a hit-rate target is 0% to 100%");
            }
        });
        return this;
    }

    /** {@code name=rate%} pairs separated by commas ({@code %} optional). */
    public static CacheTargets parse(String spec) {
        if (spec == null || spec.isBlank()) return NONE;
        Map<String, BigDecimal> out = new LinkedHashMap<>();
        for (String part : spec.split(",")) {
            if (part.isBlank()) continue;
            int eq = part.indexOf('=');
            if (eq <= 0) throw new InvalidDefinitionException("cache_targets", "expected name=rate%, got: " + part.trim());
            String rate = part.substring(eq + 1).trim();
            if (rate.endsWith("%")) rate = rate.substring(0, rate.length() - 1).trim();
            try {
                out.put(part.substring(0, eq).trim(), new BigDecimal(rate));
            } catch (NumberFormatException e) {
                throw new InvalidDefinitionException("cache_targets", "a rate such as 40%, got: " + part.substring(eq + 1).trim());
            }
        }
        return new CacheTargets(out).validate();
    }

    /** The target of {@code cache}, null without one. */
    public BigDecimal of(String cache) {
        return targets.get(cache);
    }
}
