package dev.chatlog.core.score;

import dev.chatlog.core.InvalidDefinitionException;
import java.math.BigDecimal;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;

/**
 * What the scores of one name may hold: numbers in a range ({@code NUMERIC}, e.g. 1 to 5), 0 or 1 ({@code BOOLEAN},
 * a thumbs up or down), or one label of a declared set ({@code CATEGORICAL}: {@code correct}, {@code partially},
 * {@code wrong}). {@link #check} refuses a score that does not fit, naming the field.
 */
public record ScoreDefinition(String name, Type type, BigDecimal min, BigDecimal max, List<String> labels, String description) {

    /** The kinds of values. */
    public enum Type {
        NUMERIC, BOOLEAN, CATEGORICAL;

        public String dbValue() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Type fromDb(String v) {
            return valueOf(v.toUpperCase(Locale.ROOT));
        }
    }

    public ScoreDefinition {
        if (name == null || !Score.NAME.matcher(name).matches()) {
            throw new InvalidDefinitionException("name", "a score name is 1 to 100 of letters, digits and . _ : -");
        }
        if (type == null) throw new InvalidDefinitionException("type", "type is required: numeric, boolean or categorical");
        labels = labels == null ? List.of() : List.copyOf(labels);
        if (type == Type.CATEGORICAL) {
            if (labels.isEmpty() || labels.size() > 50) throw new InvalidDefinitionException("labels", "a categorical score has 1 to 50 labels");
            if (new LinkedHashSet<>(labels).size() != labels.size()) throw new InvalidDefinitionException("labels", "labels are distinct");
            for (String l : labels) {
                if (l == null || l.isBlank() || l.length() > Score.MAX_NAME || !l.equals(l.strip()) || l.chars().anyMatch(Character::isISOControl)) {
                    throw new InvalidDefinitionException("labels", "a label is 1 to 100 characters, no control characters, no spaces around");
                }
            }
            if (min != null || max != null) throw new InvalidDefinitionException(min != null ? "min" : "max", "a categorical score has labels, not a range");
        } else {
            if (!labels.isEmpty()) throw new InvalidDefinitionException("labels", "labels are for categorical scores");
            if (type == Type.BOOLEAN) {
                if (min != null || max != null) throw new InvalidDefinitionException(min != null ? "min" : "max", "a boolean score is 0 or 1");
            } else {
                for (String f : new String[] {"min", "max"}) {
                    BigDecimal v = f.equals("min") ? min : max;
                    if (v != null && (v.abs().compareTo(new BigDecimal("1e12")) >= 0 || v.stripTrailingZeros().scale() > 6)) {
                        throw new InvalidDefinitionException(f, f + " is a number below 1e12 with at most 6 decimals, as scores are");
                    }
                }
                if (min != null && max != null && min.compareTo(max) >= 0) throw new InvalidDefinitionException("max", "max must be more than min");
            }
        }
        if (description != null && description.length() > 500) throw new InvalidDefinitionException("description", "description is at most 500 characters");
    }

    /** {@code score} if its value fits this definition; else {@link InvalidDefinitionException} naming {@code value}. */
    public Score check(Score score) {
        switch (type) {
            case CATEGORICAL -> {
                if (score.label() == null || !labels.contains(score.label())) {
                    throw new InvalidDefinitionException("value", name + " is one of " + String.join(", ", labels) + ", got "
                            + (score.label() == null ? score.value().toPlainString() : "'" + score.label() + "'"));
                }
            }
            case BOOLEAN -> {
                if (score.value() == null || (score.value().compareTo(BigDecimal.ZERO) != 0 && score.value().compareTo(BigDecimal.ONE) != 0)) {
                    throw new InvalidDefinitionException("value", name + " is true or false (1 or 0)");
                }
            }
            case NUMERIC -> {
                if (score.value() == null) throw new InvalidDefinitionException("value", name + " is a number");
                if ((min != null && score.value().compareTo(min) < 0) || (max != null && score.value().compareTo(max) > 0)) {
                    throw new InvalidDefinitionException("value", name + " is from " + (min == null ? "any" : min.toPlainString()) + " to "
                            + (max == null ? "any" : max.toPlainString()) + ", got " + score.value().toPlainString());
                }
            }
        }
        return score;
    }
}
