package dev.chatlog.sql;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real Galera cluster on loopback: {@code n} MariaDB servers from Debian's {@code mariadb-server} and {@code galera-4}
 * packages ({@code .ci/run} installs them), each on its own ports and data directory, the first bootstrapping the
 * cluster and the others joining it by state transfer (rsync). A node can be SIGKILLed and started again: it rejoins by
 * IST or SST. As root the servers run as the package's {@code mysql} user (rsync SST writes the joiner's files as that
 * user). Without the packages the test is skipped, except under CI, where it fails.
 */
public final class GaleraCluster implements AutoCloseable {
    private static final Path SERVER = Path.of("/usr/sbin/mariadbd");
    private static final Path INSTALLER = Path.of("/usr/bin/mariadb-install-db");
    private static final Path PROVIDER = Path.of("/usr/lib/galera/libgalera_smm.so");
    public static final String USER = "chatlog";
    public static final String PASSWORD = "chatlog-pw";

    private final Path dir;
    private final List<Node> nodes = new ArrayList<>();
    private final String clusterAddress;

    /** One node: its SQL port, its Galera ports and its running {@code mariadbd} (null while stopped). */
    public final class Node {
        final int index;
        final int port;
        final int gcommPort;
        final int istPort;
        final int sstPort;
        final Path home;
        Process process;

        Node(int index, int port, int gcommPort, int istPort, int sstPort, Path home) {
            this.index = index;
            this.port = port;
            this.gcommPort = gcommPort;
            this.istPort = istPort;
            this.sstPort = sstPort;
            this.home = home;
        }

        public int port() {
            return port;
        }

        public String name() {
            return "node" + index;
        }

        /** The JDBC URL of {@code database} on this node alone. */
        public String jdbcUrl(String database) {
            return "jdbc:mysql://127.0.0.1:" + port + "/" + database;
        }

        public Connection connect(String database) throws SQLException {
            return DriverManager.getConnection(jdbcUrl(database) + "?allowPublicKeyRetrieval=true&sslMode=DISABLED", "root", "");
        }

        /** The node's {@code wsrep_local_state_comment} (Synced, Donor/Desynced, Joining...), or the failure to ask. */
        public String state() {
            try (Connection c = connect(""); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SHOW STATUS LIKE 'wsrep_local_state_comment'")) {
                return rs.next() ? rs.getString(2) : "no wsrep";
            } catch (SQLException e) {
                return "down (" + e.getMessage() + ")";
            }
        }

        public boolean running() {
            return process != null && process.isAlive();
        }

        /** SIGKILL of this node's {@code mariadbd}: no shutdown, its data left as the crash leaves it. */
        public void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }

        /** Starts the node again (it rejoins the cluster) and waits until it is Synced. */
        public void restart() throws Exception {
            start(false);
            awaitSynced(this, Duration.ofSeconds(180));
        }

        void start(boolean bootstrap) throws IOException {
            Path data = home.resolve("data");
            List<String> cmd = new ArrayList<>(List.of(SERVER.toString(), "--no-defaults", "--datadir=" + data, "--port=" + port,
                    "--bind-address=127.0.0.1", "--socket=" + home.resolve("mysqld.sock"), "--pid-file=" + home.resolve("mysqld.pid"),
                    "--skip-name-resolve", "--innodb-buffer-pool-size=64M", "--innodb-log-file-size=48M", "--max-connections=300",
                    "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
                    "--wsrep-on=ON", "--wsrep-provider=" + PROVIDER, "--wsrep-cluster-name=chatlog-test",
                    "--wsrep-cluster-address=" + clusterAddress, "--wsrep-node-name=" + name(),
                    "--wsrep-node-address=127.0.0.1:" + gcommPort,
                    "--wsrep-provider-options=gmcast.listen_addr=tcp://127.0.0.1:" + gcommPort + ";ist.recv_addr=127.0.0.1:" + istPort
                            + ";gcache.size=128M",
                    "--wsrep-sst-method=rsync", "--wsrep-sst-receive-address=127.0.0.1:" + sstPort,
                    // what chatlog needs of every Galera node (docs/cluster.md)
                    "--binlog-format=ROW", "--innodb-autoinc-lock-mode=2", "--default-storage-engine=InnoDB"));
            if (bootstrap) cmd.add("--wsrep-new-cluster");
            if (root()) cmd.add("--user=mysql");
            int n = 1;
            while (Files.exists(home.resolve("server-" + n + ".log"))) n++;
            process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(home.resolve("server-" + n + ".log").toFile()).start();
        }

