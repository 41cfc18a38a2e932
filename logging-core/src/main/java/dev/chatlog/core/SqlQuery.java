package dev.chatlog.core;

/**
 * One SQL statement a chat turn ran, as stored in the message's {@code sql_queries} JSON.
 *
 * @param sql        the statement text
 * @param durationMs how long it ran
 * @param rowCount   rows returned (0 when it failed)
 * @param success    whether it ran without error
 * @param error      the error when it failed or was refused, else null
 */
public record SqlQuery(String sql, double durationMs, int rowCount, boolean success, String error) {

    public static SqlQuery succeeded(String sql, double durationMs, int rowCount) {
        return new SqlQuery(sql, durationMs, rowCount, true, null);
    }

    public static SqlQuery failed(String sql, double durationMs, String error) {
        return new SqlQuery(sql, durationMs, 0, false, error);
    }
}
