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

    /** A whole number, its range checked by the settings record it goes into; {@code dflt} when unset or blank. */
    public static int integer(Map<String, String> env, String name, int dflt) {
        return intIn(env, name, dflt, Integer.MIN_VALUE, Integer.MAX_VALUE);
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

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper()
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /**
     * Named definitions (budgets, alert rules) from the JSON object in the file {@code fileName}
     * names, then from the one in {@code inlineName}, each parsed by {@code parse(json, source)}.
     */
    public static <T> java.util.List<T> definitions(Map<String, String> env, String inlineName, String fileName,
                                                    java.util.function.BiFunction<com.fasterxml.jackson.databind.JsonNode, String, java.util.List<T>> parse) {
        java.util.List<T> out = new java.util.ArrayList<>();
        String file = env.get(fileName);
        if (file != null && !file.isBlank()) {
            try {
                out.addAll(parse.apply(JSON.readTree(java.nio.file.Files.readString(java.nio.file.Path.of(file.trim()))), fileName + " " + file));
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException(fileName + " " + file + " could not be read as JSON: " + e.getMessage());
            }
        }
        String inline = env.get(inlineName);
        if (inline != null && !inline.isBlank()) {
            try {
                out.addAll(parse.apply(JSON.readTree(inline), inlineName));
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException(inlineName + " is not JSON: " + e.getMessage());
            }
        }
        return out;
    }
}
