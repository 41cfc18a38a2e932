package dev.chatlog.sql.query;

import dev.chatlog.sql.Utc;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import org.jdbi.v3.core.statement.SqlStatement;

/** A half-open time window {@code [from, to)}, optionally narrowed to one conversation ("current session"). */
public record Window(Instant from, Instant to, String conversationId) {
    public Window {
        if (from == null || to == null) throw new IllegalArgumentException("a window needs both ends");
    }

    public static Window between(Instant from, Instant to) {
        return new Window(from, to, null);
    }

    /**
     * The last {@code hours} whole hours, the current one included, so the hourly rollups answer it:
     * from the start of the hour {@code hours - 1} hours ago to the end of this hour. Fewer than one
     * hour reaches back to the epoch ("all time").
     */
    public static Window lastHours(int hours, Instant now) {
        Instant end = now.truncatedTo(ChronoUnit.HOURS).plusSeconds(3600);
        return between(hours < 1 ? Instant.EPOCH : end.minusSeconds(3600L * hours), end);
    }

    /** Whether it reaches back to the epoch. */
    public boolean allTime() {
        return from.equals(Instant.EPOCH);
    }

    /** Its length in whole hours. */
    public long hours() {
        return ChronoUnit.HOURS.between(from, to);
    }

    public LocalDateTime fromUtc() {
        return Utc.time(from);
    }

    public LocalDateTime toUtc() {
        return Utc.time(to);
    }

    public boolean session() {
        return conversationId != null;
    }

    /** Whether both ends fall on whole UTC hours, so hourly rollups answer it exactly. */
    public boolean hourAligned() {
        return fromUtc().truncatedTo(ChronoUnit.HOURS).equals(fromUtc()) && toUtc().truncatedTo(ChronoUnit.HOURS).equals(toUtc());
    }

    /** Whether both ends fall on UTC midnights, so daily rollups answer it exactly. */
    public boolean dayAligned() {
        return fromUtc().toLocalTime().equals(LocalTime.MIDNIGHT) && toUtc().toLocalTime().equals(LocalTime.MIDNIGHT);
    }

    /** {@code time >= :w_from AND time < :w_to}, and the conversation when one is set; bind with {@link #bind}. */
    public String where(String timeColumn) {
        return timeColumn + " >= :w_from AND " + timeColumn + " < :w_to" + (session() ? " AND conversation_id = :w_conv" : "");
    }

    public <T extends SqlStatement<T>> T bind(T q) {
        q.bind("w_from", fromUtc()).bind("w_to", toUtc());
        if (session()) q.bind("w_conv", conversationId);
        return q;
    }
}
