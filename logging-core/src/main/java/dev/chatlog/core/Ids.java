package dev.chatlog.core;

import java.util.UUID;

/** Client-generated identifiers: unique across application instances, so retries are idempotent. */
public final class Ids {
    private Ids() {}

    public static String newId() {
        return UUID.randomUUID().toString();
    }
}
