package dev.chatlog.sql;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * chatlog's one mapping between instants and its {@code DATETIME(3)} columns, which hold UTC wall-clock times (the
 * session zone is UTC too; {@link PreciseTimes} binds them with their fraction).
 */
public final class Utc {
    private Utc() {}

    /** The column value for {@code t}; null for null. */
    public static LocalDateTime time(Instant t) {
        return t == null ? null : LocalDateTime.ofInstant(t, ZoneOffset.UTC);
    }

    /** The instant a column value stands for; null for null. */
    public static Instant instant(LocalDateTime t) {
        return t == null ? null : t.toInstant(ZoneOffset.UTC);
    }
}
