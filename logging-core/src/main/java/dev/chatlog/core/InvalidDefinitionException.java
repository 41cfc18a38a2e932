package dev.chatlog.core;

/**
 * A definition (a budget, an alert rule) or a setting that is wrong, naming the field: the libraries throw it, the
 * server answers it as a 400 naming the field, the starter and the server's environment refuse to start with it.
 */
public class InvalidDefinitionException extends IllegalArgumentException {
    private final String field;

    public InvalidDefinitionException(String field, String message) {
        this(field, message, null);
    }

    public InvalidDefinitionException(String field, String message, Throwable cause) {
        super(message, cause);
        this.field = field;
    }

    /** The field that is wrong; null when the definition as a whole is. */
    public String field() {
        return field;
    }

    /**
     * What {@code build} makes (and validates); a wrong field is refused under the name the front end gives it,
     * {@code names} mapping fields to it: {@code CHATLOG_BATCH_SIZE: batchSize must be from 1 to 50000, got 0}.
     */
    public static <T> T naming(java.util.Map<String, String> names, java.util.function.Supplier<T> build) {
        try {
            return build.get();
        } catch (InvalidDefinitionException e) {
            String name = e.field() == null ? null : names.get(e.field());
            if (name == null) throw e;
            throw new InvalidDefinitionException(e.field(), name + ": " + e.getMessage(), e);
        }
    }

    /** Throws, naming {@code field}, unless {@code min <= value <= max}. */
    public static void requireBetween(String field, long value, long min, long max) {
        if (value < min || value > max) {
            throw new InvalidDefinitionException(field, field + " must be " + (max == Long.MAX_VALUE ? "at least " + min
                    : "from " + min + " to " + max) + ", got " + value);
        }
    }

    /** Throws, naming {@code field}, unless {@code min <= value <= max}. */
    public static void requireBetween(String field, java.time.Duration value, java.time.Duration min, java.time.Duration max) {
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new InvalidDefinitionException(field, field + " must be from " + min + " to " + max + ", got " + value);
        }
    }

    /** Throws, naming {@code field}, if {@code value} is negative. */
    public static void requireNotNegative(String field, java.time.Duration value) {
        if (value.isNegative()) throw new InvalidDefinitionException(field, field + " must not be negative, got " + value);
    }
}
