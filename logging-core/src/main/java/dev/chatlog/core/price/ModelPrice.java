package dev.chatlog.core.price;

import java.math.BigDecimal;

/**
 * A user's own price for one model, in USD per 1M tokens ({@code CHATLOG_PRICES}, or a price file
 * in chatlog's format). {@code cachedInput} and {@code cacheWrite} are null where there is no such
 * rate (those tokens then cost the input rate). Costs come from {@link #rates()}.
 */
public record ModelPrice(String model, String provider, BigDecimal input, BigDecimal output,
                         BigDecimal cachedInput, BigDecimal cacheWrite) {

    /** The same prices as {@link Rates}, the one cost calculation. */
    public Rates rates() {
        return new Rates(Rates.Rate.flat(input), Rates.Rate.flat(cacheWrite), Rates.Rate.flat(cachedInput), Rates.Rate.flat(output), null);
    }
}
