package dev.chatlog.core.text;

import dev.chatlog.core.Ids;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MaskerTest {
    private final Masker masker = Masker.defaults();

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "my key is sk-proj-4fG7hJ2kL9mN3pQ8rS1tU6vW0xY5zA2b please | my key is [API_KEY] please",
            "export OPENAI_API_KEY=sk-AbCdEfGhIjKlMnOpQrStUv123456 | export OPENAI_API_KEY=[API_KEY]",
            "aws AKIAIOSFODNN7EXAMPLE in the config | aws [API_KEY] in the config",
            "token ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789 leaked | token [API_KEY] leaked",
            "curl -H 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc123' | curl -H 'Authorization: Bearer [REDACTED]'",
            "db password=hunter22x and more | db password=[REDACTED] and more",
            "\"api_key\": \"live_9f8e7d6c5b4a\" | \"api_key\": \"[REDACTED]\"",
            "write to jane.doe+orders@example.co.uk today | write to [EMAIL] today",
            "call me at +49 30 1234 5678 tomorrow | call me at [PHONE] tomorrow",
            "US office (415) 555-0132 | US office [PHONE]",
            "mobile 06 12 34 56 78 | mobile [PHONE]",
            "card 4111 1111 1111 1111 exp 12/28 | card [CARD] exp 12/28",
            "amex 3782-822463-10005 | amex [CARD]"})
    void should_mask_realistic_secrets_and_personal_data(String input, String expected) {
        assertEquals(expected.trim(), masker.mask(input.trim()));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "order 4111111111111112 is late",  // fails Luhn: an order number, not a card
            "show orders from 2026-11-23 to 2026-11-30",
            "customer 42 spent 1234.50 EUR on 3 orders",
            "SELECT * FROM orders WHERE id = 12345678",
            "version 1.19.0 of langchain4j"})
    void should_leave_ordinary_text_alone(String input) {
        assertEquals(input, masker.mask(input));
    }

    @Test
    void should_never_touch_identifiers_such_as_uuids_hashes_and_timestamps() {
        for (int i = 0; i < 20_000; i++) {
            String text = "call " + java.util.UUID.randomUUID() + " in conversation " + Ids.newId()
                    + " at " + java.time.Instant.ofEpochMilli(java.util.concurrent.ThreadLocalRandom.current().nextLong(1L << 42));
            assertEquals(text, masker.mask(text));
        }
        String hash = "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 build 1.19.0-20251114-2230";
        assertEquals(hash, masker.mask(hash));
    }
}
