package dev.chatlog.server.prices;

import dev.chatlog.server.ChatlogServer;
import dev.chatlog.server.Http;
import dev.chatlog.server.ServerTestSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code GET /logging-dashboard/prices}: the server's own catalog quoted, with what it matched and why. */
class PriceQuoteTest {
    private static ChatlogServer server;
    private static Http http;

    @BeforeAll
    static void start() {
        server = ServerTestSupport.start(Map.of("CHATLOG_PRICE_DISCOUNTS", "azure-open-ai=-20%",
                "CHATLOG_PRICES", "dall-e-3=0.04/image;gpt-4o=0.01/image"));
        http = new Http("http://127.0.0.1:" + server.port());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static JsonNode quote(String query) throws Exception {
        Http.Response r = http.get("/logging-dashboard/prices?" + query);
        assertEquals(200, r.status(), r.raw());
        return r.json();
    }

    @Test
    void should_quote_the_matched_entry_its_rates_and_the_cost() throws Exception {
        JsonNode q = quote("model=gpt-4o-2024-08-06&provider=openai&input_tokens=1000&cached_input_tokens=400&output_tokens=200");
        assertTrue(q.get("priced").asBoolean());
        assertEquals("openai", q.get("matched_provider").asText());
        assertEquals("gpt-4o", q.get("matched_model").asText());
        assertEquals("genai-prices", q.get("source").asText());
        assertEquals(0, new BigDecimal("2.5").compareTo(q.at("/rates/input/applied").decimalValue()));
        assertEquals(0, new BigDecimal("1.25").compareTo(q.at("/rates/cache_read/applied").decimalValue()));
        assertEquals(0, new BigDecimal("0.004").compareTo(q.get("cost").decimalValue()), q.toString());
        assertTrue(q.get("price_version").asText().startsWith("genai-prices@47df840"), q.toString());
    }

    @Test
    void should_quote_a_per_unit_price_with_no_token_cost_and_keep_the_datas_token_prices_beside_one() throws Exception {
        JsonNode images = quote("model=dall-e-3&input_tokens=1000");
        assertTrue(images.get("priced").asBoolean());
        assertEquals(0, new BigDecimal("0.04").compareTo(images.at("/per_unit/image").decimalValue()), images.toString());
        assertTrue(images.get("cost").isNull(), "no token price: no token cost, never $0");
        JsonNode both = quote("model=gpt-4o&provider=openai&input_tokens=1000&output_tokens=200");
        assertEquals("genai-prices", both.get("source").asText(), "a per-image price does not hide the data's token prices");
        assertEquals(0, new BigDecimal("0.0045").compareTo(both.get("cost").decimalValue()), both.toString());
        assertEquals(0, new BigDecimal("0.01").compareTo(both.at("/per_unit/image").decimalValue()));
    }

    @Test
    void should_apply_the_long_context_tier_the_price_in_force_and_the_discount() throws Exception {
        JsonNode big = quote("model=publishers/google/models/gemini-2.5-pro&provider=google-vertex-ai-gemini&input_tokens=250000&output_tokens=1000");
        assertEquals(0, new BigDecimal("2.5").compareTo(big.at("/rates/input/applied").decimalValue()), big.toString());
        assertEquals(200000, big.at("/rates/input/tiers/0/above_prompt_tokens").asInt());
        assertEquals(0, new BigDecimal("0.64").compareTo(big.get("cost").decimalValue()), big.toString()); // 250k * 2.5 + 1k * 15
        JsonNode before = quote("model=o3&provider=openai&input_tokens=1000&output_tokens=1000&at=2025-06-01T00:00:00Z");
        JsonNode after = quote("model=o3&provider=openai&input_tokens=1000&output_tokens=1000&at=2025-07-01");
        assertEquals(0, new BigDecimal("0.05").compareTo(before.get("cost").decimalValue()), before.toString());
        assertEquals(0, new BigDecimal("0.01").compareTo(after.get("cost").decimalValue()), after.toString());
        JsonNode azure = quote("model=gpt-4o-mini&provider=azure-open-ai&input_tokens=1000000&output_tokens=1000000");
        assertEquals(0, new BigDecimal("0.6").compareTo(azure.get("cost").decimalValue()), azure.toString());
        JsonNode demo = quote("model=chatlog-demo&input_tokens=1000000");
        assertEquals("override", demo.get("source").asText());
    }

    @Test
    void should_say_unpriced_with_a_hint_not_zero() throws Exception {
        JsonNode q = quote("model=my-local-llama&provider=ollama&input_tokens=1000");
        assertFalse(q.get("priced").asBoolean());
        assertFalse(q.has("cost"), "no cost at all, not 0");
        assertTrue(q.get("hint").asText().contains("CHATLOG_PRICES=my-local-llama="), q.toString());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "input_tokens=10                                      | model",
            "model=gpt-4o&input_tokens=-1                         | input_tokens",
            "model=gpt-4o&input_tokens=abc                        | input_tokens",
            "model=gpt-4o&output_tokens=1e9                       | output_tokens",
            "model=gpt-4o&input_tokens=100000001                  | input_tokens",
            "model=gpt-4o&input_tokens=10&cached_input_tokens=11  | cached_input_tokens",
            "model=gpt-4o&input_tokens=10&cache_write_tokens=6&cached_input_tokens=5 | cache_write_tokens",
            "model=gpt-4o&at=yesterday                            | at",
            "model=gpt-4o&at=10000-01-01                          | at",
            "model=gpt%3B%20DROP                                  | model",
            "model=gpt-4o&provider=%27%20OR%201                   | provider"})
    void should_refuse_bad_numbers_and_names_with_a_400_naming_the_field(String query, String field) throws Exception {
        Http.Response r = http.get("/logging-dashboard/prices?" + query.trim());
        assertEquals(400, r.status(), r.raw());
        assertEquals(field.trim(), r.json().get("field").asText(), r.raw());
    }
}
