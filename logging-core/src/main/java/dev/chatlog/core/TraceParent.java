package dev.chatlog.core;

import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Where a record sits in an OpenTelemetry trace: the trace id (32 lower-case hex digits) and the
 * span it runs under (16 hex digits; null for the first span of a trace). Set on records only when
 * traces are on ({@code ChatLogger.Builder.traces}); null otherwise.
 *
 * <p>A record's own span id is {@link #spanIdOf} its call or message id, so a child written before
 * its parent (a tool call ends before its agent step) names the parent's span without waiting for
 * it, a span replayed from the spool gets the same id again, and the tree of spans is the tree of
 * {@code parent_call_id}.
 */
public record TraceParent(String traceId, String spanId) {
    public TraceParent {
        Objects.requireNonNull(traceId, "traceId");
        if (!isId(traceId, 32)) throw new IllegalArgumentException("not a trace id: " + traceId);
        if (spanId != null && !isId(spanId, 16)) throw new IllegalArgumentException("not a span id: " + spanId);
    }

    /** {@code length} lower-case hex digits, not all zero (the W3C rule; checked on the caller's thread, so no regex). */
    private static boolean isId(String s, int length) {
        if (s.length() != length) return false;
        boolean nonZero = false;
        for (int i = 0; i < length; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) return false;
            nonZero |= c != '0';
        }
        return nonZero;
    }

    /** A new trace with no parent span. */
    public static TraceParent newTrace() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long hi = r.nextLong();
        long lo = r.nextLong();
        if (hi == 0 && lo == 0) lo = 1;
        return new TraceParent(hex(hi) + hex(lo), null);
    }

    /** The same trace, under the span of the record {@code id} (a call or message id). */
    public TraceParent under(String id) {
        return new TraceParent(traceId, spanIdOf(id));
    }

    /**
     * The span id of the record with this call or message id: 64 bits of a mix of its characters
     * (FNV-1a, then a finaliser that spreads every bit), never all zeros.
     */
    public static String spanIdOf(String id) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < id.length(); i++) {
            h ^= id.charAt(i);
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return hex(h == 0 ? 1 : h);
    }

    private static String hex(long v) {
        String s = Long.toHexString(v);
        return s.length() == 16 ? s : "0".repeat(16 - s.length()) + s;
    }
}
