package dev.chatlog.sql.query;

import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jdbi.v3.core.Handle;

/**
 * Results computed from the rows of whole UTC days, kept (in this process, the most recently used
 * {@code capacity} of them) while those days' rollup counters are unchanged. Every row written into
 * a day, from any application instance, raises one of its counters (messages, model calls, tool
 * calls, agent steps of the day's {@code all} row), so a late write is never missed; the counters
 * are read before the result is computed, so a kept result can only be newer than its
 * fingerprint, never older.
 */
public final class DayCache<V> {
    private record Kept<V>(List<String> fingerprint, V value) {}

    private final Map<String, Kept<V>> kept;

    public DayCache(int capacity) {
        kept = java.util.Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Kept<V>> eldest) {
                return size() > capacity;
            }
        });
    }

    /** The value kept under {@code key} for the days {@code [from, to)}, or {@code compute}'s, kept from now on. */
    public V get(Handle h, String key, LocalDate from, LocalDate to, Supplier<V> compute) {
        List<String> fingerprint = h.createQuery("""
                SELECT CONCAT(DATE_FORMAT(bucket_start, '%Y-%m-%d'), ':', messages, ':', llm_calls, ':', tool_calls, ':', agent_calls)
                FROM chatbot_usage_rollup WHERE granularity = 'd' AND dimension = 'all' AND bucket_start >= :from AND bucket_start < :to
                ORDER BY bucket_start""").bind("from", from).bind("to", to).mapTo(String.class).list();
        Kept<V> k = kept.get(key);
        if (k == null || !k.fingerprint().equals(fingerprint)) {
            k = new Kept<>(fingerprint, compute.get());
            kept.put(key, k);
        }
        return k.value();
    }
}
