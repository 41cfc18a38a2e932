package dev.chatlog.core;

/**
 * A definition (a budget, an alert rule) that is wrong, naming the field: the libraries throw it, the server answers it
 * as a 400 naming the field, the starter and the server's environment refuse to start with it.
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
}
