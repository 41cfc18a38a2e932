package dev.chatlog.core;

/** Where the token counts of a call come from. */
public enum TokenSource {
    /** Reported by the provider in its usage block. */
    PROVIDER,
    /** Counted locally with jtokkit because the provider reported none. */
    ESTIMATED;

    public String dbValue() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
