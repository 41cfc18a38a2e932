package dev.chatlog.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PriceCatalogTest {
    private final PriceCatalog catalog = PriceCatalog.bundled();

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "gpt-4o, gpt-4o", "openai/gpt-4o, gpt-4o", "gpt-4o-2024-08-06, gpt-4o", "GPT-4o, gpt-4o",
            "gpt-4o-2024-05-13, gpt-4o-2024-05-13", "gpt-4o-mini, gpt-4o-mini", "gpt-4o-mini-2024-07-18, gpt-4o-mini",
            "gpt-4.1, gpt-4.1", "gpt-4.1-mini-2025-04-14, gpt-4.1-mini", "o1, o1", "o3-mini, o3-mini",
            "gpt-4, gpt-4", "gpt-4-0613, gpt-4", "gpt-4-turbo-2024-04-09, gpt-4-turbo", "gpt-3.5-turbo-0125, gpt-3.5-turbo",
            "text-embedding-3-small, text-embedding-3-small", "text-embedding-3-large, text-embedding-3-large",
            "google/gemini-2.0-flash, gemini-2.0-flash", "gemini-2.0-flash-lite, gemini-2.0-flash-lite",
            "gemini-2.5-flash, gemini-2.5-flash", "gemini-2.5-flash-lite, gemini-2.5-flash-lite", "models/gemini-2.5-pro, gemini-2.5-pro",
            "claude-3-5-sonnet-20241022, claude-3-5-sonnet", "claude-3-5-haiku-latest, claude-3-5-haiku",
            "anthropic/claude-sonnet-4-20250514, claude-sonnet-4", "claude-opus-4-1-20250805, claude-opus-4-1",
            "claude-3-5-sonnet@20240620, claude-3-5-sonnet",
            "sonar, sonar", "perplexity/sonar-pro, sonar-pro", "sonar-reasoning, sonar-reasoning",
            "mistral-large-latest, mistral-large", "mistral-large-2411, mistral-large", "mistral-small-latest, mistral-small"})
    void should_resolve_prefixed_and_dated_names_to_their_model(String name, String expected) {
        assertEquals(expected, catalog.lookup(name).orElseThrow(() -> new AssertionError("no price for " + name)).model());
    }

    @ParameterizedTest
    @CsvSource({"gpt-4o-mini-x", "gpt-4o-x", "my-local-llama", "gpt-4o-minis", "claude-3-5", "o1-preview-x"})
    void should_not_price_a_model_as_its_relative(String name) {
        assertTrue(catalog.lookup(name).isEmpty(), name + " must stay unknown");
    }

    @Test
    void should_bill_cached_tokens_once_at_the_cached_rate() {
        ModelPrice p = catalog.lookup("gpt-4o").orElseThrow();
        // 1,000 input of which 400 cached, 200 output: 600*2.50 + 400*1.25 + 200*10.00 per 1M
        assertEquals(new BigDecimal("0.0040000000"), p.cost(1000, 200, 400));
        // without cached rate (gpt-4): cached tokens billed at input rate, not twice
        ModelPrice gpt4 = catalog.lookup("gpt-4").orElseThrow();
        assertEquals(new BigDecimal("0.0420000000"), gpt4.cost(1000, 200, 400));
    }

    @Test
    void should_mark_unknown_model_unpriced_when_pricing_a_call() {
        LlmCall call = catalog.price(LlmCall.builder().model("mystery-model").inputTokens(10).outputTokens(5).build());
        assertFalse(call.priced());
        assertNull(call.costEstimate());
        assertEquals(catalog.version(), call.priceVersion());
        LlmCall known = catalog.price(LlmCall.builder().model("gpt-4o-mini").responseModel("gpt-4o-mini-2024-07-18")
                .inputTokens(1_000_000).outputTokens(1_000_000).build());
        assertTrue(known.priced());
        assertEquals(0, new BigDecimal("0.75").compareTo(known.costEstimate()));
    }

    @Test
    void should_let_user_overrides_win_over_the_bundled_catalog(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("prices.json");
        Files.writeString(file, """
                {"version": "acme-2026-11", "models": {"gpt-4o": {"input": 1.0, "output": 2.0}, "acme-llm": {"input": 0.5, "output": 0.5}}}""");
        PriceCatalog c = PriceCatalog.fromEnvironment(Map.of("CHATLOG_PRICES_FILE", file.toString(),
                "CHATLOG_PRICES", "local-llama=0:0;acme-llm=0.25:0.75:0.1"));
        assertEquals(0, BigDecimal.ONE.compareTo(c.lookup("gpt-4o").orElseThrow().input()));
        assertEquals(0, new BigDecimal("0.25").compareTo(c.lookup("acme-llm").orElseThrow().input()));
        assertEquals(0, BigDecimal.ZERO.compareTo(c.lookup("local-llama").orElseThrow().output()));
        assertTrue(c.version().contains("acme-2026-11"), c.version());
        assertTrue(c.version().startsWith("bundled-"), c.version());
        assertThrows(IllegalArgumentException.class, () -> c.withInlineOverrides("broken=abc"));
        assertThrows(IllegalArgumentException.class, () -> c.withInlineOverrides("broken=1:x"));
    }
}
