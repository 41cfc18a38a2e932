package dev.chatlog.sql;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.LoggerFactory;

/**
 * A read replica for the read side (the dashboard's reports, exports, insights): a read-only pool on it, no migration
 * (the schema comes by replication), and its staleness measured end to end. Every second this instance writes the time
 * into its row of {@code chatlog_heartbeat} on the primary; the replica's lag is its clock minus the newest heartbeat it
 * has applied (the replication's delay, whatever its kind: MariaDB or MySQL replication, an asynchronous Galera
 * replica; plus any skew between the two servers' clocks). While the replica gives no connection, reads go to the
 * primary (retrying the replica every 30 s), so the dashboard keeps answering; a lag over the threshold is reported,
 * not hidden: the data is served as old as it is.
 */
public final class ReadReplica implements AutoCloseable {
    private static final org.slf4j.Logger log = LoggerFactory.getLogger(ReadReplica.class);
    private static final long RETRY_REPLICA_MS = 30_000;

    private final HikariDataSource replica;
    private final Settings settings;
    private final Jdbi replicaOnly;
    private final Jdbi reads;
    private final Jdbi primary;
    private final String instance = UUID.randomUUID().toString();
    private final ScheduledExecutorService beats;
    private final ScheduledExecutorService measures;
    private volatile long primaryUntil; // System.nanoTime() until which reads go to the primary
    private volatile Lag lastLag = new Lag(null, "not measured yet");
    private volatile long lastAnswer = System.nanoTime(); // when the replica last answered the lag's query

    /**
     * Where the read side reads and how stale it may be before {@code /health} says so: {@code CHATLOG_DB_READ_URL}
     * (with {@code CHATLOG_DB_READ_USER} / {@code _PASSWORD}, by default the primary's), {@code CHATLOG_DB_READ_POOL}
     * connections, {@code CHATLOG_HEALTH_REPLICA_LAG_SECONDS}; for Spring Boot {@code chatlog.datasource.read.*}.
     */
    public record Settings(DatabaseConfig database, int poolSize, int maxLagSeconds) {
        public static final int DEFAULT_POOL_SIZE = 6;
        public static final int DEFAULT_MAX_LAG_SECONDS = 30;

        public Settings {
            java.util.Objects.requireNonNull(database, "database");
            if (poolSize < 1 || poolSize > 100) {
                throw new dev.chatlog.core.InvalidDefinitionException("poolSize", "the read replica's pool size must be 1 to 100, got " + poolSize);
            }
            if (maxLagSeconds < 1 || maxLagSeconds > 86_400) {
                throw new dev.chatlog.core.InvalidDefinitionException("maxLagSeconds",
                        "the read replica's lag threshold must be 1 to 86400 seconds, got " + maxLagSeconds);
            }
        }

        /** From the environment; null when {@code CHATLOG_DB_READ_URL} is not set. */
        public static Settings fromEnvironment(Map<String, String> env) {
            String url = env.get("CHATLOG_DB_READ_URL");
            if (url == null || url.isBlank()) return null;
            DatabaseConfig db = new DatabaseConfig(url.trim(), env.getOrDefault("CHATLOG_DB_READ_USER", env.getOrDefault("CHATLOG_DB_USER", "root")),
                    env.getOrDefault("CHATLOG_DB_READ_PASSWORD", env.getOrDefault("CHATLOG_DB_PASSWORD", "")));
            return dev.chatlog.core.InvalidDefinitionException.naming(Map.of("poolSize", "CHATLOG_DB_READ_POOL",
                    "maxLagSeconds", "CHATLOG_HEALTH_REPLICA_LAG_SECONDS"), () -> new Settings(db,
                    integer(env, "CHATLOG_DB_READ_POOL", DEFAULT_POOL_SIZE), integer(env, "CHATLOG_HEALTH_REPLICA_LAG_SECONDS", DEFAULT_MAX_LAG_SECONDS)));
        }

        private static int integer(Map<String, String> env, String name, int otherwise) {
            String v = env.get(name);
            if (v == null || v.isBlank()) return otherwise;
            try {
                return Integer.parseInt(v.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " must be a whole number, got '" + v + "'");
            }
        }
    }

    /** Staleness: seconds behind the primary (null when unknown), and why it is unknown. */
    public record Lag(Double seconds, String error) {
        /** Why the read side serves less than it should (empty when the lag is known and within {@code maxLagSeconds}). */
        public java.util.List<String> problems(int maxLagSeconds) {
            if (seconds == null) return java.util.List.of("read replica: " + error + " (the dashboard may read from the primary)");
            if (seconds > maxLagSeconds) {
                return java.util.List.of("read replica " + seconds + " s behind the primary (threshold " + maxLagSeconds
                        + " s): the dashboard shows data that old");
            }
            return java.util.List.of();
        }

