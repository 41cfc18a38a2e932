package dev.chatlog.server.load;

import dev.chatlog.sql.DatabaseConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real server ({@code dev.chatlog.server.Main}, as {@code ./run.sh} starts it) in a child JVM on
 * the given data directory, for tests and benchmarks that kill it. Its output goes to
 * {@code <dataDir>/server-<n>.log}; the ports are read from its banner.
 */
public final class ServerProcess implements AutoCloseable {
    private static final Pattern HEALTH = Pattern.compile("health:\\s+http://[^:]+:(\\d+)/health");
    private static final Pattern DB = Pattern.compile("database:\\s+(?:embedded MariaDB [\\d.]+ on 127\\.0\\.0\\.1:(\\d+))?");

    private final Process process;
    private final Path dataDir;
    private final int port;
    private final int dbPort;
    private final Path log;

    private ServerProcess(Process process, Path dataDir, int port, int dbPort, Path log) {
        this.process = process;
        this.dataDir = dataDir;
        this.port = port;
        this.dbPort = dbPort;
        this.log = log;
    }

    /** Starts the server from the test's classpath and waits (up to {@code startSeconds}) for its banner. */
    public static ServerProcess start(Path dataDir, Map<String, String> env, int startSeconds, String... jvmArgs) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(java(), "-Xmx512m"));
        cmd.addAll(List.of(jvmArgs));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.chatlog.server.Main"));
        return start(cmd, dataDir, env, startSeconds);
    }

    /** Starts the server as {@code java -jar jar} and waits (up to {@code startSeconds}) for its banner. */
    public static ServerProcess startJar(Path jar, Path dataDir, Map<String, String> env, int startSeconds) throws Exception {
        return start(List.of(java(), "-Xmx512m", "-jar", jar.toString()), dataDir, env, startSeconds);
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static ServerProcess start(List<String> cmd, Path dataDir, Map<String, String> env, int startSeconds) throws Exception {
        Files.createDirectories(dataDir);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("CHATLOG_PORT", "0");
        pb.environment().put("CHATLOG_DATA_DIR", dataDir.toString());
        pb.environment().remove("OPENAI_API_KEY");
        pb.environment().remove("CHATLOG_DB_URL");
        pb.environment().put("CHATLOG_JUDGE", "off"); // the load and kill tests count the product's rows; a test may turn it on
        pb.environment().put("CHATLOG_CHAT_EXPERIMENT", "off"); // and the demo chatbot's model, not its experiment's
        pb.environment().putAll(env);
        int n = 1;
        while (Files.exists(dataDir.resolve("server-" + n + ".log"))) n++;
        Path log = dataDir.resolve("server-" + n + ".log");
        Process p = pb.start();
        CompletableFuture<int[]> ports = new CompletableFuture<>();
        Thread pump = new Thread(() -> {
            int chat = -1, db = -1;
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                 PrintWriter out = new PrintWriter(Files.newBufferedWriter(log), true)) {
                String line;
                while ((line = in.readLine()) != null) {
                    out.println(line);
                    Matcher m = HEALTH.matcher(line);
                    if (m.find()) chat = Integer.parseInt(m.group(1));
                    m = DB.matcher(line);
                    if (chat > 0 && m.find()) { // the database line comes after the health line: the banner is whole
                        db = m.group(1) == null ? -1 : Integer.parseInt(m.group(1));
                        ports.complete(new int[] {chat, db});
                    }
                }
            } catch (IOException ignored) {
                // the child was killed
            }
            ports.completeExceptionally(new IllegalStateException("the server exited before its banner; see " + log));
        }, "server-output-" + n);
        pump.setDaemon(true);
        pump.start();
        try {
            int[] pp = ports.get(startSeconds, TimeUnit.SECONDS);
            return new ServerProcess(p, dataDir, pp[0], pp[1], log);
        } catch (Exception e) {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            throw new IllegalStateException("the server did not start within " + startSeconds + " s; log " + log + ":\n"
                    + tail(log), e);
        }
    }

    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    /** The chatlog schema on the server's embedded MariaDB, as the server's own user. */
    public DatabaseConfig database() throws IOException {
        String password = Files.readString(dataDir.resolve("mariadb-password")).trim();
        return new DatabaseConfig("jdbc:mysql://127.0.0.1:" + dbPort + "/chatlog", "chatlog", password);
    }

    /** SIGKILL: no shutdown hook runs, the embedded MariaDB is left behind as the crash leaves it. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM: the shutdown hook drains the logger and stops the database. */
    public int stop(int seconds) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            return -1;
        }
        return process.exitValue();
    }

    public boolean alive() {
        return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop(60);
        }
    }
}
