package dev.chatlog.server.prices;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatlog.core.price.PriceCatalog;
import dev.chatlog.core.price.Rates;
import dev.chatlog.server.web.ApiError;
import dev.chatlog.server.web.Params;
import dev.chatlog.server.web.ReadParams;
import dev.chatlog.sql.Repricer;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * {@code GET /logging-dashboard/prices}: what the server's price catalog (the one its logger prices
 * calls with) charges for some tokens of a model, at an instant: the provider and model entry it
 * matched, the rates, the price version and the cost; or {@code "priced": false} with how to price it.
 */
public final class PriceController {
    /** The most tokens of one kind a quote takes (ten times the largest context windows). */
    static final int MAX_TOKENS = 100_000_000;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final PriceCatalog prices;
    private final Clock clock;
    private final Jdbi jdbi;
    private final boolean authenticated;

    /** {@code authenticated}: a token guards the routes; repricing is refused without one. */
    public PriceController(PriceCatalog prices, Clock clock, Jdbi jdbi, boolean authenticated) {
        this.prices = prices;
        this.clock = clock;
        this.jdbi = jdbi;
        this.authenticated = authenticated;
    }

    /** Registers the price quote and the repricing route. */
    public void register(RoutesConfig routes) {
        routes.get("/logging-dashboard/prices", this::quote);
        routes.post("/logging-dashboard/prices/reprice", this::reprice);
    }

    /**
     * {@code POST /logging-dashboard/prices/reprice} with {@code {"from", "to", "dry_run"}} (instants or
     * dates, {@code to} exclusive; {@code dry_run} defaults to true): prices the stored calls of the
     * window again with this server's catalog ({@link Repricer}) and says what changed.
     */
    void reprice(Context ctx) {
        if (!authenticated) {
            throw new ApiError(403, "repricing rewrites stored costs: set CHATLOG_API_TOKEN and call it with Authorization: Bearer <token>", null);
        }
        Params.requireJson(ctx.header("Content-Type"));
        JsonNode body;
        try {
            body = JSON.readTree(ctx.body());
        } catch (Exception e) {
            throw ApiError.badRequest("the body is not valid JSON: want {\"from\": \"2026-11-01\", \"to\": \"2026-12-01\", \"dry_run\": true}", null);
        }
        if (body == null || !body.isObject()) throw ApiError.badRequest("the body must be a JSON object with from and to", null);
        Instant from = bound(body, "from");
        Instant to = bound(body, "to");
        if (!from.isBefore(to)) throw ApiError.badRequest("from must be before to", "from");
        JsonNode dry = body.get("dry_run");
        if (dry != null && !dry.isBoolean()) throw ApiError.badRequest("dry_run must be true or false", "dry_run");
        boolean dryRun = dry == null || dry.asBoolean();
        ctx.json(new Repricer(jdbi, prices, 1_000).reprice(from, to, dryRun).toMap());
    }

    private static Instant bound(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || !v.isTextual()) throw ApiError.badRequest(field + " is required: a date (2026-11-01) or an ISO instant", field);
        return ReadParams.instant(v.asText().trim(), field);
    }

    void quote(Context ctx) {
        String model = Params.name(ctx, "model");
        if (model == null) throw ApiError.badRequest("model is required (the model name a call reports)", "model");
        String provider = Params.name(ctx, "provider");
        int in = Params.intParam(ctx, "input_tokens", 0, 0, MAX_TOKENS);
        int out = Params.intParam(ctx, "output_tokens", 0, 0, MAX_TOKENS);
        int cached = Params.intParam(ctx, "cached_input_tokens", 0, 0, MAX_TOKENS);
        int written = Params.intParam(ctx, "cache_write_tokens", 0, 0, MAX_TOKENS);
        if ((long) cached + written > in) {
            throw ApiError.badRequest("cached_input_tokens and cache_write_tokens are part of input_tokens: their sum is at most input_tokens",
                    cached > in ? "cached_input_tokens" : "cache_write_tokens");
        }
        String atParam = ctx.queryParam("at");
        Instant at = atParam == null || atParam.isBlank() ? clock.instant() : ReadParams.instant(atParam.trim(), "at");
        Optional<PriceCatalog.Quote> q = prices.quote(model, provider, at);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", model);
        body.put("provider", provider);
        body.put("at", at.toString());
        body.put("price_version", prices.version());
        body.put("priced", q.isPresent());
        if (q.isEmpty()) {
            body.put("hint", "no price for this model" + (provider == null ? "" : " on " + provider) + ": the price data does not know it "
                    + "(local and self-hosted providers are never priced). Price it with CHATLOG_PRICES=" + model.toLowerCase(java.util.Locale.ROOT)
                    + "=<input>:<output>[:<cached>] (USD per 1M tokens), " + model.toLowerCase(java.util.Locale.ROOT)
                    + "=<price>/<unit> (a model billed per image, minute, 1m_characters or 1k_searches) or a CHATLOG_PRICES_FILE; "
                    + "calls stay unpriced (not $0) until then");
            ctx.json(body);
            return;
        }
        Rates r = q.get().rates();
        body.put("source", q.get().source());
        body.put("matched_provider", q.get().provider());
        body.put("matched_model", q.get().model());
        Map<String, Object> rates = new LinkedHashMap<>();
        rates.put("input", rate(r.input(), in));
        rates.put("cache_read", rate(r.cacheRead(), in));
        rates.put("cache_write", rate(r.cacheWrite(), in));
        rates.put("output", rate(r.output(), in));
        rates.put("requests_per_thousand", r.requestsPerThousand());
        rates.put("unit", "USD per 1M tokens (requests: per 1,000); cache rates null: those tokens cost the input rate");
        body.put("rates", rates);
        if (!r.perUnit().isEmpty()) {
            body.put("per_unit", new java.util.TreeMap<>(r.perUnit()));
            body.put("per_unit_unit", "USD per one unit: image, audio_second, character, search, request");
        }
        body.put("tokens", Map.of("input", in, "cached_input", cached, "cache_write", written, "output", out));
        // a model priced only per unit has no token price: a call billed by tokens would be unpriced, never $0
        body.put("cost", r.pricesTokens() ? r.cost(in, cached, written, out) : null);
        if (!r.pricesTokens()) body.put("hint", "priced per unit only (see per_unit): calls billed by tokens stay unpriced");
        ctx.json(body);
    }

    /** A rate as used for this prompt, and its tiers when it has any. */
    private static Map<String, Object> rate(Rates.Rate rate, long promptTokens) {
        if (rate == null) return null;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("applied", rate.at(promptTokens));
        m.put("base", rate.base());
        if (!rate.tiers().isEmpty()) {
            List<Map<String, Object>> tiers = rate.tiers().stream()
                    .map(t -> Map.<String, Object>of("above_prompt_tokens", t.start(), "price", t.price())).toList();
            m.put("tiers", tiers);
        }
        return m;
    }
}
