package dev.chatlog.alerts;

import java.util.Locale;

/** How urgent a rule's notifications are: {@code info} and {@code warning} may go out as a digest. */
public enum Severity {
    INFO, WARNING, CRITICAL;

    public static Severity parse(String s) {
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
