package dev.chatlog.server.chat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The demo chatbot's cache of the SQL written for a question (the 256 most recently used), so that asking the same
 * question again skips the model: each lookup is a {@code cache} row named {@value #NAME}, a hit saving the model
 * call it replaced (its model and tokens, priced by chatlog, and its time).
 */
final class SqlCache {
    static final String NAME = "sql_for_question";
    private static final int SIZE = 256;

    record Entry(String sql, String model, int inputTokens, int outputTokens, Duration took) {}

    private final Map<String, Entry> entries = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
            return size() > SIZE;
        }
    };

    synchronized Entry get(String key) {
        return entries.get(key);
    }

    synchronized void put(String key, Entry e) {
        entries.put(key, e);
    }

    /** A short hash of the key: the cache row never holds the question itself. */
    static String hash(String key) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            return Integer.toHexString(key.hashCode());
        }
    }
}
