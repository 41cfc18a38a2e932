package dev.chatlog.core.price;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;

/**
 * What one model costs, in USD per million tokens (and per thousand requests): the rates of the
 * genai-prices data model, whichever source they came from. A null rate is a kind of token the
 * model has no price for: cache reads then cost the input rate, cache writes the input rate. {@code perUnit} prices
 * models billed by the unit ({@link BillableUnits}: USD per image, per second of audio, per character, per search).
 */
public record Rates(Rate input, Rate cacheWrite, Rate cacheRead, Rate output, BigDecimal requestsPerThousand,
                    java.util.Map<String, BigDecimal> perUnit) {
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);
    private static final BigDecimal THOUSAND = BigDecimal.valueOf(1_000);

    public Rates {
        perUnit = perUnit == null ? java.util.Map.of() : java.util.Map.copyOf(perUnit);
    }

    /** Token rates only (the price data's kind). */
    public Rates(Rate input, Rate cacheWrite, Rate cacheRead, Rate output, BigDecimal requestsPerThousand) {
        this(input, cacheWrite, cacheRead, output, requestsPerThousand, null);
    }

    /** These rates with {@code units} priced per unit too (a user's per-image price on top of the data's token rates). */
    public Rates withPerUnit(java.util.Map<String, BigDecimal> units) {
        java.util.Map<String, BigDecimal> all = new java.util.HashMap<>(perUnit);
        all.putAll(units);
        return new Rates(input, cacheWrite, cacheRead, output, requestsPerThousand, all);
    }

    /** Whether these rates price tokens at all (a price given only per image or per minute does not). */
    public boolean pricesTokens() {
        return input != null || output != null;
    }

    /**
     * The cost of {@code units} ({@link BillableUnits}): each quantity times its price per unit; null (unpriced, never
     * $0) when there are none or one of them has no price here.
     */
    public BigDecimal unitCost(java.util.Map<String, BigDecimal> units) {
        if (units == null || units.isEmpty()) return null;
        BigDecimal usd = BigDecimal.ZERO;
        for (var e : units.entrySet()) {
            BigDecimal price = perUnit.get(e.getKey());
            if (price == null) return null;
            usd = usd.add(price.multiply(e.getValue()));
        }
        return usd.setScale(10, RoundingMode.HALF_UP);
    }

    /**
     * One rate, flat or with long-context tiers. Tiers are cliffs, as genai-prices and the vendors
     * define them: once the prompt (all input tokens, cached ones included) is over a tier's start,
     * every token of this kind costs the tier's rate, not only those above it.
     */
    public record Rate(BigDecimal base, List<Tier> tiers) {
        public record Tier(long start, BigDecimal price) {}

        public Rate {
            tiers = tiers == null ? List.of() : tiers.stream().sorted(java.util.Comparator.comparingLong(Tier::start)).toList();
        }

        public static Rate flat(BigDecimal perMillion) {
            return perMillion == null ? null : new Rate(perMillion, List.of());
        }

        /** The rate in force for a prompt of {@code promptTokens}. */
        public BigDecimal at(long promptTokens) {
            BigDecimal r = base;
            for (Tier t : tiers) {
                if (promptTokens > t.start()) r = t.price();
            }
            return r;
        }
    }

    /**
     * Cost of one request. {@code inputTokens} is the whole prompt, cache reads and writes included
     * (OpenAI's convention, and what the tiers are judged on); the uncached rest costs the input rate.
     */
    public BigDecimal cost(long inputTokens, long cacheReadTokens, long cacheWriteTokens, long outputTokens) {
        return cost(inputTokens, cacheReadTokens, cacheWriteTokens, outputTokens, inputTokens);
    }

    /**
     * {@link #cost(long, long, long, long)} with the tiers judged on a prompt of {@code tierTokens}
     * instead: a worst case for a prompt whose count is an estimate (it may really be over a tier's start).
     */
    public BigDecimal cost(long inputTokens, long cacheReadTokens, long cacheWriteTokens, long outputTokens, long tierTokens) {
        long read = Math.min(Math.max(cacheReadTokens, 0), Math.max(inputTokens, 0));
        long write = Math.min(Math.max(cacheWriteTokens, 0), Math.max(inputTokens, 0) - read);
        long uncached = Math.max(inputTokens, 0) - read - write;
        BigDecimal in = input == null ? BigDecimal.ZERO : input.at(tierTokens);
        BigDecimal micro = in.multiply(BigDecimal.valueOf(uncached))
                .add((cacheRead == null ? in : cacheRead.at(tierTokens)).multiply(BigDecimal.valueOf(read)))
                .add((cacheWrite == null ? in : cacheWrite.at(tierTokens)).multiply(BigDecimal.valueOf(write)))
                .add(output == null ? BigDecimal.ZERO : output.at(tierTokens).multiply(BigDecimal.valueOf(Math.max(outputTokens, 0))));
        BigDecimal usd = micro.divide(MILLION, 12, RoundingMode.HALF_UP);
        if (requestsPerThousand != null) usd = usd.add(requestsPerThousand.divide(THOUSAND, 12, RoundingMode.HALF_UP));
        return usd.setScale(10, RoundingMode.HALF_UP);
    }
}