        String log() {
            StringBuilder out = new StringBuilder();
            try (var files = Files.list(home)) {
                for (Path p : files.filter(f -> f.getFileName().toString().startsWith("server-")).sorted().toList()) {
                    List<String> lines = Files.readAllLines(p);
                    out.append("--- ").append(p).append('\n')
                            .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()))).append('\n');
                }
            } catch (IOException e) {
                out.append(e);
            }
            return out.toString();
        }
    }

    private GaleraCluster(Path dir, String clusterAddress) {
        this.dir = dir;
        this.clusterAddress = clusterAddress;
    }

    private static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    /**
     * Starts {@code size} nodes under {@code parent}, waits until all are Synced, and creates {@code database} with the
     * user {@link #USER} allowed everything on it. Skips (fails under CI) when the packages are missing.
     */
    public static GaleraCluster start(Path parent, int size, String database) throws Exception {
        if (!Files.isExecutable(SERVER) || !Files.isExecutable(INSTALLER) || !Files.exists(PROVIDER)) {
            String why = "Debian's mariadb-server and galera-4 are not installed (apt-get install mariadb-server galera-4 rsync; .ci/run does it)";
            if (System.getenv("CI") != null) throw new IllegalStateException(why);
            Assumptions.abort(why);
        }
        Files.createDirectories(parent);
        Path dir = Files.createTempDirectory(parent.toAbsolutePath(), "galera");
        // the mysql user must reach its data directories: every directory above them readable and searchable
        for (Path p = dir; p != null; p = p.getParent()) {
            if (root() && Files.isDirectory(p) && !p.equals(Path.of("/"))) {
                var perms = Files.getPosixFilePermissions(p);
                perms.addAll(PosixFilePermissions.fromString("r-xr-xr-x"));
                Files.setPosixFilePermissions(p, perms);
            }
        }
        List<int[]> ports = new ArrayList<>();
        StringJoiner address = new StringJoiner(",", "gcomm://", "");
        for (int i = 0; i < size; i++) {
            int[] p = {freePort(), freePort(), freePort(), freePort()};
            ports.add(p);
            address.add("127.0.0.1:" + p[1]);
        }
        GaleraCluster cluster = new GaleraCluster(dir, address.toString());
        try {
            for (int i = 0; i < size; i++) {
                Path home = Files.createDirectory(dir.resolve("node" + (i + 1)));
                int[] p = ports.get(i);
                cluster.nodes.add(cluster.new Node(i + 1, p[0], p[1], p[2], p[3], home));
                List<String> install = new ArrayList<>(List.of(INSTALLER.toString(), "--no-defaults", "--datadir=" + home.resolve("data"),
                        "--auth-root-authentication-method=normal", "--skip-test-db"));
                if (root()) install.add("--user=mysql");
                Process ip = new ProcessBuilder(install).redirectErrorStream(true).redirectOutput(home.resolve("install.log").toFile()).start();
                if (ip.waitFor() != 0) throw new IllegalStateException("mariadb-install-db failed: " + Files.readString(home.resolve("install.log")));
                if (root()) new ProcessBuilder("chown", "-R", "mysql:mysql", home.toString()).inheritIO().start().waitFor();
            }
            cluster.nodes.get(0).start(true);
            awaitSynced(cluster.nodes.get(0), Duration.ofSeconds(60));
            for (int i = 1; i < size; i++) {
                cluster.nodes.get(i).start(false);
                awaitSynced(cluster.nodes.get(i), Duration.ofSeconds(180)); // one joiner at a time: one donor each
            }
            cluster.admin(0, "CREATE DATABASE IF NOT EXISTS `" + database + "`",
                    "CREATE USER IF NOT EXISTS '" + USER + "'@'127.0.0.1' IDENTIFIED BY '" + PASSWORD + "'",
                    "GRANT ALL ON `" + database + "`.* TO '" + USER + "'@'127.0.0.1'",
                    "GRANT PROCESS, REPLICATION CLIENT ON *.* TO '" + USER + "'@'127.0.0.1'");
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    static void awaitSynced(Node node, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        String state = null;
        while (System.nanoTime() < deadline) {
            if (!node.running()) throw new IllegalStateException(node.name() + " exited:\n" + node.log());
            state = node.state();
            if ("Synced".equals(state)) return;
            Thread.sleep(250);
        }
        throw new IllegalStateException(node.name() + " not Synced within " + within + " (" + state + "):\n" + node.log());
    }

    public Node node(int index) {
        return nodes.get(index - 1);
    }

    public List<Node> nodes() {
        return List.copyOf(nodes);
    }

    /** The cluster's size as a running node sees it. */
    public int size(int index) throws SQLException {
        try (Connection c = node(index).connect(""); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SHOW STATUS LIKE 'wsrep_cluster_size'")) {
            return rs.next() ? rs.getInt(2) : 0;
        }
    }

    /** Runs statements as root on node {@code index0 + 1}. */
    public void admin(int index0, String... statements) throws SQLException {
        try (Connection c = nodes.get(index0).connect(""); Statement s = c.createStatement()) {
            for (String sql : statements) s.execute(sql);
        }
    }

    public DatabaseConfig config(int index, String database) {
        return new DatabaseConfig(node(index).jdbcUrl(database), USER, PASSWORD);
    }

    public Path dir() {
        return dir;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Process p = nodes.get(i).process;
            if (p != null && p.isAlive()) {
                p.destroy();
                if (!p.waitFor(60, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
        if (System.getenv("CHATLOG_KEEP_GALERA") == null) { // three data directories: kept only when asked, to read their logs
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
