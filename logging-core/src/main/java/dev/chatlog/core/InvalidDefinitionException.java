package dev.chatlog.core;

/**
 * A definition (a budget, an alert rule) or a setting that is wrong, naming the field: the libraries throw it, the
 * server answers it as a 400 naming the field, the starter and the server's environment refuse to start with it.
 */
public class InvalidDefinitionException extends IllegalArgumentException {
    private final String field;

    public InvalidDefinitionException(String field, String message) {
        super(message);
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
            throw new InvalidDefinitionException(e.field(), name + ": " + e.getMessage());
        }
    }
}
