package dev.chatlog.core.price;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * The user's own prices as written: {@code CHATLOG_PRICES} entries ({@code model=input:output[:cached]} per million
 * tokens, {@code model=price/unit} per image, minute, character or search) and a price file in chatlog's format
 * ({@code {"models": {name: {input, output, cached_input?, cache_write?, per_image?...}}}}), read into
 * {@link ModelPrice}s by model name; a wrong entry is refused, naming it.
 */
final class PriceOverrides {
    private PriceOverrides() {}

    /** {@code overrides} with the entries of {@code spec} (separated by {@code ;}) on top; several for one model add up. */
    static Map<String, ModelPrice> inline(Map<String, ModelPrice> overrides, String spec) {
        Map<String, ModelPrice> merged = new HashMap<>(overrides);
        for (String entry : spec.split(";")) {
            if (entry.isBlank()) continue;
            String[] kv = entry.split("=", 2);
            if (kv.length != 2 || kv[0].isBlank()) {
                throw new IllegalArgumentException("bad price override '" + entry + "': want model=input:output[:cached] or model=price/unit");
            }
            String model = kv[0].trim().toLowerCase(Locale.ROOT);
            ModelPrice had = merged.get(model);
            try {
                if (kv[1].contains("/")) {
                    String[] pu = kv[1].split("/", 2);
                    BillableUnits.UnitPrice up = BillableUnits.parsePrice(new BigDecimal(pu[0].trim()), pu[1]);
                    Map<String, BigDecimal> units = new HashMap<>(had == null ? Map.of() : had.perUnit());
                    units.put(up.unit(), up.perUnit());
                    merged.put(model, had == null ? new ModelPrice(model, null, null, null, null, null, units)
                            : new ModelPrice(model, had.provider(), had.input(), had.output(), had.cachedInput(), had.cacheWrite(), units));
                    continue;
                }
                String[] p = kv[1].split(":");
                if (p.length < 2 || p.length > 3) {
                    throw new IllegalArgumentException("bad price override '" + entry + "': want model=input:output[:cached] or model=price/unit");
                }
                BigDecimal[] rates = new BigDecimal[p.length];
                for (int i = 0; i < p.length; i++) {
                    rates[i] = new BigDecimal(p[i].trim());
                    if (rates[i].signum() < 0) throw new IllegalArgumentException("bad price override '" + entry + "': a price cannot be negative");
                }
                merged.put(model, new ModelPrice(model, had == null ? null : had.provider(), rates[0], rates[1], p.length == 3 ? rates[2] : null,
                        had == null ? null : had.cacheWrite(), had == null ? null : had.perUnit()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad price override '" + entry + "': prices must be numbers");
            } catch (IllegalArgumentException e) {
                if (e.getMessage() != null && e.getMessage().startsWith("bad price override")) throw e;
                throw new IllegalArgumentException("bad price override '" + entry + "': " + e.getMessage());
            }
        }
        return merged;
    }

    /** The models of a price file in chatlog's format. */
    static Map<String, ModelPrice> file(JsonNode root) {
        Map<String, ModelPrice> prices = new HashMap<>();
        JsonNode models = root.path("models");
        for (Iterator<Map.Entry<String, JsonNode>> it = models.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey().toLowerCase(Locale.ROOT);
            JsonNode p = e.getValue();
            Map<String, BigDecimal> units = new HashMap<>();
            for (Iterator<String> keys = p.fieldNames(); keys.hasNext(); ) {
                String key = keys.next();
                if (!key.toLowerCase(Locale.ROOT).startsWith("per_")) continue;
                if (!p.get(key).isNumber()) throw new IllegalArgumentException("price of " + name + ": " + key + " must be a number");
                try {
                    BillableUnits.UnitPrice up = BillableUnits.parsePrice(p.get(key).decimalValue(), key.substring(4));
                    units.put(up.unit(), up.perUnit());
                } catch (IllegalArgumentException bad) {
                    throw new IllegalArgumentException("price of " + name + ": " + key + ": " + bad.getMessage());
                }
            }
            boolean tokens = p.hasNonNull("input") || p.hasNonNull("output");
            if ((tokens || units.isEmpty()) && (!p.hasNonNull("input") || !p.hasNonNull("output"))) {
                throw new IllegalArgumentException("price of " + name + " needs input and output (or a per-unit price such as per_image)");
            }
            for (String field : new String[] {"input", "output", "cached_input", "cache_write"}) {
                if (p.hasNonNull(field) && p.get(field).decimalValue().signum() < 0) {
                    throw new IllegalArgumentException("price of " + name + ": " + field + " cannot be negative");
                }
            }
            prices.put(name, new ModelPrice(name, p.path("provider").asText(null),
                    tokens ? p.get("input").decimalValue() : null, tokens ? p.get("output").decimalValue() : null,
                    p.hasNonNull("cached_input") ? p.get("cached_input").decimalValue() : null,
                    p.hasNonNull("cache_write") ? p.get("cache_write").decimalValue() : null, units));
        }
        return prices;
    }
}
