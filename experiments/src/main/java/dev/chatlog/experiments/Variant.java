package dev.chatlog.experiments;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One arm of an experiment: its name, its share of the traffic in percent (two decimals at most), and what the
 * application reads to run it — a model name, a prompt version, and/or parameters of its own. Every field but the name
 * and the share may be empty: an arm is what the application makes of it.
 */
public record Variant(String name, BigDecimal percent, String model, String promptVersion, Map<String, String> parameters) {
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    public Variant {
        if (name == null || !NAME.matcher(name).matches()) throw new IllegalArgumentException("a variant's name is 1 to 64 of letters, digits and . _ : -");
        Objects.requireNonNull(percent, "percent");
        if (percent.signum() < 0 || percent.compareTo(BigDecimal.valueOf(100)) > 0 || percent.stripTrailingZeros().scale() > 2) {
            throw new IllegalArgumentException("variant " + name + ": its share is a percentage from 0 to 100 with at most two decimals");
        }
        if (model != null && (model.isBlank() || model.length() > 150)) throw new IllegalArgumentException("variant " + name + ": a model is 1 to 150 characters");
        if (promptVersion != null && (promptVersion.isBlank() || promptVersion.length() > 100)) {
            throw new IllegalArgumentException("variant " + name + ": a prompt version is 1 to 100 characters");
        }
        parameters = parameters == null ? Map.of() : Map.copyOf(parameters);
        if (parameters.size() > 50) throw new IllegalArgumentException("variant " + name + ": at most 50 parameters");
    }

    /** Its share in basis points (hundredths of a percent): what assignment counts in. */
    int basisPoints() {
        return percent.movePointRight(2).intValueExact();
    }
}
