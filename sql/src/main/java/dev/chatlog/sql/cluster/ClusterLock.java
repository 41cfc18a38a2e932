package dev.chatlog.sql.cluster;

import dev.chatlog.sql.SqlFailures;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A lock held by one chatlog instance among all those on one database, whichever server of a cluster each is connected
 * to: a row in {@code chatlog_locks}, inserted to take the lock and deleted to give it back. {@code GET_LOCK} cannot do
 * this on Galera (a named lock is local to the node that grants it, so three instances on three nodes all get it); a
 * row's primary key is certified across the cluster, so of two nodes inserting it at once one commits and the other
 * gets a conflict (1213) or, once the row has reached it, a duplicate key. The row carries a lease, renewed while held,
 * so the lock of an instance that died is taken over when the lease runs out.
 */
public final class ClusterLock implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterLock.class);
    private static final String TABLE = """
            CREATE TABLE IF NOT EXISTS chatlog_locks (
                name        VARCHAR(64)  NOT NULL,
                holder      VARCHAR(200) NOT NULL,
                acquired_at DATETIME(3)  NOT NULL,
                expires_at  DATETIME(3)  NOT NULL,
                PRIMARY KEY (name)
            ) ENGINE=InnoDB""";
    private static final ScheduledExecutorService RENEWALS = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "chatlog-lock-lease");
        t.setDaemon(true);
        return t;
    });

    private final DataSource dataSource;
    private final String name;
    private final String holder;
    private final Duration lease;
    private final java.util.concurrent.ScheduledFuture<?> renewal;
    private volatile boolean lost;

    private ClusterLock(DataSource dataSource, String name, String holder, Duration lease) {
        this.dataSource = dataSource;
        this.name = name;
        this.holder = holder;
        this.lease = lease;
        // renewed far more often than it runs out: a renewal delayed by a cluster-wide stall (a large ALTER on Galera
        // holds every commit) still lands long before the lease ends
        long every = Math.max(1, Math.min(10_000, lease.toMillis() / 6));
        this.renewal = RENEWALS.scheduleWithFixedDelay(this::renew, every, every, TimeUnit.MILLISECONDS);
    }

    /** Whether the lease ran out while held (a renewal found the row gone or another holder's): stop relying on it. */
    public boolean lost() {
        return lost;
    }

    /**
     * Takes the lock {@code name}, waiting while another instance holds it (at most {@code wait}); the lease is renewed
     * every third of {@code lease} until {@link #close()}.
     *
     * @throws IllegalStateException when another instance still holds it after {@code wait}, naming it
     */
    public static ClusterLock acquire(DataSource dataSource, String name, Duration lease, Duration wait) {
        String holder = ManagementFactory.getRuntimeMXBean().getName() + " " + UUID.randomUUID().toString().substring(0, 8);
        long deadline = System.nanoTime() + wait.toNanos();
        boolean waited = false;
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute(TABLE); // once: on Galera every DDL is replicated in total order, even one that changes nothing
        } catch (SQLException e) {
            throw new IllegalStateException("the lock table could not be created: " + e.getMessage(), e);
        }
        while (true) {
            String heldBy;
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(true);
                try {
                    try (PreparedStatement expired = c.prepareStatement("DELETE FROM chatlog_locks WHERE name = ? AND expires_at < UTC_TIMESTAMP(3)")) {
                        expired.setString(1, name);
                        if (expired.executeUpdate() > 0) log.warn("the lock {} had expired (its holder died?): taken over", name);
                    }
                    try (PreparedStatement insert = c.prepareStatement("INSERT INTO chatlog_locks (name, holder, acquired_at, expires_at) "
                            + "VALUES (?, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) + INTERVAL ? SECOND)")) {
                        insert.setString(1, name);
                        insert.setString(2, holder);
                        insert.setLong(3, Math.max(1, lease.toSeconds()));
                        insert.executeUpdate();
                        if (waited) log.info("lock {} taken after waiting for another instance", name);
                        return new ClusterLock(dataSource, name, holder, lease);
                    }
                } catch (SQLException e) { // held (a duplicate key), or another node took or renewed it at the same moment (1213)
                    if (!(e instanceof SQLIntegrityConstraintViolationException) && e.getErrorCode() != 1062 && !SqlFailures.lockConflict(e)) {
                        throw e;
                    }
                }
                heldBy = holderOf(c, name);
            } catch (SQLException e) {
                throw new IllegalStateException("the lock " + name + " could not be taken: " + e.getMessage(), e);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the lock " + name + " is still held by " + heldBy + " after " + wait.toSeconds() + " s");
            }
            if (!waited) log.info("lock {} is held by {}: waiting", name, heldBy);
            waited = true;
            try {
                Thread.sleep(ThreadLocalRandom.current().nextLong(100, 400));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the lock " + name, e);
            }
        }
    }

    private static String holderOf(Connection c, String name) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT holder FROM chatlog_locks WHERE name = ?")) {
            q.setString(1, name);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next() ? rs.getString(1) : "another instance";
            }
        }
    }

    private void renew() {
        try (Connection c = dataSource.getConnection();
             PreparedStatement u = c.prepareStatement("UPDATE chatlog_locks SET expires_at = UTC_TIMESTAMP(3) + INTERVAL ? SECOND "
                     + "WHERE name = ? AND holder = ?")) {
            c.setAutoCommit(true);
            u.setLong(1, Math.max(1, lease.toSeconds()));
            u.setString(2, name);
            u.setString(3, holder);
            if (u.executeUpdate() == 0) {
                lost = true;
                log.warn("the lock {} was lost (its lease ran out while held)", name);
            }
        } catch (SQLException | RuntimeException e) {
            log.warn("the lease of lock {} could not be renewed: {}", name, e.toString());
        }
    }

    /** Gives the lock back (a failure leaves it to expire with its lease). */
    @Override
    public void close() {
        renewal.cancel(false);
        for (int attempt = 1; attempt <= 3; attempt++) {
            try (Connection c = dataSource.getConnection();
                 PreparedStatement d = c.prepareStatement("DELETE FROM chatlog_locks WHERE name = ? AND holder = ?")) {
                c.setAutoCommit(true);
                d.setString(1, name);
                d.setString(2, holder);
                d.executeUpdate();
                return;
            } catch (SQLException e) {
                if (attempt == 3 || !SqlFailures.lockConflict(e)) {
                    log.warn("the lock {} could not be given back (it expires with its lease): {}", name, e.toString());
                    return;
                }
            }
        }
    }
}
