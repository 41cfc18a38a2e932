package dev.chatlog.spring;

import dev.chatlog.core.InvalidDefinitionException;
import dev.chatlog.sql.DatabaseConfig;
import java.util.Map;

/** {@code chatlog.datasource.*}: a separate database for chatlog (unset: the application's own DataSource), and its read replica. */
public class ChatlogDatasource {
    /** JDBC URL of chatlog's database (MySQL or MariaDB); unset: the application's DataSource. */
    private String url;
    /** User of chatlog's database. */
    private String username;
    /** Password of chatlog's database. */
    private String password;
    /** Most connections chatlog opens to its own database. */
    private int maxPoolSize = 4;

    public String getUrl() { return url; }
    public void setUrl(String url) { this.url = url; }
    public String getUsername() { return username; }
    public void setUsername(String username) { this.username = username; }
    public String getPassword() { return password; }
    public void setPassword(String password) { this.password = password; }
    public int getMaxPoolSize() { return maxPoolSize; }
    public void setMaxPoolSize(int maxPoolSize) { this.maxPoolSize = maxPoolSize; }
    /** A read replica for the read side (insights); unset: everything reads chatlog's database. */
    private final Read read = new Read();
    public Read getRead() { return read; }

    /** {@code chatlog.datasource.read.*}: the read replica (the server's {@code CHATLOG_DB_READ_*}). */
    public static class Read {
        /** JDBC URL of a read replica of chatlog's database; unset: no replica. */
        private String url;
        /** Its user; unset: chatlog.datasource.username. */
        private String username;
        /** Its password; unset: chatlog.datasource.password. */
        private String password;
        /** Most connections to the replica. */
        private int maxPoolSize = dev.chatlog.sql.ReadReplica.Settings.DEFAULT_POOL_SIZE;
        /** Seconds behind the primary past which the health indicator reports the replica. */
        private int maxLagSeconds = dev.chatlog.sql.ReadReplica.Settings.DEFAULT_MAX_LAG_SECONDS;

        public String getUrl() { return url; }
        public void setUrl(String url) { this.url = url; }
        public String getUsername() { return username; }
        public void setUsername(String username) { this.username = username; }
        public String getPassword() { return password; }
        public void setPassword(String password) { this.password = password; }
        public int getMaxPoolSize() { return maxPoolSize; }
        public void setMaxPoolSize(int maxPoolSize) { this.maxPoolSize = maxPoolSize; }
        public int getMaxLagSeconds() { return maxLagSeconds; }
        public void setMaxLagSeconds(int maxLagSeconds) { this.maxLagSeconds = maxLagSeconds; }
    }

    /** The replica's settings (checked as the server checks them), or null when no read URL is set. */
    public dev.chatlog.sql.ReadReplica.Settings readReplica() {
        if (read.url == null || read.url.isBlank()) return null;
        String user = read.username != null ? read.username : username;
        String pw = read.password != null ? read.password : password;
        if (user == null) {
            throw new InvalidDefinitionException("chatlog.datasource.read.username",
                    "chatlog.datasource.read.username is needed (there is no chatlog.datasource.username to take it from)");
        }
        DatabaseConfig db = new DatabaseConfig(read.url.trim(), user, pw == null ? "" : pw);
        return InvalidDefinitionException.naming(Map.of("poolSize", "chatlog.datasource.read.max-pool-size",
                "maxLagSeconds", "chatlog.datasource.read.max-lag-seconds"),
                () -> new dev.chatlog.sql.ReadReplica.Settings(db, read.maxPoolSize, read.maxLagSeconds));
    }
}
