package dev.chatlog.core;

import java.time.Duration;

/** The range checks of the settings records: one message per kind of value, naming the field. */
final class Settings {
    private Settings() {}

    static void between(String field, long value, long min, long max) {
        if (value < min || value > max) {
            throw new InvalidDefinitionException(field, field + " must be " + (max == Long.MAX_VALUE ? "at least " + min
                    : "from " + min + " to " + max) + ", got " + value);
        }
    }

    static void notNegative(String field, Duration value) {
        if (value.isNegative()) throw new InvalidDefinitionException(field, field + " must not be negative, got " + value);
    }
}
