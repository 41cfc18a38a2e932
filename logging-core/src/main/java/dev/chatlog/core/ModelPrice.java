package dev.chatlog.core;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Prices of one model in USD per 1M tokens. {@code cachedInput} and {@code cacheWrite} are null
 * where the vendor has no such rate (cached tokens are then billed at the input rate).
 */
public record ModelPrice(String model, String provider, BigDecimal input, BigDecimal output,
                         BigDecimal cachedInput, BigDecimal cacheWrite) {
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    /**
     * Cost of one call. Cached input tokens are part of {@code inputTokens} (as OpenAI reports them)
     * and are billed once, at the cached rate. Reasoning tokens are part of the output tokens and are
     * billed as output.
     */
    public BigDecimal cost(int inputTokens, int outputTokens, int cachedInputTokens) {
        int cached = Math.min(Math.max(cachedInputTokens, 0), inputTokens);
        BigDecimal cachedRate = cachedInput == null ? input : cachedInput;
        BigDecimal micro = input.multiply(BigDecimal.valueOf(inputTokens - cached))
                .add(cachedRate.multiply(BigDecimal.valueOf(cached)))
                .add(output.multiply(BigDecimal.valueOf(outputTokens)));
        return micro.divide(MILLION, 10, RoundingMode.HALF_UP);
    }
}
