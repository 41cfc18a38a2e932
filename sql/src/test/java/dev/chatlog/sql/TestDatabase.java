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
            try {
                Path dir = Files.createTempDirectory("chatlog-test-db");
                server = EmbeddedMariaDb.start(dir, 0);
                EmbeddedMariaDb started = server;
                Runtime.getRuntime().addShutdownHook(new Thread(() -> { // a server's files are ~660 MB: never leave them behind
                    started.close();
                    delete(dir);
                }, "chatlog-test-db-stop"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return server;
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
