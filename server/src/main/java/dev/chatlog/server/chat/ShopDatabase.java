package dev.chatlog.server.chat;

import com.zaxxer.hikari.HikariConfig;
import com.mysql.cj.jdbc.JdbcConnection;
import com.zaxxer.hikari.HikariDataSource;
import dev.chatlog.core.SqlQuery;
import dev.chatlog.sql.DatabaseConfig;
import dev.chatlog.embedded.EmbeddedMariaDb;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo shop the chatbot answers about: customers, products, orders and order items in their
 * own schema, seeded once with deterministic, realistic data ({@link ShopSeed}). Model-written SQL runs through
 * {@link #query(String)} as a user the database grants SELECT only, with a row limit and a query
 * timeout; {@link SqlGuard} refuses anything else before it is sent.
 */
public final class ShopDatabase implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ShopDatabase.class);
    public static final String SCHEMA = "chatlog_shop";
    public static final int MAX_ROWS = 200;
    public static final int TIMEOUT_SECONDS = 5;
    /** Longest cell kept, in characters; a longer one is cut and marked. */
    public static final int MAX_CELL_CHARS = 1_000;
    /** Most characters of cells kept for one result: reading stops there and the query is cancelled. */
    public static final int MAX_RESULT_CHARS = 100_000;
    /** Connections in the query pool: what all clients share. */
    public static final int POOL_SIZE = 4;

    private final HikariDataSource reader;
    private final boolean readOnlyUser;
    private final ClientSlots slots = new ClientSlots(1);
    /** Read-write, to keep the shop's dates current ({@link ShopSeed#keepCurrent}); closed with this when it is ours. */
    private final DataSource owner;
    private final HikariDataSource ownPool;
    private final DataSource locks; // chatlog's database, where the seed's lock is taken
    private final java.util.concurrent.atomic.AtomicLong nextDateCheck = new java.util.concurrent.atomic.AtomicLong();

    private ShopDatabase(HikariDataSource reader, boolean readOnlyUser, DataSource owner, HikariDataSource ownPool, DataSource locks) {
        this.reader = reader;
        this.locks = locks;
        this.readOnlyUser = readOnlyUser;
        this.owner = owner;
        this.ownPool = ownPool;
        nextDateCheck.set(System.nanoTime() + DATE_CHECK_NANOS);
    }

    private static final long DATE_CHECK_NANOS = 3_600_000_000_000L; // hourly, on the next query

    /** Moves the shop's dates forward when its newest order has fallen behind (at most hourly; a failure is logged). */
    private void keepDatesCurrent() {
        long now = System.nanoTime();
        long due = nextDateCheck.get();
        if (now - due < 0 || !nextDateCheck.compareAndSet(due, now + DATE_CHECK_NANOS)) return; // one thread checks
        try {
            ShopSeed.keepCurrent(owner, locks, ShopSeed.utcNow());
        } catch (SQLException | RuntimeException e) {
            log.warn("demo shop dates not moved: {}", e.toString());
        }
    }

    /**
     * How many queries one client (the chat's remote address) may have running at once, 1 to
     * {@link #POOL_SIZE}; one more is refused at once rather than queued, so no client can hold the
     * whole pool (twelve parallel cartesian joins) while others wait. Default 1.
     */
    public ShopDatabase queriesPerClient(int limit) {
        slots.limit(limit);
        return this;
    }

    /** On the embedded server: creates the schema, seeds it, and a SELECT-only user to query it. */
    public static ShopDatabase embedded(EmbeddedMariaDb server, DataSource admin, String readerPassword) throws SQLException {
        server.runAsAdmin("CREATE DATABASE IF NOT EXISTS " + SCHEMA + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n"
                + "CREATE USER IF NOT EXISTS 'shop_reader'@'127.0.0.1' IDENTIFIED BY '" + readerPassword + "';\n"
                + "ALTER USER 'shop_reader'@'127.0.0.1' IDENTIFIED BY '" + readerPassword + "';\n"
                + "GRANT SELECT ON " + SCHEMA + ".* TO 'shop_reader'@'127.0.0.1';\n");
        ShopSeed.createAndSeed(admin, admin, ShopSeed.utcNow());
        ShopSeed.keepCurrent(admin, admin, ShopSeed.utcNow());
        return new ShopDatabase(pool(new DatabaseConfig(server.jdbcUrl(SCHEMA), "shop_reader", readerPassword), "shop", true), true,
                admin, null, admin);
    }

    /** The demo shop cannot be set up on this database (the app user lacks the rights); the message says what to grant. */
    public static final class Unavailable extends Exception {
        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * On an external server: the shop's own database ({@value #SCHEMA}) is created and seeded by
     * the app user (which needs {@code CREATE} on it, or an admin to have created it and granted it
     * ALL on {@code chatlog_shop.*}); queries run as {@code reader} when given (a SELECT-only user),
     * else as the app user guarded by {@link SqlGuard} and a read-only transaction only.
     */
    public static ShopDatabase external(DatabaseConfig app, DataSource appDataSource, DatabaseConfig reader) throws Unavailable {
        String url = app.jdbcUrl().replaceFirst("(jdbc:[a-z]+://[^/]+/)[^?]*", "$1" + SCHEMA);
        HikariDataSource owner = null;
        try {
            try (Connection c = appDataSource.getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE IF NOT EXISTS " + SCHEMA + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
            }
            owner = pool(new DatabaseConfig(url, app.user(), app.password()), "shop-setup", false);
            ShopSeed.createAndSeed(owner, appDataSource, ShopSeed.utcNow()); // as the owner, read-write: the query pool is read-only
            ShopSeed.keepCurrent(owner, appDataSource, ShopSeed.utcNow());
        } catch (SQLException | RuntimeException e) {
            if (owner != null) owner.close();
            throw new Unavailable("the demo shop could not be set up in database '" + SCHEMA + "' as user '" + app.user() + "' ("
                    + e.getMessage() + "). An admin can run: CREATE DATABASE " + SCHEMA + "; GRANT ALL ON " + SCHEMA + ".* TO '"
                    + app.user() + "'@'<host>'; or set CHATLOG_CHATBOT=off to run the dashboard only", e);
        }
        if (reader != null) {
            return new ShopDatabase(pool(reader, "shop", true), true, owner, owner, appDataSource);
        }
        log.warn("CHATLOG_SHOP_DB_URL is not set: shop queries run as the app user, guarded by SQL checks and a read-only transaction only");
        return new ShopDatabase(pool(new DatabaseConfig(url, app.user(), app.password()), "shop", true), false, owner, owner, appDataSource);
    }

    /** Whether the database itself refuses writes from the query user. */
    public boolean enforcedByDatabase() {
        return readOnlyUser;
    }

    private static HikariDataSource pool(DatabaseConfig cfg, String name, boolean readOnly) {
        HikariConfig hc = new HikariConfig();
        // always MySQL's Connector/J: the query path relies on its streaming fetch size, its read-only sessions and its
        // session reset (MariaDB's driver refuses the fetch size, ignores setReadOnly and has no resetServerState)
        hc.setJdbcUrl(cfg.jdbcUrl().replaceFirst("^jdbc:mariadb:", "jdbc:mysql:"));
        hc.setUsername(cfg.user());
        hc.setPassword(cfg.password());
        hc.setPoolName(name);
        hc.setMaximumPoolSize(readOnly ? POOL_SIZE : 1);
        hc.setMinimumIdle(0);
        hc.setReadOnly(readOnly);
        hc.setConnectionTimeout(5_000);
        hc.addDataSourceProperty("allowMultiQueries", "false");
        hc.addDataSourceProperty("allowLoadLocalInfile", "false");
        hc.addDataSourceProperty("connectionTimeZone", "UTC");
        hc.addDataSourceProperty("forceConnectionTimeZoneToSession", "true");
        hc.addDataSourceProperty("allowPublicKeyRetrieval", "true");
        return new HikariDataSource(hc);
    }

    /** Runs a model-written statement for {@code client} and reports it as a {@link SqlQuery} plus its rows. */
    public Result query(String sql, String client) {
        var refusal = SqlGuard.refusal(sql);
        if (refusal.isPresent()) {
            return refused(sql, refusal.get());
        }
        keepDatesCurrent();
        if (!slots.tryAcquire(client)) {
            return refused(sql, "another query of this client is still running (at most " + slots.limit()
                    + " at once): ask again when it has answered");
        }
        try {
            return execute(sql);
        } finally {
            slots.release(client);
        }
    }

    /** {@link #query(String, String)} for one anonymous client. */
    public Result query(String sql) {
        return query(sql, "");
    }

    private static Result refused(String sql, String why) {
        return new Result(SqlQuery.failed(sql, 0, "refused: " + why), List.of(), List.of(), false);
    }

    /** Runs a statement without the guard: only the database's own privileges stand in the way. Tests use it. */
    Result execute(String sql) {
        long t0 = System.nanoTime();
        Connection c = null;
        boolean reusable = false;
        try {
            c = reader.getConnection();
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.setMaxRows(MAX_ROWS);
                s.setQueryTimeout(TIMEOUT_SECONDS);
                s.setFetchSize(Integer.MIN_VALUE); // stream: a result is never held whole, whatever its size
                boolean hasRows = s.execute(sql);
                List<String> columns = new ArrayList<>();
                List<Map<String, Object>> rows = new ArrayList<>();
                boolean truncated = false;
                if (hasRows) {
                    try (ResultSet rs = s.getResultSet()) {
                        ResultSetMetaData md = rs.getMetaData();
                        for (int i = 1; i <= md.getColumnCount(); i++) columns.add(md.getColumnLabel(i));
                        long chars = 0;
                        while (!truncated && rs.next()) {
                            Map<String, Object> row = new LinkedHashMap<>();
                            for (int i = 1; i <= md.getColumnCount(); i++) {
                                Object v = rs.getObject(i);
                                v = v instanceof LocalDateTime t ? t.toString() : v instanceof java.sql.Date d ? d.toString()
                                        : v instanceof byte[] b ? "(" + b.length + " bytes)" : v; // BIGINT UNSIGNED, decimals: exact
                                if (v instanceof String str && str.length() > MAX_CELL_CHARS) {
                                    v = str.substring(0, MAX_CELL_CHARS) + "…[cut]";
                                    truncated = true;
                                }
                                chars += v == null ? 4 : v.toString().length();
                                row.put(columns.get(i - 1), v);
                            }
                            rows.add(row);
                            if (chars > MAX_RESULT_CHARS) truncated = true;
                        }
                        if (truncated) s.cancel(); // the server stops producing what nobody will read
                    }
                }
                c.rollback(); // nothing a query does is ever kept
                reusable = !truncated;
                double ms = (System.nanoTime() - t0) / 1e6;
                return new Result(SqlQuery.succeeded(sql, ms, rows.size()), columns, rows, truncated);
            }
        } catch (SQLException e) {
            double ms = (System.nanoTime() - t0) / 1e6;
            return new Result(SqlQuery.failed(sql, ms, e.getMessage()), List.of(), List.of(), false);
        } finally {
            release(c, reusable);
        }
    }

    /**
     * Back to the pool only after a query that ran to its end, and only with its session reset
     * (COM_RESET_CONNECTION: user variables, named locks, temporary tables and session settings go)
     * and put back to read-only; after a failure, a timeout, a cut result or a failed reset the
     * connection is closed instead. No session state of one query reaches the next.
     */
    private void release(Connection c, boolean reusable) {
        if (c == null) return;
        if (reusable) {
            try {
                c.setAutoCommit(true); // the query's transaction was rolled back; nothing is left to end
                c.unwrap(JdbcConnection.class).resetServerState();
                try (Statement s = c.createStatement()) {
                    s.execute("SET SESSION TRANSACTION READ ONLY"); // the reset put the session back to read-write
                }
                c.close();
                return;
            } catch (SQLException | RuntimeException e) {
                log.debug("shop connection not reset, closing it: {}", e.toString());
            }
        }
        reader.evictConnection(c);
    }

    /** A query's outcome; {@code truncated} when cells or rows were cut at the caps. */
    public record Result(SqlQuery query, List<String> columns, List<Map<String, Object>> rows, boolean truncated) {
        /**
         * What the chat user and the summarize prompt are told of a failure: the refusal, or that it
         * failed (and why, for a timeout). The database's own text (paths, ports, versions) stays in the log row.
         */
        public String publicError() {
            String e = query.error();
            if (e == null || e.startsWith("refused:")) return e;
            return "the query failed" + (e.toLowerCase(java.util.Locale.ROOT).contains("timeout") || e.contains("interrupted")
                    ? " (it ran longer than " + TIMEOUT_SECONDS + " s)" : "");
        }
    }

    /** The schema, described for the model's SQL prompt. */
    public static final String SCHEMA_DESCRIPTION = """
            customers(id INT, name VARCHAR, email VARCHAR, city VARCHAR, country VARCHAR, created_at DATETIME)
            products(id INT, name VARCHAR, category VARCHAR, price DECIMAL(10,2), stock INT units in the warehouse)
            orders(id INT, customer_id INT -> customers.id, status VARCHAR one of pending|shipped|delivered|cancelled, ordered_at DATETIME, total DECIMAL(10,2))
            order_items(order_id INT -> orders.id, product_id INT -> products.id, quantity INT, unit_price DECIMAL(10,2))""";

    @Override
    public void close() {
        reader.close();
        if (ownPool != null) ownPool.close();
    }
}
