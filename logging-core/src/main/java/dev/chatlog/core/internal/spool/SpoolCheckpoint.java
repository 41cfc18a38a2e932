package dev.chatlog.core.internal.spool;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the spool's checkpoint file holds: where replay starts, and the shipper's state at that point. The file: {@code "<segment> <offset>"} on the first line (all the first format
 * wrote), then the shipper's state at that point, a line each. Written to a temporary file and
 * moved into place atomically, without fsync: a stale checkpoint only replays records the
 * idempotent store already has.
 */
public record SpoolCheckpoint(SpoolPosition position, List<String> state) {
    private static final Logger log = LoggerFactory.getLogger(SpoolCheckpoint.class);

    /** The checkpoint in {@code dir}, or {@code oldest} with no state when there is none or it is unreadable. */
    public static SpoolCheckpoint read(Path dir, SpoolPosition oldest) throws IOException {
        Path cp = dir.resolve("checkpoint");
        if (Files.exists(cp)) {
            List<String> lines = Files.readAllLines(cp, StandardCharsets.UTF_8);
            String[] parts = lines.isEmpty() ? new String[0] : lines.get(0).trim().split(" ");
            if (parts.length == 2) {
                try {
                    return new SpoolCheckpoint(new SpoolPosition(Long.parseLong(parts[0]), Long.parseLong(parts[1])),
                            List.copyOf(lines.subList(1, lines.size())));
                } catch (NumberFormatException ignored) {
                    // fall through
                }
            }
            log.warn("spool checkpoint unreadable; replaying from the oldest segment (the store ignores duplicates)");
        }
        return new SpoolCheckpoint(oldest, List.of());
    }

    public static void write(Path dir, SpoolPosition p, List<String> state) throws IOException {
        Path tmp = dir.resolve("checkpoint.tmp");
        StringBuilder text = new StringBuilder().append(p.segment()).append(' ').append(p.offset()).append('\n');
        for (String line : state) text.append(line).append('\n');
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, dir.resolve("checkpoint"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
