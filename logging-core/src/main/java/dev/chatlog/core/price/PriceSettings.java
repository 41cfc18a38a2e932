package dev.chatlog.core.price;

import dev.chatlog.core.InvalidDefinitionException;
import java.nio.file.Path;

/**
 * The user's prices on top of the bundled data, as the server ({@code CHATLOG_PRICES_FILE}, {@code CHATLOG_PRICES},
 * {@code CHATLOG_PRICE_DISCOUNTS}) and the Spring Boot starter ({@code chatlog.prices-file}, {@code chatlog.prices},
 * {@code chatlog.price-discounts}) take them; each may be null.
 *
 * @param file      a price file: chatlog's {@code {"models": {...}}} format (adds overrides) or a genai-prices
 *                  {@code data_slim.json} (replaces the bundled data)
 * @param overrides {@code model=input:output[:cached];...} in USD per million tokens
 * @param discounts negotiated discounts per provider on the data's prices, {@code azure-open-ai=-20%;anthropic=-5%}
 */
public record PriceSettings(Path file, String overrides, String discounts) {
    public static final PriceSettings NONE = new PriceSettings(null, null, null);

    public PriceSettings {
        overrides = blankToNull(overrides);
        discounts = blankToNull(discounts);
    }

    /** {@code base} with these prices on top: the file, then the overrides, then the discounts. */
    public PriceCatalog applyTo(PriceCatalog base) {
        PriceCatalog withFile = file == null ? base : apply("file", () -> base.withOverrides(file));
        PriceCatalog withOverrides = overrides == null ? withFile : apply("overrides", () -> withFile.withInlineOverrides(overrides));
        return discounts == null ? withOverrides : apply("discounts", () -> withOverrides.withDiscounts(discounts));
    }

    /** The bundled catalog with these prices on top. */
    public PriceCatalog catalog() {
        return applyTo(PriceCatalog.bundled());
    }

    /** These settings if they read (the file, the override and discount lists); else the error naming the field. */
    public PriceSettings validate() {
        catalog();
        return this;
    }

    private static PriceCatalog apply(String field, java.util.function.Supplier<PriceCatalog> step) {
        try {
            return step.get();
        } catch (InvalidDefinitionException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new InvalidDefinitionException(field, field + ": " + e.getMessage());
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
