package dev.chatlog.sql;

import java.util.Map;
import java.util.Objects;

/**
 * Where the store connects. Extra JDBC properties the store needs ({@code rewriteBatchedStatements},
 * UTC session time zone) are added by {@link Database}, so a plain URL works.
 */
public record DatabaseConfig(String jdbcUrl, String user, String password) {
    public DatabaseConfig {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        if (!jdbcUrl.startsWith("jdbc:mysql:") && !jdbcUrl.startsWith("jdbc:mariadb:")) {
            throw new IllegalArgumentException("the database URL must start jdbc:mysql:// (MySQL's Connector/J) or jdbc:mariadb:// (MariaDB's driver), got " + jdbcUrl);
        }
    }

    /** From {@code CHATLOG_DB_URL}, {@code CHATLOG_DB_USER}, {@code CHATLOG_DB_PASSWORD}; null when no URL is set. */
    public static DatabaseConfig fromEnvironment(Map<String, String> env) {
        String url = env.get("CHATLOG_DB_URL");
        if (url == null || url.isBlank()) {
            return null;
        }
        return new DatabaseConfig(url.trim(), env.getOrDefault("CHATLOG_DB_USER", "root"),
                env.getOrDefault("CHATLOG_DB_PASSWORD", ""));
    }

    @Override
    public String toString() {
        return "DatabaseConfig[" + jdbcUrl + " as " + user + "]";
    }
}
