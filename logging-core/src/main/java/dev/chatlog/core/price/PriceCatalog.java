package dev.chatlog.core.price;

import dev.chatlog.core.LlmCall;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Model prices. Bundled: the genai-prices data ({@link GenaiPrices}: 34 providers, their model
 * rules, price history, long-context tiers, cache rates). On top, the user's own prices win
 * ({@link PriceSettings}): a price file (chatlog's {@code {"models": {...}}} format, or a genai-prices
 * {@code data_slim.json}, which then replaces the bundled data) and overrides
 * ({@code model=input:output[:cached]}), matched by name with a provider prefix and one trailing
 * date or {@code -latest} removed; and discounts ({@code provider=-20%;...}),
 * a negotiated discount on everything the data prices for one provider. A model neither knows is
 * not priced: its cost stays null and {@code priced=false}, never $0.
 */
public final class PriceCatalog {
    private static final Pattern DATE_SUFFIX =
            Pattern.compile("([-@](\\d{4}-\\d{2}-\\d{2}|\\d{8}|\\d{4})|-latest)$");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static volatile PriceCatalog bundled;

    private final String version;
    private final Map<String, ModelPrice> overrides;
    private final GenaiPrices data;
    private final Map<String, BigDecimal> discounts; // genai provider id -> factor (0.8 for -20%)

    private PriceCatalog(String version, Map<String, ModelPrice> overrides, GenaiPrices data, Map<String, BigDecimal> discounts) {
        this.version = version;
        this.overrides = Collections.unmodifiableMap(overrides);
        this.data = data;
        this.discounts = Collections.unmodifiableMap(discounts);
    }

    /** The catalog shipped in the jar: the genai-prices data, nothing on top. */
    public static PriceCatalog bundled() {
        PriceCatalog c = bundled;
        if (c == null) {
            GenaiPrices g = GenaiPrices.bundled();
            c = bundled = new PriceCatalog(g.version(), Map.of(), g, Map.of());
        }
        return c;
    }