        public Map<String, Object> toMap(String url) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("url", url);
            out.put("lag_seconds", seconds);
            if (error != null) out.put("error", error);
            return out;
        }
    }

    private ReadReplica(HikariDataSource replica, Database primary, Settings settings) {
        this.replica = replica;
        this.settings = settings;
        this.replicaOnly = Database.jdbiOn(replica);
        this.reads = Database.jdbiOn(new ReplicaOrPrimary(replica, primary.dataSource()));
        this.primary = primary.jdbi();
        this.beats = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "chatlog-replica-heartbeat");
            t.setDaemon(true);
            return t;
        });
        beats.scheduleWithFixedDelay(this::beat, 0, 1, TimeUnit.SECONDS);
        // the lag is read on its own thread (a replica that hangs holds it, not the heartbeat or a health check)
        this.measures = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "chatlog-replica-lag");
            t.setDaemon(true);
            return t;
        });
        measures.scheduleWithFixedDelay(this::measure, 0, 1, TimeUnit.SECONDS);
    }

    /** Opens a read-only pool of at most {@code maxPoolSize} connections on {@code config}, beside {@code primary}. */
    public static ReadReplica open(Settings settings, Database primary) {
        HikariConfig hc = Database.poolConfig(settings.database(), settings.poolSize(), "chatlog-read");
        hc.setReadOnly(true);
        hc.setMinimumIdle(0);
        hc.setConnectionTimeout(2_000); // a replica that does not answer: the primary serves the read soon
        hc.setInitializationFailTimeout(-1); // a replica down at start does not stop the start
        return new ReadReplica(new HikariDataSource(hc), primary, settings);
    }

    public Settings settings() {
        return settings;
    }

    /** Where the read side reads: the replica, or the primary while the replica gives no connection. */
    public Jdbi jdbi() {
        return reads;
    }

    private void beat() {
        try {
            primary.useHandle(h -> {
                h.createUpdate("INSERT INTO chatlog_heartbeat (instance, beat_at) VALUES (:i, UTC_TIMESTAMP(6)) "
                        + "ON DUPLICATE KEY UPDATE beat_at = UTC_TIMESTAMP(6)").bind("i", instance).execute();
                if (Math.floorMod(System.currentTimeMillis() / 1000, 3600) == 0) { // hourly: instances gone a day ago
                    h.createUpdate("DELETE FROM chatlog_heartbeat WHERE beat_at < UTC_TIMESTAMP(6) - INTERVAL 1 DAY").execute();
                }
            });
        } catch (RuntimeException e) {
            log.debug("replica heartbeat not written: {}", e.toString());
        }
    }

    /**
     * The replica's staleness, as measured within the last second or so on the replica itself (never on the primary it
     * falls back to): answers at once, whatever the replica does. Unknown while the replica has not answered for 5 s.
     */
    public Lag lag() {
        long silent = (System.nanoTime() - lastAnswer) / 1_000_000_000L;
        return silent >= 5 ? new Lag(null, "the replica has not answered for " + silent + " s") : lastLag;
    }

    private void measure() {
        try {
            Double micros = replicaOnly.withHandle(h -> {
                h.getConnection().setNetworkTimeout(Runnable::run, 3_000);
                return h.createQuery("SELECT TIMESTAMPDIFF(MICROSECOND, MAX(beat_at), UTC_TIMESTAMP(6)) FROM chatlog_heartbeat")
                        .mapTo(Double.class).one();
            });
            lastAnswer = System.nanoTime();
            lastLag = micros == null ? new Lag(null, "no heartbeat has reached the replica yet")
                    : new Lag(Math.round(Math.max(0, micros) / 1e5) / 10.0, null);
        } catch (RuntimeException | SQLException e) {
            log.debug("replica lag not read: {}", e.toString());
        }
    }

    /** The replica's URL without credentials or options, as {@code /health} shows it. */
    public String url() {
        return redacted(replica.getJdbcUrl());
    }

    static String redacted(String url) {
        String u = url.replaceFirst("//[^/@]*@", "//");
        int q = u.indexOf('?');
        return q < 0 ? u : u.substring(0, q);
    }

    @Override
    public void close() {
        beats.shutdownNow();
        measures.shutdownNow();
        replica.close();
    }

    /** The replica's pool, or the primary's while the replica gives no connection (tried again every 30 s). */
    private final class ReplicaOrPrimary implements DataSource {
        private final HikariDataSource replicaPool;
        private final DataSource primaryPool;

        ReplicaOrPrimary(HikariDataSource replicaPool, DataSource primaryPool) {
            this.replicaPool = replicaPool;
            this.primaryPool = primaryPool;
        }

        @Override
        public Connection getConnection() throws SQLException {
            if (System.nanoTime() - primaryUntil < 0) return primaryPool.getConnection();
            try {
                Connection c = replicaPool.getConnection();
                // the pool hands out a connection used within the last half second unchecked, and the lag is read every
                // second: a replica that just died would be given out; one round trip tells
                if (c.isValid(1)) return c;
                replicaPool.evictConnection(c);
                throw new SQLException("the replica's connection is no longer valid");
            } catch (SQLException e) {
                primaryUntil = System.nanoTime() + RETRY_REPLICA_MS * 1_000_000;
                log.warn("the read replica gives no connection ({}): reads go to the primary for {} s", e.getMessage(), RETRY_REPLICA_MS / 1000);
                return primaryPool.getConnection();
            }
        }

        @Override
        public Connection getConnection(String user, String password) throws SQLException {
            throw new SQLFeatureNotSupportedException("the read pool has its own user");
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {}

        @Override
        public void setLoginTimeout(int seconds) {}

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            if (iface.isInstance(this)) return iface.cast(this);
            throw new SQLException("not a wrapper of " + iface);
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return iface.isInstance(this);
        }
    }
}
