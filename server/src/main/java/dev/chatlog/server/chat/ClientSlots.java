package dev.chatlog.server.chat;

import java.util.concurrent.ConcurrentHashMap;

/**
 * How many things each client has running, capped per client: {@link #tryAcquire} says no at
 * once (nothing waits) when the client already holds its limit. A client's entry goes when it
 * holds nothing, so the map stays as small as the clients in flight.
 */
final class ClientSlots {
    private final ConcurrentHashMap<String, Integer> held = new ConcurrentHashMap<>();
    private volatile int limit;

    ClientSlots(int limit) {
        limit(limit);
    }

    void limit(int limit) {
        if (limit < 1) throw new IllegalArgumentException("a client needs at least one slot: " + limit);
        this.limit = limit;
    }

    int limit() {
        return limit;
    }

    boolean tryAcquire(String client) {
        boolean[] got = new boolean[1];
        held.compute(client, (k, n) -> {
            int now = n == null ? 0 : n;
            if (now >= limit) return n;
            got[0] = true;
            return now + 1;
        });
        return got[0];
    }

    void release(String client) {
        held.computeIfPresent(client, (k, n) -> n <= 1 ? null : n - 1);
    }
}
