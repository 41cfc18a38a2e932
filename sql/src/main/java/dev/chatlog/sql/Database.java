package dev.chatlog.sql;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection pool (HikariCP) and the schema (Flyway migrations under {@code db/migration}),
 * brought up together. Migrating is idempotent: on an up-to-date database it changes nothing.
 * Connections run in READ COMMITTED with a UTC session, which the store's summary upserts rely on.
 */
public final class Database implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Database.class);

    private final HikariDataSource dataSource;
    private final Jdbi jdbi;

    private Database(HikariDataSource dataSource) {
        this.dataSource = dataSource;
        this.jdbi = Jdbi.create(dataSource);
    }

    /** Opens a pool of at most {@code maxPoolSize} connections and migrates the schema. */
    public static Database open(DatabaseConfig config, int maxPoolSize) {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(config.jdbcUrl());
        hc.setUsername(config.user());
        hc.setPassword(config.password());
        hc.setPoolName("chatlog");
        hc.setMaximumPoolSize(maxPoolSize);
        hc.setMinimumIdle(1);
        hc.setConnectionTimeout(5_000);
        hc.setInitializationFailTimeout(30_000);
        hc.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
        hc.addDataSourceProperty("rewriteBatchedStatements", "true");
        hc.addDataSourceProperty("cachePrepStmts", "true");
        hc.addDataSourceProperty("useServerPrepStmts", "false");
        hc.addDataSourceProperty("connectionTimeZone", "UTC");
        hc.addDataSourceProperty("forceConnectionTimeZoneToSession", "true");
        hc.addDataSourceProperty("characterEncoding", "UTF-8");
        hc.addDataSourceProperty("connectTimeout", "5000");
        hc.addDataSourceProperty("socketTimeout", "60000");
        hc.addDataSourceProperty("allowPublicKeyRetrieval", "true");
        if (!config.jdbcUrl().contains("sslMode=")) {
            hc.addDataSourceProperty("sslMode", "PREFERRED");
        }
        HikariDataSource ds = new HikariDataSource(hc);
        try {
            migrate(ds);
        } catch (RuntimeException e) {
            ds.close();
            throw e;
        }
        return new Database(ds);
    }

    static void migrate(DataSource ds) {
        Flyway flyway = Flyway.configure().dataSource(ds).locations("classpath:db/migration")
                .table("chatlog_schema_history").baselineOnMigrate(false).load();
        MigrateResult r = flyway.migrate();
        var current = flyway.info().current(); // the result names a version only when it applied one
        log.info("chatlog schema at version {} ({} migration(s) applied now)",
                current == null ? "none" : current.getVersion(), r.migrationsExecuted);
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
