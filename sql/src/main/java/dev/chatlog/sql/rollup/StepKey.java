package dev.chatlog.sql.rollup;

import dev.chatlog.core.CallType;

/**
 * A step's key in the {@link Dimension#STEP} rollups and breakdowns: its kind (the call type: {@code stage},
 * {@code retrieval}, {@code cache}, {@code service}...) and its name, written {@code kind:name} ({@code stage:tts},
 * {@code cache:responses}). The one place that writes and reads that form.
 */
public record StepKey(String kind, String name) {
    /** The separator of kind and name. */
    public static final char SEPARATOR = ':';

    /** The key of a step of {@code type} named {@code name} (no name: the kind and the separator). */
    public static String of(CallType type, String name) {
        return type.dbValue() + SEPARATOR + (name == null ? "" : name);
    }

    /** A stored key read back: a key with no separator is a kind alone; an empty name is none. */
    public static StepKey parse(String key) {
        int sep = key.indexOf(SEPARATOR);
        if (sep < 0) return new StepKey(key, null);
        return new StepKey(key.substring(0, sep), sep == key.length() - 1 ? null : key.substring(sep + 1));
    }

    /** The name in {@code key} when it is a step of {@code type}; null for another kind. */
    public static String nameIf(CallType type, String key) {
        String prefix = type.dbValue() + SEPARATOR;
        return key.startsWith(prefix) ? key.substring(prefix.length()) : null;
    }
}