    /**
     * This catalog with a price file on top: chatlog's format ({@code {"version", "models": {name:
     * {input, output, cached_input?, cache_write?}}}}) adds overrides; a genai-prices list of
     * providers replaces the data (a newer copy of {@code data_slim.json}).
     */
    public PriceCatalog withOverrides(Path file) {
        try {
            JsonNode root = JSON.readTree(Files.readAllBytes(file));
            if (root.isArray()) {
                String v = "genai-prices-file-" + Integer.toHexString(java.util.Arrays.hashCode(Files.readAllBytes(file)));
                GenaiPrices g = GenaiPrices.parse(root, v);
                return new PriceCatalog(version.replace(data.version(), g.version()), overrides, g, discounts);
            }
            Map<String, ModelPrice> o = PriceOverrides.file(root);
            Map<String, ModelPrice> merged = new HashMap<>(overrides);
            merged.putAll(o);
            return new PriceCatalog(version + "+file-" + root.path("version").asText("unversioned"), merged, data, discounts);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read price file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * This catalog with entries separated by {@code ;} on top: {@code model=input:output[:cached]} (USD per million
     * tokens) or {@code model=price/unit} (USD per image, minute, 1m_characters, 1k_searches...: {@link BillableUnits});
     * several entries for one model add up (a model may have a price per token and per image).
     */
    public PriceCatalog withInlineOverrides(String spec) {
        return new PriceCatalog(version + "+env-" + Integer.toHexString(spec.hashCode()), PriceOverrides.inline(overrides, spec), data, discounts);
    }

    /**
     * This catalog with per-provider discounts ({@code azure=-20%;anthropic=-5%}) on everything the
     * data prices for that provider (the user's own overrides are taken as already negotiated).
     */
    public PriceCatalog withDiscounts(String spec) {
        Map<String, BigDecimal> merged = new HashMap<>(discounts);
        for (String entry : spec.split(";")) {
            if (entry.isBlank()) continue;
            String[] kv = entry.split("=", 2);
            String pct = kv.length == 2 ? kv[1].trim() : "";
            String id = kv[0].isBlank() ? null : dataProvider(kv[0]); // a LangChain4j name or the data's
            GenaiPrices.Provider provider = id == null || id.isEmpty() ? null : data.provider(id);
            if (provider == null) {
                throw new IllegalArgumentException("bad price discount '" + entry + "': '" + kv[0].trim() + "' is not a provider of the price data");
            }
            if (!pct.matches("-\\d{1,2}(\\.\\d+)?%")) {
                throw new IllegalArgumentException("bad price discount '" + entry + "': want provider=-N% (0 to 99)");
            }
            BigDecimal off = new BigDecimal(pct.substring(1, pct.length() - 1));
            merged.put(provider.id(), BigDecimal.ONE.subtract(off.movePointLeft(2)));
        }
        return new PriceCatalog(version + "+discount-" + Integer.toHexString(spec.hashCode()), overrides, data, merged);
    }

    /** Identifies the prices in force; stored as {@code price_version} on every call. */
    public String version() {
        return version;
    }

    /** What a call is priced with: where the rates came from, the provider and model they are for. */
    public record Quote(String source, String provider, String model, Rates rates) {
        public static final String OVERRIDE = "override";
        public static final String DATA = "genai-prices";
        /** From the data, under another provider than the call's: its client's provider does not serve the model. */
        public static final String DATA_OTHER_PROVIDER = "genai-prices, model matched across providers";
    }

    /**
     * The rates for {@code model} served by {@code provider} (a LangChain4j provider name such as
     * {@code open-ai} or {@code amazon-bedrock}, a provider id of the data, or null) for a call
     * started {@code at}. A user override of the name wins; then the data, with the name as given,
     * then (for {@code azure/gpt-4o} or {@code publishers/google/models/gemini-2.5-pro}) with a
     * leading provider taken as the provider, or the last path segment as the model.
     */
    public Optional<Quote> quote(String model, String provider, Instant at) {
        return quote(model, provider, at, true);
    }

    private Optional<Quote> quote(String model, String provider, Instant at, boolean elsewhere) {
        if (model == null || model.isBlank()) return Optional.empty();
        ModelPrice own = override(model);
        if (own != null && (own.input() != null || own.output() != null)) {
            return Optional.of(new Quote(Quote.OVERRIDE, own.provider(), own.model(), own.rates()));
        }
        if (own != null) { // a price per image or minute only: its tokens (if any) keep the data's prices
            Optional<Quote> tokens = dataQuote(model, provider, at, elsewhere);
            return Optional.of(tokens.map(q -> new Quote(q.source(), q.provider(), q.model(), q.rates().withPerUnit(own.perUnit())))
                    .orElse(new Quote(Quote.OVERRIDE, own.provider(), own.model(), own.rates())));
        }
        return dataQuote(model, provider, at, elsewhere);
    }

    private Optional<Quote> dataQuote(String model, String provider, Instant at, boolean elsewhere) {
        String p = dataProvider(provider);
        if (NOT_PRICED.equals(p)) return Optional.empty();
        String ref = model.trim().toLowerCase(Locale.ROOT);
        Optional<GenaiPrices.Found> found = data.find(ref, p, null);
        int slash = ref.indexOf('/');
        if (found.isEmpty() && slash > 0 && p == null && data.provider(ref.substring(0, slash)) != null) {
            found = data.find(ref.substring(slash + 1), ref.substring(0, slash), null);
        }
        if (found.isEmpty() && slash > 0) {
            found = data.find(ref.substring(ref.lastIndexOf('/') + 1), p, null);
        }
        String source = Quote.DATA;
        // a gateway: the OpenAI(-compatible) client's provider has no such model; the data's model_match may know whose it is.
        // Only for OpenAI's client: Azure, Bedrock and Vertex deployments are billed at their own rates, not the vendor's
        GenaiPrices.Provider named = elsewhere && "openai".equals(p) ? data.provider(p) : null;
        if (found.isEmpty() && named != null) {
            found = data.findElsewhere(ref, named.id()).or(() -> slash > 0
                    ? data.findElsewhere(ref.substring(ref.lastIndexOf('/') + 1), named.id()) : Optional.empty());
            source = Quote.DATA_OTHER_PROVIDER;
        }
        String from = source;
        return found.map(f -> new Quote(from, f.provider().id(), f.model().id(),
                discounted(f.model().ratesAt(at == null ? Instant.now() : at), discounts.get(f.provider().id()))));
    }

    private ModelPrice override(String model) {
        if (overrides.isEmpty()) return null;
        String name = canonicalName(model);
        ModelPrice p = overrides.get(name);
        if (p == null) {
            String undated = DATE_SUFFIX.matcher(name).replaceFirst("");
            if (!undated.equals(name)) p = overrides.get(undated);
        }
        return p;
    }

    private static Rates discounted(Rates r, BigDecimal factor) {
        if (factor == null) return r;
        return new Rates(scale(r.input(), factor), scale(r.cacheWrite(), factor), scale(r.cacheRead(), factor),
                scale(r.output(), factor), r.requestsPerThousand() == null ? null : r.requestsPerThousand().multiply(factor), r.perUnit());
    }

    private static Rates.Rate scale(Rates.Rate rate, BigDecimal factor) {
        if (rate == null) return null;
        return new Rates.Rate(rate.base().multiply(factor), rate.tiers().stream()
                .map(t -> new Rates.Rate.Tier(t.start(), t.price().multiply(factor))).toList());
    }

    /** Marks a LangChain4j provider whose calls have no list price (local or self-hosted models). */
    private static final String NOT_PRICED = "";

    /**
     * The data's provider for a LangChain4j {@code ModelProvider} name as the listener stores it
     * ({@code open-ai} is stored {@code openai}); other names go to the data as they are (its
     * {@code provider_match} rules take many spellings); null or {@code other}: the model decides.
     */
    static String dataProvider(String provider) {
        if (provider == null) return null;
        return switch (provider.trim().toLowerCase(Locale.ROOT)) {
            case "", "other" -> null;
            case "openai", "open-ai" -> "openai";
            case "azure-open-ai", "microsoft-foundry" -> "azure";
            case "google-ai-gemini", "google-genai", "google-vertex-ai-gemini", "google-vertex-ai-anthropic" -> "google";
            case "amazon-bedrock" -> "aws";
            case "mistral-ai" -> "mistral";
            case "voyage-ai" -> "voyageai";
            case "ollama", "jina", "watsonx", "github-models", "self-hosted", "local" -> NOT_PRICED;
            default -> provider.trim().toLowerCase(Locale.ROOT);
        };
    }

    /** Lower case, without a provider prefix such as {@code openai/} or {@code models/}. */
    public static String canonicalName(String model) {
        String name = model.trim().toLowerCase(Locale.ROOT);
        int slash = name.lastIndexOf('/');
        return slash >= 0 ? name.substring(slash + 1) : name;
    }

    /** The call with cost, {@code priced} and {@code price_version} set from this catalog, at the prices of its start. */
    public LlmCall price(LlmCall call) {
        Instant at = call.startedAt();
        // both names under the call's own provider first, then (a gateway) under the provider the data gives them
        Optional<Quote> q = quote(call.responseModel(), call.provider(), at, false).or(() -> quote(call.model(), call.provider(), at, false))
                .or(() -> quote(call.responseModel(), call.provider(), at, true)).or(() -> quote(call.model(), call.provider(), at, true));
        LlmCall.Builder b = call.toBuilder().priceVersion(version);
        Map<String, BigDecimal> units = BillableUnits.of(call.metadata());
        if (call.callType().billsByUnit() || !units.isEmpty()) { // priced by what it made, never by tokens it estimated
            BigDecimal cost = q.map(x -> x.rates().unitCost(units)).orElse(null);
            return cost == null ? b.priced(false).costEstimate(null).build() : b.priced(true).costEstimate(cost).build();
        }
        if (q.isEmpty() || !q.get().rates().pricesTokens()) {
            return b.priced(false).costEstimate(null).build();
        }
        int in = call.inputTokens() == null ? 0 : call.inputTokens();
        int out = call.outputTokens() == null ? 0 : call.outputTokens();
        int cached = call.cachedInputTokens() == null ? 0 : call.cachedInputTokens();
        int written = call.cacheWriteTokens() == null ? 0 : call.cacheWriteTokens();
        if (Quote.DATA_OTHER_PROVIDER.equals(q.get().source())) { // say on the row whose price it carries
            Map<String, Object> meta = new java.util.LinkedHashMap<>(call.metadata());
            meta.put("priced_as_provider", q.get().provider());
            meta.put("priced_as_model", q.get().model());
            b.metadata(meta);
        }
        return b.priced(true).costEstimate(q.get().rates().cost(in, cached, written, out)).build();
    }
}
