package dev.chatlog.server;

import java.util.Locale;
import java.util.Map;

/** How a setting is read from the environment: one check and one message per kind of value. */
public final class Settings {
    private Settings() {}

    /** A whole number from {@code min} to {@code max}; {@code dflt} when unset or blank. */
    public static int intIn(Map<String, String> env, String name, int dflt, int min, int max) {
        String v = env.get(name);
        if (v == null || v.isBlank()) return dflt;
        try {
            int n = Integer.parseInt(v.trim());
            if (n < min || n > max) throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", got " + v);
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, got '" + v + "'");
        }
    }

    /** {@code on} / {@code off} (also true / false, 1 / 0); {@code dflt} when unset or blank. */
    public static boolean onOff(Map<String, String> env, String name, boolean dflt) {
        String v = env.get(name);
        if (v == null || v.isBlank()) return dflt;
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "on", "true", "1" -> true;
            case "off", "false", "0" -> false;
            default -> throw new IllegalArgumentException(name + " must be on or off, got '" + v + "'");
        };
    }
}
