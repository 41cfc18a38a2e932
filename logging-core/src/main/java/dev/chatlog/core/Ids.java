package dev.chatlog.core;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Client-generated identifiers, unique across application instances so that retries and replays
 * are idempotent. Time-ordered UUIDs (version 7: 48 bits of Unix milliseconds, then 74 random
 * bits): cheap on the caller's thread (no SecureRandom lock) and friendly to B-tree indexes, since
 * new ids land at the end of the index.
 */
public final class Ids {
    private Ids() {}

    public static String newId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long ms = System.currentTimeMillis();
        long high = (ms << 16) | 0x7000L | (r.nextLong() & 0x0FFFL);
        long low = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(high, low).toString();
    }
}
