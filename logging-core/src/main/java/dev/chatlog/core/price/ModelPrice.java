package dev.chatlog.core.price;

import java.math.BigDecimal;
import java.util.Map;

/**
 * A user's own price for one model, in USD per 1M tokens ({@code CHATLOG_PRICES}, or a price file
 * in chatlog's format). {@code cachedInput} and {@code cacheWrite} are null where there is no such
 * rate (those tokens then cost the input rate); {@code input} and {@code output} are null for a model priced only by
 * the unit ({@code perUnit}: USD per one {@link BillableUnits} unit). Costs come from {@link #rates()}.
 */
public record ModelPrice(String model, String provider, BigDecimal input, BigDecimal output,
                         BigDecimal cachedInput, BigDecimal cacheWrite, Map<String, BigDecimal> perUnit) {

    public ModelPrice {
        perUnit = perUnit == null ? Map.of() : Map.copyOf(perUnit);
    }

    /** A price per token only. */
    public ModelPrice(String model, String provider, BigDecimal input, BigDecimal output, BigDecimal cachedInput, BigDecimal cacheWrite) {
        this(model, provider, input, output, cachedInput, cacheWrite, null);
    }

    /** The same prices as {@link Rates}, the one cost calculation. */
    public Rates rates() {
        return new Rates(Rates.Rate.flat(input), Rates.Rate.flat(cacheWrite), Rates.Rate.flat(cachedInput), Rates.Rate.flat(output), null, perUnit);
    }
}
