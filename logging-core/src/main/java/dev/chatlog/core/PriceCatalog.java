package dev.chatlog.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Model prices: the bundled catalog ({@code prices.json}, with its source and date), optionally
 * overridden by the user. Name matching is predictable: a provider prefix ({@code openai/gpt-4o})
 * and one trailing date or {@code -latest} ({@code gpt-4o-2024-08-06}, {@code claude-3-5-sonnet-20241022},
 * {@code mistral-large-2411}) are removed; nothing else is guessed, so {@code gpt-4o-mini-x} is unknown,
 * not {@code gpt-4o}. An unknown model is not priced: its cost stays null and {@code priced=false}.
 */
public final class PriceCatalog {
    private static final Pattern DATE_SUFFIX =
            Pattern.compile("([-@](\\d{4}-\\d{2}-\\d{2}|\\d{8}|\\d{4})|-latest)$");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static volatile PriceCatalog bundled;

    private final String version;
    private final Map<String, ModelPrice> prices;

    private PriceCatalog(String version, Map<String, ModelPrice> prices) {
        this.version = version;
        this.prices = Collections.unmodifiableMap(prices);
    }

    /** The catalog shipped in the jar. */
    public static PriceCatalog bundled() {
        PriceCatalog c = bundled;
        if (c == null) {
            try (InputStream in = PriceCatalog.class.getResourceAsStream("prices.json")) {
                c = bundled = parse(JSON.readTree(in), "bundled-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return c;
    }

    /**
     * The bundled catalog with the user's overrides: {@code CHATLOG_PRICES_FILE} (a JSON file in the
     * bundled format) and {@code CHATLOG_PRICES} ({@code model=input:output[:cached];...}, USD per 1M).
     */
    public static PriceCatalog fromEnvironment(Map<String, String> env) {
        return bundled().withEnvironment(env);
    }

    /** This catalog with the environment's overrides ({@code CHATLOG_PRICES_FILE}, {@code CHATLOG_PRICES}) on top. */
    public PriceCatalog withEnvironment(Map<String, String> env) {
        PriceCatalog c = this;
        String file = env.get("CHATLOG_PRICES_FILE");
        if (file != null && !file.isBlank()) {
            c = c.withOverrides(Path.of(file));
        }
        String inline = env.get("CHATLOG_PRICES");
        if (inline != null && !inline.isBlank()) {
            c = c.withInlineOverrides(inline);
        }
        return c;
    }

    /** This catalog with the prices of a JSON file (same format as the bundled one) on top. */
    public PriceCatalog withOverrides(Path file) {
        try {
            PriceCatalog o = parse(JSON.readTree(Files.readAllBytes(file)), "file-");
            Map<String, ModelPrice> merged = new HashMap<>(prices);
            merged.putAll(o.prices);
            return new PriceCatalog(version + "+" + o.version, merged);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read price file " + file + ": " + e.getMessage(), e);
        }
    }

    /** This catalog with {@code model=input:output[:cached]} entries separated by {@code ;} on top. */
    public PriceCatalog withInlineOverrides(String spec) {
        Map<String, ModelPrice> merged = new HashMap<>(prices);
        for (String entry : spec.split(";")) {
            if (entry.isBlank()) continue;
            String[] kv = entry.split("=", 2);
            String[] p = kv.length == 2 ? kv[1].split(":") : new String[0];
            if (p.length < 2 || p.length > 3 || kv[0].isBlank()) {
                throw new IllegalArgumentException("bad price override '" + entry + "': want model=input:output[:cached]");
            }
            try {
                String model = kv[0].trim().toLowerCase(Locale.ROOT);
                merged.put(model, new ModelPrice(model, null, new BigDecimal(p[0].trim()), new BigDecimal(p[1].trim()),
                        p.length == 3 ? new BigDecimal(p[2].trim()) : null, null));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad price override '" + entry + "': prices must be numbers");
            }
        }
        return new PriceCatalog(version + "+env-" + Integer.toHexString(spec.hashCode()), merged);
    }

    private static PriceCatalog parse(JsonNode root, String versionPrefix) {
        Map<String, ModelPrice> prices = new HashMap<>();
        JsonNode models = root.path("models");
        for (Iterator<Map.Entry<String, JsonNode>> it = models.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey().toLowerCase(Locale.ROOT);
            JsonNode p = e.getValue();
            if (!p.hasNonNull("input") || !p.hasNonNull("output")) {
                throw new IllegalArgumentException("price of " + name + " needs input and output");
            }
            prices.put(name, new ModelPrice(name, p.path("provider").asText(null),
                    p.get("input").decimalValue(), p.get("output").decimalValue(),
                    p.hasNonNull("cached_input") ? p.get("cached_input").decimalValue() : null,
                    p.hasNonNull("cache_write") ? p.get("cache_write").decimalValue() : null));
        }
        return new PriceCatalog(versionPrefix + root.path("version").asText("unversioned"), prices);
    }

    /** Identifies the prices in force; stored as {@code price_version} on every call. */
    public String version() {
        return version;
    }

    /** The price of {@code model}, matched as the class comment says, or empty. */
    public Optional<ModelPrice> lookup(String model) {
        if (model == null || model.isBlank()) {
            return Optional.empty();
        }
        String name = canonicalName(model);
        ModelPrice p = prices.get(name);
        if (p == null) {
            String undated = DATE_SUFFIX.matcher(name).replaceFirst("");
            if (!undated.equals(name)) {
                p = prices.get(undated);
            }
        }
        return Optional.ofNullable(p);
    }

    /** Lower case, without a provider prefix such as {@code openai/} or {@code models/}. */
    public static String canonicalName(String model) {
        String name = model.trim().toLowerCase(Locale.ROOT);
        int slash = name.lastIndexOf('/');
        return slash >= 0 ? name.substring(slash + 1) : name;
    }

    /** The call with cost, {@code priced} and {@code price_version} set from this catalog. */
    public LlmCall price(LlmCall call) {
        Optional<ModelPrice> price = lookup(call.responseModel()).or(() -> lookup(call.model()));
        LlmCall.Builder b = call.toBuilder().priceVersion(version);
        if (price.isEmpty()) {
            return b.priced(false).costEstimate(null).build();
        }
        int in = call.inputTokens() == null ? 0 : call.inputTokens();
        int out = call.outputTokens() == null ? 0 : call.outputTokens();
        int cached = call.cachedInputTokens() == null ? 0 : call.cachedInputTokens();
        return b.priced(true).costEstimate(price.get().cost(in, out, cached)).build();
    }
}
