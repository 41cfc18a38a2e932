package dev.chatlog.core.price;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What a model billed by the unit was used for, as a call records it in its metadata under {@value #KEY}:
 * {@code {"image": 2}}, {@code {"audio_second": 12.5}}, {@code {"character": 340}}, {@code {"search": 1}}. A per-unit
 * price ({@link #parsePrice}) is given in the unit vendors quote ({@code 0.04/image}, {@code 0.006/minute},
 * {@code 15/1m_characters}, {@code 2/1k_searches}) and kept per one of these units.
 */
public final class BillableUnits {
    /** The metadata key of a call's units. */
    public static final String KEY = "billable_units";
    public static final String IMAGE = "image";
    public static final String AUDIO_SECOND = "audio_second";
    public static final String CHARACTER = "character";
    public static final String SEARCH = "search";
    public static final String REQUEST = "request";

    /** A quoted unit: the unit it counts and how many of those one quoted unit is. */
    private record Quoted(String unit, long per) {}

    private static final Map<String, Quoted> QUOTED = Map.ofEntries(
            Map.entry("image", new Quoted(IMAGE, 1)),
            Map.entry("second", new Quoted(AUDIO_SECOND, 1)), Map.entry("minute", new Quoted(AUDIO_SECOND, 60)),
            Map.entry("character", new Quoted(CHARACTER, 1)), Map.entry("1k_characters", new Quoted(CHARACTER, 1_000)),
            Map.entry("1m_characters", new Quoted(CHARACTER, 1_000_000)),
            Map.entry("search", new Quoted(SEARCH, 1)), Map.entry("1k_searches", new Quoted(SEARCH, 1_000)),
            Map.entry("request", new Quoted(REQUEST, 1)), Map.entry("1k_requests", new Quoted(REQUEST, 1_000)));

    /** A price per one unit ({@link #IMAGE}, {@link #AUDIO_SECOND}...). */
    public record UnitPrice(String unit, BigDecimal perUnit) {}

    private BillableUnits() {}

    /** The quoted units a price may be given in, for messages. */
    public static String quotedUnits() {
        return String.join(", ", new java.util.TreeSet<>(QUOTED.keySet()));
    }

    /**
     * {@code price} USD per {@code quoted} ({@code image}, {@code second}, {@code minute}, {@code character},
     * {@code 1k_characters}, {@code 1m_characters}, {@code search}, {@code 1k_searches}, {@code request},
     * {@code 1k_requests}) as a price per one unit.
     *
     * @throws IllegalArgumentException for another unit or a negative price
     */
    public static UnitPrice parsePrice(BigDecimal price, String quoted) {
        Quoted q = QUOTED.get(quoted == null ? "" : quoted.trim().toLowerCase(Locale.ROOT));
        if (q == null) throw new IllegalArgumentException("unknown unit '" + quoted + "': want one of " + quotedUnits());
        if (price.signum() < 0) throw new IllegalArgumentException("a price cannot be negative");
        return new UnitPrice(q.unit(), price.divide(BigDecimal.valueOf(q.per()), 16, java.math.RoundingMode.HALF_UP).stripTrailingZeros());
    }

    /** The units recorded in {@code metadata} (numbers only; none when absent). */
    public static Map<String, BigDecimal> of(Map<String, Object> metadata) {
        if (metadata == null || !(metadata.get(KEY) instanceof Map<?, ?> m)) return Map.of();
        Map<String, BigDecimal> out = new LinkedHashMap<>();
        m.forEach((k, v) -> {
            if (k instanceof String unit && v instanceof Number n) {
                try {
                    BigDecimal q = new BigDecimal(n.toString());
                    if (q.signum() >= 0) out.put(unit, q);
                } catch (NumberFormatException notFinite) {
                    // NaN or infinite: not a quantity
                }
            }
        });
        return out;
    }
}
