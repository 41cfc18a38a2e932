package dev.chatlog.sql;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.chatlog.sql.cluster.DatabaseNode;
import java.util.Optional;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection pool (HikariCP) and the schema (Flyway migrations under {@code db/chatlog/migration},
 * with their own history table, so an application's own Flyway, which reads {@code db/migration},
 * never sees them), brought up together. Migrating is idempotent: on an up-to-date database it
 * changes nothing. The store's writes run in READ COMMITTED (it says so per transaction, so an
 * application's pool set otherwise does not matter) and bind times as UTC values.
 */
public final class Database implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Database.class);

    private final DataSource dataSource;
    private final boolean owned; // a pool this class opened (closed with it), or someone else's DataSource
    private final Jdbi jdbi;

    private Database(DataSource dataSource, boolean owned) {
        this.dataSource = dataSource;
        this.owned = owned;
        this.jdbi = jdbiOn(dataSource);
    }

    /**
     * On a DataSource the application already has (a Spring Boot application's pool): migrates the
     * schema into its database and uses it; {@link #close()} leaves it open.
     */
    public static Database on(DataSource dataSource) {
        migrate(dataSource);
        return new Database(dataSource, false);
    }

    /** Opens a pool of at most {@code maxPoolSize} connections and migrates the schema. */
    public static Database open(DatabaseConfig config, int maxPoolSize) {
        HikariConfig hc = poolConfig(config, maxPoolSize, "chatlog");
        hc.setInitializationFailTimeout(30_000);
        HikariDataSource ds = new HikariDataSource(hc);
        try {
            migrate(ds);
        } catch (RuntimeException e) {
            ds.close();
            throw e;
        }
        return new Database(ds, true);
    }

    /** A HikariCP pool's settings for chatlog on {@code config}: the driver's options below, READ COMMITTED. */
    static HikariConfig poolConfig(DatabaseConfig config, int maxPoolSize, String name) {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(config.jdbcUrl());
        hc.setUsername(config.user());
        hc.setPassword(config.password());
        hc.setPoolName(name);
        hc.setMaximumPoolSize(maxPoolSize);
        hc.setMinimumIdle(1);
        hc.setConnectionTimeout(5_000);
        hc.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
        if (config.jdbcUrl().startsWith("jdbc:mariadb:")) {
            mariaDbDriver(hc);
        } else {
            connectorJ(hc, config.jdbcUrl());
        }
        return hc;
    }

    /**
     * A Jdbi on {@code dataSource} binding times as the store does (UTC, microseconds). Transactions that a cluster may
     * refuse at commit retry themselves ({@link SqlFailures#retryingLockConflicts}, a new handle each run); Jdbi's
     * {@code SerializableTransactionRunner}, tried as a blanket retry, re-ran callbacks on the same handle and failed
     * with "Already in transaction" after a refused commit.
     */
    static Jdbi jdbiOn(DataSource dataSource) {
        return PreciseTimes.install(Jdbi.create(dataSource));
    }

    /** MySQL's Connector/J ({@code jdbc:mysql://}): the options that make the store fast and its times UTC. */
    private static void connectorJ(HikariConfig hc, String url) {
        hc.addDataSourceProperty("rewriteBatchedStatements", "true");
        hc.addDataSourceProperty("cachePrepStmts", "true");
        hc.addDataSourceProperty("useServerPrepStmts", "false");
        // the driver keeps autocommit and isolation itself instead of asking or re-setting them on the server:
        // a short transaction (a budget reservation: three statements) otherwise pays several extra round trips
        hc.addDataSourceProperty("useLocalSessionState", "true");
        hc.addDataSourceProperty("useLocalTransactionState", "true");
        hc.addDataSourceProperty("cacheServerConfiguration", "true");
        hc.addDataSourceProperty("connectionTimeZone", "UTC");
        hc.addDataSourceProperty("forceConnectionTimeZoneToSession", "true");
        hc.addDataSourceProperty("characterEncoding", "UTF-8");
        hc.addDataSourceProperty("connectTimeout", "5000");
        hc.addDataSourceProperty("socketTimeout", "60000");
        hc.addDataSourceProperty("allowPublicKeyRetrieval", "true");
        if (!url.contains("sslMode=")) {
            hc.addDataSourceProperty("sslMode", "PREFERRED");
        }
        if (multiHost(url) && !url.contains("failOverReadOnly=")) {
            // jdbc:mysql://node2,node3/db: Connector/J fails over to the next host when one dies, and by default makes that
            // connection read-only (made for a primary and its replicas): on a multi-primary cluster every write then
            // failed ("Connection is read-only") and waited in the spool. Every node of a Galera cluster takes writes.
            hc.addDataSourceProperty("failOverReadOnly", "false");
        }
        if (multiHost(url) && !url.contains("secondsBeforeRetrySource=") && !url.contains("queriesBeforeRetrySource=")) {
            // and it goes back to the first host 30 s after failing over: on a node that has just restarted and is still
            // joining the cluster, which accepts connections but refuses every query ("WSREP has not yet prepared node for
            // application use"). Every node is as good as the first: stay on the one that works
            hc.addDataSourceProperty("secondsBeforeRetrySource", "0");
            hc.addDataSourceProperty("queriesBeforeRetrySource", "0");
            // a new connection made to such a node is refused by the pool at once (the query fails), not handed out
            hc.setConnectionInitSql("SELECT 1");
        }
    }

    /** Whether a Connector/J URL names several hosts ({@code jdbc:mysql://h1,h2/db}, its failover form). */
    static boolean multiHost(String url) {
        String rest = url.replaceFirst("^jdbc:mysql:(//)?", "");
        int end = rest.indexOf('/');
        String hosts = end < 0 ? rest : rest.substring(0, end);
        return hosts.contains(",");
    }

    /**
     * MariaDB's own driver ({@code jdbc:mariadb://}), which names some options differently and rejects Connector/J's
     * values (its {@code sslMode} has no {@code PREFERRED}: it stays as the URL says, off unless asked for; README says
     * so). It keeps autocommit and isolation locally already (session tracking).
     */
    private static void mariaDbDriver(HikariConfig hc) {
        // the store's INSERT ... ON DUPLICATE KEY batches skip the driver's bulk mode before MariaDB 11.5: rewrite them
        hc.addDataSourceProperty("rewriteBatchedStatements", "true");
        hc.addDataSourceProperty("allowLocalInfile", "false");
        hc.addDataSourceProperty("cachePrepStmts", "true");
        hc.addDataSourceProperty("useServerPrepStmts", "false");
        hc.addDataSourceProperty("connectionTimeZone", "UTC");
        hc.addDataSourceProperty("forceConnectionTimeZoneToSession", "true");
        hc.addDataSourceProperty("connectTimeout", "5000");
        hc.addDataSourceProperty("socketTimeout", "60000");
        hc.addDataSourceProperty("allowPublicKeyRetrieval", "true");
    }

    /**
     * Migrates under a {@link dev.chatlog.sql.cluster.ClusterLock}: of several instances starting together, on one server
     * or on different nodes of a cluster, one migrates and the others wait, then find nothing to do. (Flyway's own lock,
     * {@code GET_LOCK}, is local to one Galera node.)
     */
    static void migrate(DataSource ds) {
        // a lease of 10 minutes, renewed every 10 s: an instance that dies while migrating holds the others up to 10 minutes
        try (var lock = dev.chatlog.sql.cluster.ClusterLock.acquire(ds, "migrations", java.time.Duration.ofMinutes(10),
                java.time.Duration.ofMinutes(30))) {
            migrateHeld(ds);
            if (lock.lost()) log.warn("the migration lock's lease ran out while migrating: another instance may have migrated too");
        }
    }

    private static void migrateHeld(DataSource ds) {
        Flyway flyway = Flyway.configure().dataSource(ds).locations("classpath:db/chatlog/migration")
                .table("chatlog_schema_history")
                // a database with the application's own tables (and its own Flyway history) is not empty, and that is
                // fine: chatlog's history starts at a baseline 0 there, and every chatlog migration still runs
                .baselineOnMigrate(true).baselineVersion("0").baselineDescription("before chatlog").load();
        MigrateResult r = flyway.migrate();
        var current = flyway.info().current(); // the result names a version only when it applied one
        log.info("chatlog schema at version {} ({} migration(s) applied now)",
                current == null ? "none" : current.getVersion(), r.migrationsExecuted);
    }

    private static final java.util.concurrent.ExecutorService PINGS = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "chatlog-db-ping");
        t.setDaemon(true);
        return t;
    });
    private final java.util.concurrent.atomic.AtomicReference<java.util.concurrent.CompletableFuture<Optional<DatabaseNode>>> probe =
            new java.util.concurrent.atomic.AtomicReference<>();

    /**
     * Whether the database answers a trivial query within {@code timeout}: the one answer to "is the database up?" for
     * health checks and gauges. See {@link #probe(java.time.Duration)}.
     */
    public boolean ping(java.time.Duration timeout) {
        return probe(timeout).isPresent();
    }

    /**
     * The server a pooled connection talks to now (its name, on a Galera cluster its state), or empty when the database
     * does not answer within {@code timeout}. Bounded whatever the network does (a silent link would otherwise hold the
     * caller for the driver's socket timeout); a probe still in flight is shared, not repeated.
     */
    public Optional<DatabaseNode> probe(java.time.Duration timeout) {
        java.util.concurrent.CompletableFuture<Optional<DatabaseNode>> f = probe.get();
        if (f == null || f.isDone()) {
            java.util.concurrent.CompletableFuture<Optional<DatabaseNode>> mine = new java.util.concurrent.CompletableFuture<>();
            if (probe.compareAndSet(f, mine)) {
                int seconds = (int) Math.max(1, timeout.toSeconds());
                PINGS.execute(() -> {
                    try {
                        mine.complete(Optional.of(jdbi.withHandle(h -> {
                            h.getConnection().setNetworkTimeout(PINGS, seconds * 1000);
                            return DatabaseNode.read(h);
                        })));
                    } catch (RuntimeException | java.sql.SQLException e) {
                        mine.complete(Optional.empty());
                    }
                });
            }
            f = probe.get();
        }
        try {
            return f.get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return Optional.empty();
        }
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    @Override
    public void close() {
        if (owned) ((HikariDataSource) dataSource).close();
    }
}
