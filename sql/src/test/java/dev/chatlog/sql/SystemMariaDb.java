package dev.chatlog.sql;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * A separate MariaDB server from the operating system's package (Debian's {@code mariadb-server},
 * which {@code .ci/run} installs): the "existing database" a team already runs, as opposed to the
 * embedded one. Each instance gets a fresh data directory, a free port on 127.0.0.1 and an
 * {@code admin} user with every privilege; tests create the app's users and grants with
 * {@link #admin(String...)}. Without the package the test is skipped, except under CI, where it fails.
 */
public final class SystemMariaDb implements AutoCloseable {
    private static final List<Path> SERVERS = List.of(Path.of("/usr/sbin/mariadbd"), Path.of("/usr/sbin/mysqld"));
    private static final List<Path> INSTALLERS = List.of(Path.of("/usr/bin/mariadb-install-db"), Path.of("/usr/bin/mysql_install_db"));
    public static final String ADMIN = "admin";
    public static final String ADMIN_PASSWORD = "admin-pw";

    private final Process process;
    private final int port;
    private final Path dir;

    private SystemMariaDb(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    /** Starts one in a new directory under {@code parent}; skips (fails under CI) when the package is missing. */
    public static SystemMariaDb start(Path parent) throws Exception {
        return start(parent, List.of("--skip-log-bin"));
    }

    /** A primary for {@link #startReplicaOf}: its binary log on, in rows, server id 1. */
    public static SystemMariaDb startPrimary(Path parent) throws Exception {
        return start(parent, List.of("--log-bin=primary-bin", "--server-id=1", "--binlog-format=ROW"));
    }

    /**
     * A read replica of {@code primary} (MariaDB replication by GTID from the start of the primary's binary log): a
     * second server, read-only for every user but replication, that applies what the primary committed, a little later.
     * {@link #stopReplication()} and {@link #startReplication()} hold it behind and let it catch up.
     */
    public static SystemMariaDb startReplicaOf(Path parent, SystemMariaDb primary) throws Exception {
        SystemMariaDb replica = start(parent, List.of("--skip-log-bin", "--server-id=2", "--read-only=ON"));
        replica.admin("CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=" + primary.port + ", MASTER_USER='" + ADMIN
                + "', MASTER_PASSWORD='" + ADMIN_PASSWORD + "', MASTER_USE_GTID=slave_pos", "START SLAVE");
        return replica;
    }

    public void stopReplication() throws SQLException {
        admin("STOP SLAVE");
    }

    public void startReplication() throws SQLException {
        admin("START SLAVE");
    }

    private static SystemMariaDb start(Path parent, List<String> extra) throws Exception {
        Path server = SERVERS.stream().filter(Files::isExecutable).findFirst().orElse(null);
        Path installer = INSTALLERS.stream().filter(Files::isExecutable).findFirst().orElse(null);
        if (server == null || installer == null) {
            String why = "Debian's mariadb-server is not installed (apt-get install mariadb-server; .ci/run does it)";
            if (System.getenv("CI") != null) throw new IllegalStateException(why);
            Assumptions.abort(why);
        }
        Files.createDirectories(parent);
        Path dir = Files.createTempDirectory(parent, "system-mariadb").toAbsolutePath();
        Path data = dir.resolve("data");
        boolean root = "root".equals(System.getProperty("user.name"));
        List<String> install = new ArrayList<>(List.of(installer.toString(), "--no-defaults", "--datadir=" + data,
                "--auth-root-authentication-method=normal", "--skip-test-db"));
        if (root) install.add("--user=root");
        run(install, dir.resolve("install.log"));
        Path init = dir.resolve("init.sql"); // one statement a line: the server reads it so
        Files.writeString(init, "CREATE USER IF NOT EXISTS '" + ADMIN + "'@'127.0.0.1' IDENTIFIED BY '" + ADMIN_PASSWORD + "';\n"
                + "GRANT ALL ON *.* TO '" + ADMIN + "'@'127.0.0.1' WITH GRANT OPTION;\n");
        int port = freePort();
        List<String> cmd = new ArrayList<>(List.of(server.toString(), "--no-defaults", "--datadir=" + data, "--port=" + port,
                "--bind-address=127.0.0.1", "--socket=" + dir.resolve("mysqld.sock"), "--pid-file=" + dir.resolve("mysqld.pid"),
                "--skip-name-resolve", "--init-file=" + init, "--innodb-buffer-pool-size=64M",
                "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci"));
        cmd.addAll(extra);
        if (root) cmd.add("--user=root");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("server.log").toFile()).start();
        SystemMariaDb db = new SystemMariaDb(p, port, dir);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try (Connection c = db.connect(ADMIN, ADMIN_PASSWORD, "")) {
                return db;
            } catch (SQLException e) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    db.close();
                    throw new IllegalStateException("the system MariaDB did not start: " + Files.readString(dir.resolve("server.log")), e);
                }
                Thread.sleep(200);
            }
        }
    }

    private static void run(List<String> cmd, Path log) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", cmd) + " failed: " + Files.readString(log));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    public int port() {
        return port;
    }

    /** A JDBC URL of {@code database} on this server ("" for none). */
    public String jdbcUrl(String database) {
        return "jdbc:mysql://127.0.0.1:" + port + "/" + database;
    }

    public Connection connect(String user, String password, String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database) + "?allowPublicKeyRetrieval=true&sslMode=DISABLED", user, password);
    }

    /** Runs statements as the admin user. */
    public void admin(String... statements) throws SQLException {
        try (Connection c = connect(ADMIN, ADMIN_PASSWORD, ""); Statement s = c.createStatement()) {
            for (String sql : statements) s.execute(sql);
        }
    }

    @Override
    public void close() throws Exception {
        process.destroy(); // SIGTERM: a clean shutdown
        if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
    }
}
