package dev.chatlog.core.price;

import dev.chatlog.core.text.Text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The price data of the genai-prices project (MIT; {@code genai-prices/} beside this class, with
 * its licence and source commit), read with its own matching semantics: a provider is found by id
 * or its {@code provider_match} rule (else by the first provider whose {@code model_match} takes
 * the model name); a model by the first of its provider's models whose {@code match} takes the
 * lower-cased name, then in the provider's {@code fallback_model_providers} (one step: Azure's
 * {@code gpt-4o} is priced from OpenAI's entry); the prices by the last conditional price in
 * force when the call started ({@code start_date}, or a UTC time of day), else the first. What
 * the data does not know is not found: no guess, no $0.
 */
public final class GenaiPrices {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static volatile GenaiPrices bundled;

    /** The data's version, as stored in {@code price_version}. */
    private final String version;
    private final List<Provider> providers;

    private GenaiPrices(String version, List<Provider> providers) {
        this.version = version;
        this.providers = List.copyOf(providers);
    }

    /** The bundled copy ({@code genai-prices/data_slim.json}, version from its SOURCE.md commit). */
    public static GenaiPrices bundled() {
        GenaiPrices g = bundled;
        if (g == null) {
            try (InputStream data = GenaiPrices.class.getResourceAsStream("genai-prices/data_slim.json");
                 InputStream source = GenaiPrices.class.getResourceAsStream("genai-prices/SOURCE.md")) {
                String text = new String(source.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                var commit = Pattern.compile("commit ([0-9a-f]{7})[0-9a-f]*\\s*\\(([0-9-]+)\\)").matcher(text);
                String version = commit.find() ? "genai-prices@" + commit.group(1) + "/" + commit.group(2) : "genai-prices";
                g = bundled = parse(JSON.readTree(data), version);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return g;
    }

    /** Data in the genai-prices format ({@code data_slim.json}: a list of providers). */
    public static GenaiPrices parse(JsonNode root, String version) {
        if (!root.isArray()) throw new IllegalArgumentException("genai-prices data must be a JSON list of providers");
        List<Provider> providers = new ArrayList<>();
        for (JsonNode p : root) {
            List<Model> models = new ArrayList<>();
            for (JsonNode m : p.path("models")) {
                models.add(new Model(m.path("id").asText(), m.path("name").asText(null), Rule.parse(m.get("match")), prices(m.get("prices"))));
            }
            List<String> fallbacks = new ArrayList<>();
            p.path("fallback_model_providers").forEach(f -> fallbacks.add(f.asText()));
            String api = p.path("api_pattern").asText(null);
            providers.add(new Provider(p.path("id").asText(), p.path("name").asText(), api == null ? null : Pattern.compile(api),
                    Rule.parse(p.get("model_match")), Rule.parse(p.get("provider_match")), List.copyOf(fallbacks), List.copyOf(models)));
        }
        return new GenaiPrices(version, providers);
    }

    public String version() {
        return version;
    }

    public List<Provider> providers() {
        return providers;
    }

    /** A model of the data and the provider it was found under. */
    public record Found(Provider provider, Model model) {}

    /**
     * The provider and model for a call: {@code provider} is a provider id of the data, a spelling
     * its {@code provider_match} takes, or null (then the model name chooses); {@code apiUrl}, when
     * given, picks the provider whose {@code api_pattern} it matches, for an OpenAI-compatible
     * client pointed elsewhere.
     */
    public Optional<Found> find(String modelRef, String provider, String apiUrl) {
        if (modelRef == null || modelRef.isBlank()) return Optional.empty();
        String model = modelRef.trim().toLowerCase(Locale.ROOT);
        Provider p = provider != null ? provider(provider) : apiUrl != null ? byUrl(apiUrl) : byModel(model);
        if (p == null) return Optional.empty();
        return p.find(model, this).map(m -> new Found(p, m));
    }

    /**
     * The provider and model for a model its client's provider {@code except} does not serve (a gateway: the OpenAI
     * client asking an OpenAI-compatible endpoint for {@code claude-3-haiku}): the provider the data's own
     * {@code model_match} gives the name, if it lists the model. No guess beyond the data's own rule.
     */
    public Optional<Found> findElsewhere(String modelRef, String except) {
        if (modelRef == null || modelRef.isBlank()) return Optional.empty();
        String model = modelRef.trim().toLowerCase(Locale.ROOT);
        Provider owner = byModel(model);
        if (owner == null || owner.id().equals(except)) return Optional.empty();
        return owner.own(model).map(m -> new Found(owner, m));
    }

    /** The provider with this id, or whose {@code provider_match} takes it (lower-cased, trimmed). */
    public Provider provider(String idOrSpelling) {
        String id = idOrSpelling.trim().toLowerCase(Locale.ROOT);
        for (Provider p : providers) if (p.id().equals(id)) return p;
        for (Provider p : providers) if (p.providerMatch() != null && p.providerMatch().matches(id)) return p;
        return null;
    }

    /** The id of the provider whose {@code api_pattern} an API base URL matches. */
    public Optional<String> providerAt(String apiUrl) {
        return Optional.ofNullable(apiUrl == null ? null : byUrl(apiUrl)).map(Provider::id);
    }

    private Provider byUrl(String url) {
        for (Provider p : providers) if (p.apiPattern() != null && p.apiPattern().matcher(url).lookingAt()) return p;
        return null;
    }

    private Provider byModel(String model) {
        for (Provider p : providers) if (p.modelMatch() != null && p.modelMatch().matches(model)) return p;
        return null;
    }

    Provider byId(String id) {
        for (Provider p : providers) if (p.id().equals(id)) return p;
        return null;
    }

    public record Provider(String id, String name, Pattern apiPattern, Rule modelMatch, Rule providerMatch,
                           List<String> fallbackModelProviders, List<Model> models) {
        Optional<Model> find(String model, GenaiPrices data) {
            Optional<Model> own = own(model);
            if (own.isPresent()) return own;
            for (String f : fallbackModelProviders) { // one step only, as the data means it
                Provider fp = data.byId(f);
                if (fp == null) continue;
                for (Model m : fp.models()) if (m.match().matches(model)) return Optional.of(m);
            }
            return Optional.empty();
        }

        /** The model of this provider's own list that the name matches (no fallback providers). */
        Optional<Model> own(String model) {
            for (Model m : models) if (m.match().matches(model)) return Optional.of(m);
            return Optional.empty();
        }
    }

    /** A model: its id in the data, its match rule, its prices over time. */
    public record Model(String id, String name, Rule match, List<Conditional> prices) {
        /** The last price whose condition holds at {@code at}; the first when none does. */
        public Rates ratesAt(Instant at) {
            for (int i = prices.size() - 1; i >= 0; i--) {
                if (prices.get(i).activeAt(at)) return prices.get(i).rates();
            }
            return prices.get(0).rates();
        }
    }

    /** Prices with an optional condition: from a date on, or within a daily UTC window. */
    public record Conditional(LocalDate startDate, LocalTime startTime, LocalTime endTime, Rates rates) {
        boolean activeAt(Instant at) {
            if (startDate != null) return !at.atZone(ZoneOffset.UTC).toLocalDate().isBefore(startDate);
            if (startTime != null) {
                LocalTime t = at.atZone(ZoneOffset.UTC).toLocalTime();
                return !t.isBefore(startTime) && t.isBefore(endTime);
            }
            return true;
        }
    }

    private static List<Conditional> prices(JsonNode n) {
        if (n == null) throw new IllegalArgumentException("a model without prices");
        List<Conditional> out = new ArrayList<>();
        if (n.isArray()) {
            for (JsonNode c : n) {
                JsonNode k = c.path("constraint");
                out.add(new Conditional(k.hasNonNull("start_date") ? LocalDate.parse(k.get("start_date").asText()) : null,
                        k.hasNonNull("start_time") ? time(k.get("start_time").asText()) : null,
                        k.hasNonNull("end_time") ? time(k.get("end_time").asText()) : null, rates(c.path("prices"))));
            }
        } else {
            out.add(new Conditional(null, null, null, rates(n)));
        }
        return List.copyOf(out);
    }

    private static LocalTime time(String s) {
        return s.endsWith("Z") || s.contains("+") || s.lastIndexOf('-') > 0
                ? OffsetTime.parse(s).withOffsetSameInstant(ZoneOffset.UTC).toLocalTime() : LocalTime.parse(s);
    }

    static Rates rates(JsonNode p) {
        BigDecimal requests = p.hasNonNull("requests_kcount") ? p.get("requests_kcount").decimalValue() : null;
        return new Rates(rate(p.get("input_mtok")), rate(p.get("cache_write_mtok")), rate(p.get("cache_read_mtok")),
                rate(p.get("output_mtok")), requests);
    }

    private static Rates.Rate rate(JsonNode n) {
        if (n == null || n.isNull()) return null;
        if (n.isNumber()) return Rates.Rate.flat(n.decimalValue());
        List<Rates.Rate.Tier> tiers = new ArrayList<>();
        for (JsonNode t : n.path("tiers")) tiers.add(new Rates.Rate.Tier(t.path("start").asLong(), t.path("price").decimalValue()));
        return new Rates.Rate(n.path("base").decimalValue(), tiers);
    }

    /**
     * A match clause of the data: {@code equals}, {@code starts_with}, {@code ends_with} and
     * {@code contains} compare without case; {@code regex} searches, with case; {@code or},
     * {@code and} combine. Names are lower-cased once by the lookup (as genai-prices does), so a
     * rule is given lower-case text and its own values are lower-cased when the data is read.
     */
    public sealed interface Rule {
        /** Whether the rule takes {@code text}, which is in lower case. */
        boolean matches(String text);

        static Rule parse(JsonNode n) {
            if (n == null || n.isNull()) return null;
            if (!n.isObject() || n.size() != 1) throw new IllegalArgumentException("a match clause has one key: " + n);
            Map.Entry<String, JsonNode> e = n.fields().next();
            String v = e.getValue().isTextual() ? e.getValue().asText() : null;
            return switch (e.getKey()) {
                case "equals" -> new Text(v.toLowerCase(Locale.ROOT), Text.Kind.EQUALS);
                case "starts_with" -> new Text(v.toLowerCase(Locale.ROOT), Text.Kind.STARTS_WITH);
                case "ends_with" -> new Text(v.toLowerCase(Locale.ROOT), Text.Kind.ENDS_WITH);
                case "contains" -> new Text(v.toLowerCase(Locale.ROOT), Text.Kind.CONTAINS);
                case "regex" -> new Regex(Pattern.compile(v));
                case "or", "and" -> {
                    List<Rule> rules = new ArrayList<>();
                    e.getValue().forEach(r -> rules.add(parse(r)));
                    yield new Combined(List.copyOf(rules), e.getKey().equals("and"));
                }
                default -> throw new IllegalArgumentException("unknown match clause " + e.getKey());
            };
        }

        record Text(String value, Kind kind) implements Rule {
            enum Kind { EQUALS, STARTS_WITH, ENDS_WITH, CONTAINS }

            @Override
            public boolean matches(String text) {
                return switch (kind) {
                    case EQUALS -> text.equals(value);
                    case STARTS_WITH -> text.startsWith(value);
                    case ENDS_WITH -> text.endsWith(value);
                    case CONTAINS -> text.contains(value);
                };
            }
        }

        record Regex(Pattern pattern) implements Rule {
            @Override
            public boolean matches(String text) {
                return pattern.matcher(text).find();
            }
        }

        record Combined(List<Rule> rules, boolean all) implements Rule {
            @Override
            public boolean matches(String text) {
                return all ? rules.stream().allMatch(r -> r.matches(text)) : rules.stream().anyMatch(r -> r.matches(text));
            }
        }
    }
}
