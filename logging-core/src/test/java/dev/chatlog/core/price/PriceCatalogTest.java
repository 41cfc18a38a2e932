package dev.chatlog.core.price;

import dev.chatlog.core.InvalidDefinitionException;

import dev.chatlog.core.LlmCall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Costs computed by hand from the vendors' published price tables (USD per 1M tokens), against
 * what the bundled genai-prices data and its matching give. Provider names are LangChain4j's, as
 * the listener stores them ({@code openai}, {@code amazon-bedrock}, {@code google-vertex-ai-gemini}).
 */
class PriceCatalogTest {
    private final PriceCatalog catalog = PriceCatalog.bundled();
    private static final Instant MID_2026 = Instant.parse("2026-06-01T10:00:00Z");

    @ParameterizedTest(name = "{0} on {1} at {2}: {7}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            // OpenAI: $2.50 in, $1.25 cached, $10 out
            "gpt-4o                          | openai                  | -                    | 1000    | 400   | 0    | 200     | 0.004      | openai/gpt-4o",
            "gpt-4o-2024-08-06               | openai                  | -                    | 10000   | 0     | 0    | 1000    | 0.035      | openai/gpt-4o",
            "gpt-4o-mini                     | openai                  | -                    | 1000000 | 0     | 0    | 1000000 | 0.75       | openai/gpt-4o-mini",
            "gpt-4.1                         | openai                  | -                    | 2000    | 1000  | 0    | 500     | 0.0065     | openai/gpt-4.1",
            "gpt-5                           | openai                  | -                    | 100000  | 0     | 0    | 10000   | 0.225      | openai/gpt-5",
            // o3's price cut on 2025-06-10 ($10/$40 -> $2/$8): two calls either side of it
            "o3                              | openai                  | 2025-06-09T23:59:59Z | 1000    | 0     | 0    | 1000    | 0.05       | openai/o3",
            "o3                              | openai                  | 2025-06-10T00:00:00Z | 1000    | 0     | 0    | 1000    | 0.01       | openai/o3",
            "gpt-4o-audio-preview-2024-12-17 | openai                  | -                    | 1000    | 0     | 0    | 1000    | 0.0125     | openai/gpt-4o-audio-preview",
            "gpt-4o-search-preview           | openai                  | -                    | 1000    | 0     | 0    | 1000    | 0.0125     | openai/gpt-4o-search-preview",
            "text-embedding-3-small          | openai                  | -                    | 1000000 | 0     | 0    | 0       | 0.02       | openai/text-embedding-3-small",
            // GPT-5.4: $2.50/$15, the whole request at $5/$22.50 once the prompt is over 272k
            "gpt-5.4                         | openai                  | -                    | 272000  | 0     | 0    | 1000    | 0.695      | openai/gpt-5.4",
            "gpt-5.4                         | openai                  | -                    | 272001  | 0     | 0    | 1000    | 1.382505   | openai/gpt-5.4",
            // Anthropic: cache writes at 1.25x input, reads at 0.1x
            "claude-3-haiku-20240307         | anthropic               | -                    | 10000   | 2000  | 3000 | 1000    | 0.00346    | anthropic/claude-3-haiku",
            "claude-sonnet-4-6               | anthropic               | 2026-06-01T10:00:00Z | 300000  | 0     | 0    | 1000    | 0.915      | anthropic/claude-sonnet-4-6",
            "claude-sonnet-4-6               | anthropic               | 2026-03-01T10:00:00Z | 300000  | 0     | 0    | 1000    | 1.8225     | anthropic/claude-sonnet-4-6",
            "claude-opus-4-7                 | anthropic               | -                    | 2000    | 0     | 1000 | 100     | 0.01375    | anthropic/claude-opus-4-7",
            "claude-3-5-sonnet-20241022      | anthropic               | -                    | 1000    | 0     | 0    | 1000    | 0.018      | anthropic/claude-3-5-sonnet",
            "claude-haiku-4-5                | anthropic               | -                    | 1000    | 500   | 0    | 100     | 0.00105    | anthropic/claude-haiku-4-5",
            // Bedrock
            "anthropic.claude-3-haiku-20240307-v1:0 | amazon-bedrock   | -                    | 1000    | 0     | 0    | 1000    | 0.0015     | aws/-",
            "us.anthropic.claude-3-7-sonnet-20250219-v1:0 | amazon-bedrock | -                | 1000    | 0     | 0    | 1000    | 0.018      | aws/-",
            "amazon.nova-pro-v1:0            | amazon-bedrock          | -                    | 1000    | 0     | 0    | 1000    | 0.004      | aws/amazon.nova-pro-v1:0",
            // Vertex: Claude through Google (the data falls back to Anthropic's entry), Gemini by resource path
            "claude-3-5-sonnet-v2@20241022   | google-vertex-ai-anthropic | -                 | 1000    | 0     | 0    | 1000    | 0.018      | google/claude-3-5-sonnet",
            "publishers/google/models/gemini-2.5-pro | google-vertex-ai-gemini | -            | 1000    | 0     | 0    | 1000    | 0.01125    | google/gemini-2.5-pro",
            // Gemini 2.5 Pro: $1.25/$10 up to 200k prompt tokens, $2.50/$15 (cached $0.25) above
            "gemini-2.5-pro                  | google-ai-gemini        | -                    | 200000  | 0     | 0    | 1000    | 0.26       | google/gemini-2.5-pro",
            "gemini-2.5-pro                  | google-vertex-ai-gemini | -                    | 250000  | 50000 | 0    | 1000    | 0.5275     | google/gemini-2.5-pro",
            "gemini-1.5-flash                | google-ai-gemini        | -                    | 1000    | 0     | 0    | 1000    | 0.000375   | google/gemini-1.5-flash",
            "gemini-2.5-flash                | google-ai-gemini        | -                    | 1000    | 0     | 0    | 1000    | 0.0028     | google/gemini-2.5-flash",
            // Azure OpenAI: priced from OpenAI's list
            "gpt-4o                          | azure-open-ai           | -                    | 1000    | 0     | 0    | 1000    | 0.0125     | azure/gpt-4o",
            "azure/gpt-4o                    | -                       | -                    | 1000    | 0     | 0    | 1000    | 0.0125     | azure/gpt-4o",
            "gpt-4o-mini                     | azure-open-ai           | -                    | 1000000 | 0     | 0    | 1000000 | 0.75       | azure/gpt-4o-mini",
            // Mistral, DeepSeek (off-peak 16:30-00:30 UTC at half price), Groq, Perplexity ($14 per 1k requests)
            "mistral-large-latest            | mistral-ai              | -                    | 1000    | 0     | 0    | 1000    | 0.008      | mistral/mistral-large",
            "codestral-latest                | mistral-ai              | -                    | 1000    | 0     | 0    | 1000    | 0.0012     | mistral/codestral",
            "deepseek-chat                   | deepseek                | 2026-06-01T10:00:00Z | 1000    | 0     | 0    | 1000    | 0.00137    | deepseek/deepseek-chat",
            "deepseek-chat                   | deepseek                | 2026-06-01T20:00:00Z | 1000    | 0     | 0    | 1000    | 0.000685   | deepseek/deepseek-chat",
            "llama-3.3-70b-versatile         | groq                    | -                    | 1000    | 0     | 0    | 1000    | 0.00138    | groq/llama-3.3-70b-versatile",
            "llama-3.1-8b-instant            | groq                    | -                    | 1000000 | 0     | 0    | 1000000 | 0.13       | groq/llama-3.1-8b-instant",
            "sonar-pro                       | perplexity              | -                    | 1000    | 0     | 0    | 1000    | 0.032      | perplexity/sonar-pro"})
    void should_cost_what_the_vendors_tables_say(String model, String provider, String at, long in, long read, long write, long out,
                                                 String expected, String matched) {
        Instant when = at == null ? MID_2026 : Instant.parse(at);
        PriceCatalog.Quote q = catalog.quote(model, provider, when).orElseThrow(() -> new AssertionError("no price for " + model));
        BigDecimal cost = q.rates().cost(in, read, write, out);
        assertEquals(0, new BigDecimal(expected).compareTo(cost), model + " on " + provider + ": " + cost);
        String[] pm = matched.split("/", 2);
        assertEquals(pm[0], q.provider());
        if (!pm[1].equals("-")) assertEquals(pm[1], q.model());
        assertEquals(PriceCatalog.Quote.DATA, q.source());
    }

    @ParameterizedTest
    @CsvSource(nullValues = "-", value = {"my-local-llama, -", "llama3, ollama", "gpt-4o, ollama", "gpt-4o-x, -", "mystery, openai",
            "gpt-4o, no-such-provider", "claude-9, anthropic"})
    void should_leave_a_model_the_data_does_not_know_unpriced(String model, String provider) {
        assertTrue(catalog.quote(model, provider, MID_2026).isEmpty(), model + " on " + provider + " must stay unpriced");
        LlmCall call = catalog.price(LlmCall.builder().model(model).provider(provider).inputTokens(10).outputTokens(5).startedAt(MID_2026).build());
        assertFalse(call.priced());
        assertNull(call.costEstimate(), "never $0");
        assertEquals(catalog.version(), call.priceVersion());
    }

    @ParameterizedTest
    @CsvSource({
            // an OpenAI-compatible gateway (LiteLLM, OpenRouter, a company proxy) serving other vendors' models to the OpenAI client
            "claude-3-haiku-20240307, openai, anthropic, 1000000, 1000000, 1.5",
            "claude-3-5-sonnet-latest, openai, anthropic, 1000, 1000, 0.018",
            "gemini-2.5-flash, open-ai, google, 1000, 1000, 0.0028",
            "anthropic/claude-3-haiku-20240307, openai, anthropic, 1000000, 1000000, 1.5"})
    void should_price_a_model_the_clients_provider_does_not_serve_under_the_provider_the_data_gives_it(
            String model, String provider, String pricedAs, long in, long out, String expected) {
        PriceCatalog.Quote q = catalog.quote(model, provider, MID_2026).orElseThrow(() -> new AssertionError(model + " through " + provider + " is unpriced"));
        assertEquals(pricedAs, q.provider(), q.toString());
        assertEquals(PriceCatalog.Quote.DATA_OTHER_PROVIDER, q.source(), "the source says the provider was not the client's");
        assertEquals(0, new BigDecimal(expected).compareTo(q.rates().cost(in, 0, 0, out)), q.toString());
        LlmCall call = catalog.price(LlmCall.builder().model(model).provider(provider).inputTokens((int) in).outputTokens((int) out)
                .startedAt(MID_2026).build());
        assertTrue(call.priced());
        assertEquals(pricedAs, call.metadata().get("priced_as_provider"), "the row says whose price it carries: " + call.metadata());
    }

    @ParameterizedTest
    @CsvSource({"DeepSeek-R1, azure-open-ai", "deepseek-r1-0528-maas, google-vertex-ai-gemini", "deepseek-r1:14b, self-hosted",
            "mistral-7b-instruct, local", "meta-llama/Llama-3.1-8B-Instruct, openai"})
    void should_not_price_a_deployment_or_a_self_hosted_model_at_another_providers_rate(String model, String provider) {
        assertTrue(catalog.quote(model, provider, MID_2026).isEmpty(), model + " on " + provider + ": "
                + catalog.quote(model, provider, MID_2026));
    }

    @Test
    void should_price_a_call_at_the_prices_in_force_when_it_started() {
        LlmCall before = catalog.price(LlmCall.builder().model("o3").provider("openai").inputTokens(1000).outputTokens(1000)
                .startedAt(Instant.parse("2025-06-01T00:00:00Z")).build());
        LlmCall after = catalog.price(LlmCall.builder().model("o3").provider("openai").inputTokens(1000).outputTokens(1000)
                .startedAt(Instant.parse("2025-07-01T00:00:00Z")).build());
        assertEquals(0, new BigDecimal("0.05").compareTo(before.costEstimate()));
        assertEquals(0, new BigDecimal("0.01").compareTo(after.costEstimate()));
        assertTrue(catalog.version().startsWith("genai-prices@47df840"), catalog.version());
        // the response model (dated) is tried first, then the requested one
        LlmCall mini = catalog.price(LlmCall.builder().model("gpt-4o-mini").responseModel("gpt-4o-mini-2024-07-18").provider("openai")
                .inputTokens(1_000_000).outputTokens(1_000_000).startedAt(MID_2026).build());
        assertEquals(0, new BigDecimal("0.75").compareTo(mini.costEstimate()));
    }

    @Test
    void should_let_user_overrides_and_discounts_win_over_the_bundled_data(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("prices.json");
        Files.writeString(file, """
                {"version": "acme-2026-11", "models": {"gpt-4o": {"input": 1.0, "output": 2.0}, "acme-llm": {"input": 0.5, "output": 0.5}}}""");
        PriceCatalog c = new PriceSettings(file, "local-llama=0:0;acme-llm=0.25:0.75:0.1", "azure-open-ai=-20%").catalog();
        assertEquals(0, new BigDecimal("0.003").compareTo(c.quote("gpt-4o", "openai", MID_2026).orElseThrow().rates().cost(1000, 0, 0, 1000)));
        assertEquals(PriceCatalog.Quote.OVERRIDE, c.quote("gpt-4o-2024-08-06", "openai", MID_2026).orElseThrow().source());
        assertEquals(0, new BigDecimal("0.001").compareTo(c.quote("acme-llm", null, MID_2026).orElseThrow().rates().cost(1000, 0, 0, 1000)));
        assertEquals(0, BigDecimal.ZERO.compareTo(c.quote("local-llama", "ollama", MID_2026).orElseThrow().rates().cost(1000, 0, 0, 1000)),
                "a local model the user priced at 0 is priced (at 0), unlike one nobody priced");
        // -20% on Azure: gpt-4o-mini there at 0.8 x ($0.15 + $0.60) for 1M + 1M
        assertEquals(0, new BigDecimal("0.6").compareTo(c.quote("gpt-4o-mini", "azure-open-ai", MID_2026).orElseThrow().rates()
                .cost(1_000_000, 0, 0, 1_000_000)));
        assertEquals(0, new BigDecimal("0.75").compareTo(c.quote("gpt-4o-mini", "openai", MID_2026).orElseThrow().rates()
                .cost(1_000_000, 0, 0, 1_000_000)), "OpenAI direct keeps its list price");
        assertTrue(c.version().contains("acme-2026-11") && c.version().contains("discount"), c.version());
        assertThrows(IllegalArgumentException.class, () -> c.withInlineOverrides("broken=abc"));
        assertThrows(IllegalArgumentException.class, () -> c.withInlineOverrides("broken=1:x"));
        assertThrows(IllegalArgumentException.class, () -> c.withDiscounts("nobody=-10%"));
        assertThrows(IllegalArgumentException.class, () -> c.withDiscounts("openai=20%"));
        InvalidDefinitionException bad = assertThrows(InvalidDefinitionException.class,
                () -> new PriceSettings(null, "gpt-4o=1:2", "openai=20%").validate());
        assertEquals("discounts", bad.field());
        assertTrue(bad.getMessage().startsWith("discounts: bad price discount 'openai=20%'"), bad.getMessage());
        assertEquals("file", assertThrows(InvalidDefinitionException.class,
                () -> new PriceSettings(dir.resolve("missing.json"), null, null).validate()).field());
    }

    @Test
    void should_take_a_newer_genai_prices_file_in_place_of_the_bundled_data(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("data_slim.json");
        Files.writeString(file, """
                [{"id": "openai", "name": "OpenAI", "api_pattern": "https://api\\\\.openai\\\\.com", "model_match": {"starts_with": "gpt-"},
                  "models": [{"id": "gpt-9", "match": {"equals": "gpt-9"}, "prices": {"input_mtok": 1, "output_mtok": 3}}]}]""");
        PriceCatalog c = PriceCatalog.bundled().withOverrides(file);
        assertEquals(0, new BigDecimal("0.004").compareTo(c.quote("gpt-9", null, MID_2026).orElseThrow().rates().cost(1000, 0, 0, 1000)));
        assertTrue(c.quote("gpt-4o", "openai", MID_2026).isEmpty(), "the file replaces the bundled data");
        assertTrue(c.version().startsWith("genai-prices-file-"), c.version());
    }

    @Test
    void should_count_every_provider_and_model_of_the_bundled_data() {
        GenaiPrices data = GenaiPrices.bundled();
        long models = data.providers().stream().mapToLong(p -> p.models().size()).sum();
        System.out.println("bundled genai-prices data: " + data.providers().size() + " providers, " + models + " (provider, model) entries");
        assertEquals(34, data.providers().size());
        assertEquals(1285, models);
    }
}
