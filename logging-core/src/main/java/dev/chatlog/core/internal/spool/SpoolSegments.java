package dev.chatlog.core.internal.spool;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The segment files of one spool directory: their names, sizes and format versions, found at open,
 * created, cut (a torn tail) and deleted. Not thread-safe: {@link DiskSpool} calls it under its
 * monitor, except while it opens.
 */
final class SpoolSegments {
    private static final Logger log = LoggerFactory.getLogger(SpoolSegments.class);

    private final Path dir;
    private final TreeMap<Long, Long> sizes = new TreeMap<>(); // segment -> bytes on disk
    private final TreeMap<Long, Integer> versions = new TreeMap<>();

    /** The segments in {@code dir} as they are on disk. */
    SpoolSegments(Path dir) throws IOException {
        this.dir = dir;
        try (Stream<Path> files = Files.list(dir)) {
            files.map(p -> p.getFileName().toString()).filter(n -> n.matches("segment-\\d{12}\\.log"))
                    .forEach(n -> sizes.put(Long.parseLong(n.substring(8, 20)), size(dir.resolve(n))));
        }
        for (long s : sizes.keySet()) {
            versions.put(s, SpoolFormat.versionOf(path(s)));
        }
    }

    Path path(long n) {
        return dir.resolve(String.format("segment-%012d.log", n));
    }

    boolean isEmpty() {
        return sizes.isEmpty();
    }

    long first() {
        return sizes.firstKey();
    }

    long last() {
        return sizes.lastKey();
    }

    long size(long seg, long orElse) {
        return sizes.getOrDefault(seg, orElse);
    }

    void grew(long seg, long size) {
        sizes.put(seg, size);
    }

    /** The next segment after {@code seg}, or {@code orElse}. */
    long after(long seg, long orElse) {
        Long next = sizes.higherKey(seg);
        return next == null ? orElse : next;
    }

    int version(long seg) {
        return versions.getOrDefault(seg, DiskSpool.VERSION);
    }

    /** Where the first frame of a segment starts (after its header). */
    long start(long seg) {
        return SpoolFormat.firstFrame(version(seg));
    }

    /** Creates segment {@code n} of the current format, holding only its header. */
    void create(long n) throws IOException {
        try (FileChannel ch = FileChannel.open(path(n), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ch.write(SpoolFormat.header(), 0);
        }
        sizes.put(n, (long) SpoolFormat.HEADER);
        versions.put(n, DiskSpool.VERSION);
    }

    void delete(long s) throws IOException {
        Files.deleteIfExists(path(s));
        sizes.remove(s);
        versions.remove(s);
    }

    /** The segments before {@code seg}. */
    List<Long> before(long seg) {
        return List.copyOf(sizes.headMap(seg).keySet());
    }

    long bytesOnDisk() {
        long sum = 0;
        for (long s : sizes.values()) sum += s;
        return sum;
    }

    /** Frame bytes from {@code from} to the end. */
    long bytesFrom(SpoolPosition from) {
        long sum = 0;
        for (Map.Entry<Long, Long> e : sizes.tailMap(from.segment()).entrySet()) {
            sum += e.getValue() - start(e.getKey());
        }
        return Math.max(0, sum - Math.max(0, from.offset() - start(from.segment())));
    }

    /**
     * Scans segment {@code seg} and cuts a torn tail (a write a crash interrupted); returns the end
     * of the last whole frame, or -1 - that end when a tail was cut.
     */
    long cutTornTail(long seg) throws IOException {
        Path p = path(seg);
        if (!Files.exists(p)) {
            return 0;
        }
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            long pos = start(seg);
            if (size < pos) {
                return size;
            }
            pos = SpoolFormat.endOfWholeFrames(ch, pos, size);
            if (pos == size) return pos;
            log.warn("spool: cut a torn tail of {} bytes from {} (a write interrupted by a crash)", size - pos, p.getFileName());
            ch.truncate(pos);
            sizes.put(seg, pos);
            return -1 - pos;
        }
    }

    /** Frames from {@code from} to the end (frame headers only): the backlog left by the last run. */
    long countFrames(SpoolPosition from) throws IOException {
        long n = 0;
        for (Map.Entry<Long, Long> e : sizes.tailMap(from.segment()).entrySet()) {
            long pos = e.getKey() == from.segment() ? Math.max(from.offset(), start(e.getKey())) : start(e.getKey());
            try (FileChannel ch = FileChannel.open(path(e.getKey()), StandardOpenOption.READ)) {
                n += SpoolFormat.countFrames(ch, pos, e.getValue());
            }
        }
        return n;
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }
}
