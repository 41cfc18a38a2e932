package dev.chatlog.core.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The append-only write-ahead spool of a {@link ChatLogger}: segment files of frames
 * {@code [int length][int crc32][payload]}.
 *
 * <p>Format versions ({@link SpoolFormat}): every segment tells its own; records are in
 * {@link RecordCodec}'s layout of that version. A segment of an older format still replays and is
 * never appended to (a new segment is started).
 *
 * <p>The spooler appends, an fsync thread syncs in groups, the shipper reads ({@link SpoolReader}),
 * reports what is in the database ({@link #shipped}) and moves the checkpoint ({@link
 * SpoolCheckpoint}). At open, a torn tail left by a crash is cut off and logged, never fatal. One
 * process per directory ({@link DirectoryLock}); total size capped.
 */
public final class DiskSpool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DiskSpool.class);
    public static final int VERSION = SpoolFormat.VERSION;
    private static final int HEADER = SpoolFormat.HEADER;

    public record Position(long segment, long offset) implements Comparable<Position> {
        @Override
        public int compareTo(Position o) {
            return segment != o.segment ? Long.compare(segment, o.segment) : Long.compare(offset, o.offset);
        }
    }

    /** What the checkpoint file holds: where replay starts, and the shipper's state at that point. */
    public record Checkpoint(Position position, List<String> state) {}

    private final Path dir;
    private final long maxBytes;
    private final long segmentBytes;
    private final DirectoryLock lock;
    private final Object monitor = new Object();
    private final TreeMap<Long, Long> segmentSizes = new TreeMap<>(); // segment -> bytes on disk
    private final TreeMap<Long, Integer> segmentVersions = new TreeMap<>();
    private final AtomicLong synced = new AtomicLong();
    private final AtomicLong corrupt = new AtomicLong();
    private final AtomicLong pendingRecords = new AtomicLong();

    private FileChannel writeChannel;
    private long writeSegment;
    private long writeOffset;
    private final AtomicLong unsynced = new AtomicLong();
    private volatile long lastSyncNanos = System.nanoTime();
    /** Held by an fsync and by a rotation: fsyncs run on their own thread, appends never wait for one. */
    private final Object syncLock = new Object();

    private SpoolReader reader;
    private volatile Position shipped;
    private final Checkpoint opened;
    private final Position recoveryEnd;

    public DiskSpool(Path dir, long maxBytes, long segmentBytes) {
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.segmentBytes = segmentBytes;
        try {
            Files.createDirectories(dir);
            lock = DirectoryLock.acquire(dir.resolve("spool.lock"), "the spool directory " + dir);
            try (Stream<Path> files = Files.list(dir)) {
                files.map(p -> p.getFileName().toString()).filter(n -> n.matches("segment-\\d{12}\\.log"))
                        .forEach(n -> segmentSizes.put(Long.parseLong(n.substring(8, 20)), size(dir.resolve(n))));
            }
            Checkpoint cp = SpoolCheckpoint.read(dir, new Position(segmentSizes.isEmpty() ? 0 : segmentSizes.firstKey(), 0));
            Position committed = cp.position();
            for (Long s : List.copyOf(segmentSizes.headMap(committed.segment()).keySet())) {
                deleteSegment(s);
            }
            for (long s : segmentSizes.keySet()) {
                segmentVersions.put(s, SpoolFormat.versionOf(segment(s)));
            }
            if (segmentSizes.isEmpty()) {
                createSegment(committed.segment());
            }
            writeSegment = segmentSizes.lastKey();
            writeOffset = validTail(writeSegment);
            if (segmentVersions.get(writeSegment) != VERSION && writeOffset > 0) {
                createSegment(writeSegment + 1); // never append to a segment of an older format
            } else if (writeOffset < HEADER) { // empty, or a header cut by a crash: start it again
                Files.deleteIfExists(segment(writeSegment));
                segmentSizes.remove(writeSegment);
                createSegment(writeSegment);
            }
            writeSegment = segmentSizes.lastKey();
            writeOffset = segmentSizes.get(writeSegment);
            writeChannel = FileChannel.open(segment(writeSegment), StandardOpenOption.WRITE);
            if (segmentSizes.firstKey() > committed.segment()) {
                committed = new Position(segmentSizes.firstKey(), 0);
            }
            if (committed.offset() < start(committed.segment())) { // before the first frame: at it
                committed = new Position(committed.segment(), start(committed.segment()));
            }
            reader = new SpoolReader(this, committed);
            shipped = committed;
            opened = new Checkpoint(committed, cp.state());
            recoveryEnd = new Position(writeSegment, writeOffset);
            pendingRecords.set(countFrames(committed));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the spool in " + dir, e);
        }
    }

    public Path segment(long n) {
        return dir.resolve(String.format("segment-%012d.log", n));
    }

    private void createSegment(long n) throws IOException {
        try (FileChannel ch = FileChannel.open(segment(n), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ch.write(SpoolFormat.header(), 0);
        }
        synchronized (monitor) {
            segmentSizes.put(n, (long) HEADER);
            segmentVersions.put(n, VERSION);
        }
    }

    public long start(long seg) {
        return SpoolFormat.firstFrame(segmentVersions.getOrDefault(seg, VERSION));
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    /** Scans the last segment and cuts a torn tail; returns the end of the last good frame. */
    private long validTail(long seg) throws IOException {
        Path p = segment(seg);
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
            if (pos < size) {
                log.warn("spool: cut a torn tail of {} bytes from {} (a write interrupted by a crash)", size - pos, p.getFileName());
                corrupt.incrementAndGet();
                ch.truncate(pos);
                segmentSizes.put(seg, pos);
            }
            return pos;
        }
    }

    /** Frames from {@code from} to the end (frame headers only): the backlog left by the last run. */
    private long countFrames(Position from) throws IOException {
        long n = 0;
        for (var e : segmentSizes.tailMap(from.segment()).entrySet()) {
            long pos = e.getKey() == from.segment() ? Math.max(from.offset(), start(e.getKey())) : start(e.getKey());
            try (FileChannel ch = FileChannel.open(segment(e.getKey()), StandardOpenOption.READ)) {
                n += SpoolFormat.countFrames(ch, pos, e.getValue());
            }
        }
        return n;
    }

    /**
     * Appends records in order (one thread at a time), as many as fit under the cap; returns how
     * many (the rest are not written).
     */
    public int append(List<byte[]> all) {
        long total = 0;
        int fit = 0;
        synchronized (monitor) {
            long room = maxBytes - bytesOnDisk();
            for (byte[] r : all) {
                if (total + SpoolFormat.FRAME_OVERHEAD + r.length > room) break;
                total += SpoolFormat.FRAME_OVERHEAD + r.length;
                fit++;
            }
        }
        if (fit == 0) return 0;
        List<byte[]> records = fit == all.size() ? all : all.subList(0, fit);
        try {
            if (writeOffset > HEADER && writeOffset + total > segmentBytes) {
                rotate();
            }
            ByteBuffer buf = SpoolFormat.frames(records, System.currentTimeMillis(), total);
            long pos = writeOffset;
            while (buf.hasRemaining()) {
                pos += writeChannel.write(buf, pos);
            }
            synchronized (monitor) {
                writeOffset = pos;
                segmentSizes.put(writeSegment, pos);
                monitor.notifyAll();
            }
            pendingRecords.addAndGet(records.size());
            unsynced.addAndGet(records.size());
            return fit;
        } catch (IOException e) {
            throw new UncheckedIOException("spool write failed in " + dir, e);
        }
    }

    private void rotate() throws IOException {
        synchronized (syncLock) {
            writeChannel.force(false);
            synced.addAndGet(unsynced.getAndSet(0));
            writeChannel.close();
            createSegment(writeSegment + 1);
            synchronized (monitor) {
                writeSegment++;
                writeOffset = HEADER;
            }
            writeChannel = FileChannel.open(segment(writeSegment), StandardOpenOption.WRITE);
        }
    }

    /** Records appended and not yet fsynced. */
    public long unsynced() {
        return unsynced.get();
    }

    /** Whether a group fsync is due: {@code every} records, or {@code intervalNanos} since the last one. */
    public boolean syncDue(int every, long intervalNanos) {
        long n = unsynced.get();
        return n > 0 && (n >= every || System.nanoTime() - lastSyncNanos >= intervalNanos);
    }

    /** Fsyncs what was appended (any thread; concurrent appends go on meanwhile). */
    public void sync() {
        synchronized (syncLock) {
            try {
                long n = unsynced.get();
                if (n > 0) {
                    writeChannel.force(false);
                    synced.addAndGet(n);
                    unsynced.addAndGet(-n);
                }
                lastSyncNanos = System.nanoTime();
            } catch (IOException e) {
                throw new UncheckedIOException("spool fsync failed in " + dir, e);
            }
        }
    }

    /** Records known to be on disk (fsynced) since this spool was opened. */
    public long synced() {
        return synced.get();
    }

    public long corruptFrames() {
        return corrupt.get();
    }

    public long maxBytes() {
        return maxBytes;
    }

    public long bytesOnDisk() {
        synchronized (monitor) {
            long sum = 0;
            for (long s : segmentSizes.values()) sum += s;
            return sum;
        }
    }

    /** Where the next append will go. */
    public Position appendPosition() {
        synchronized (monitor) {
            return new Position(writeSegment, writeOffset);
        }
    }

    /** What the checkpoint said when this spool was opened (where this run's replay started). */
    public Checkpoint opened() {
        return opened;
    }

    /** The end of what earlier runs appended: records before it were written by a process that is gone. */
    public Position recoveryEnd() {
        return recoveryEnd;
    }

    /** Everything before this position is in the database. */
    public Position shipped() {
        return shipped;
    }

    /** Records appended but not yet shipped (the backlog, including what an earlier run left). */
    public long pendingRecords() {
        return Math.max(0, pendingRecords.get());
    }

    /** Bytes appended but not yet shipped to the database. */
    public long pendingBytes() {
        synchronized (monitor) {
            Position p = shipped;
            long sum = 0;
            for (var e : segmentSizes.tailMap(p.segment()).entrySet()) {
                sum += e.getValue() - start(e.getKey());
            }
            return Math.max(0, sum - Math.max(0, p.offset() - start(p.segment())));
        }
    }

    /** The shipper's next records ({@link SpoolReader#read}). */
    public SpoolReader.Chunk read(int max, long waitMillis, Position limit) throws InterruptedException {
        return reader.read(max, waitMillis, limit);
    }

    // what the reader reads under the monitor
    public Object monitor() {
        return monitor;
    }

    public long writeSegment() {
        return writeSegment;
    }

    /** Where the frames of a segment end for a reader now (holding the monitor). */
    public long readableEnd(long seg) {
        return seg >= writeSegment ? writeOffset : segmentSizes.getOrDefault(seg, 0L);
    }

    /** The next segment after {@code seg} (holding the monitor). */
    public long segmentAfter(long seg) {
        Long next = segmentSizes.higherKey(seg);
        return next == null ? writeSegment : next;
    }

    public int version(long seg) {
        synchronized (monitor) { return segmentVersions.getOrDefault(seg, VERSION); }
    }

    public void corruptFrameFound() {
        corrupt.incrementAndGet();
    }

    /** {@code records} more, up to {@code p}, are in the database (the checkpoint moves separately). */
    public void shipped(Position p, int records) {
        shipped = p;
        pendingRecords.addAndGet(-records);
    }

    /**
     * Moves the checkpoint to {@code p} (at or before {@link #shipped()}) with the shipper's state
     * there, and drops the segments before it.
     */
    public void checkpoint(Position p, List<String> state) {
        try {
            SpoolCheckpoint.write(dir, p, state);
            synchronized (monitor) {
                for (Long s : List.copyOf(segmentSizes.headMap(p.segment()).keySet())) {
                    deleteSegment(s);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("spool checkpoint failed in " + dir, e);
        }
    }

    private void deleteSegment(long s) throws IOException {
        if (s == writeSegment && writeChannel != null) return;
        if (reader != null) reader.release(s);
        Files.deleteIfExists(segment(s));
        segmentSizes.remove(s);
        segmentVersions.remove(s);
    }

    @Override
    public void close() {
        try {
            sync();
        } catch (RuntimeException e) {
            log.warn("spool: last fsync failed: {}", e.toString());
        }
        for (AutoCloseable c : new AutoCloseable[] {writeChannel, reader, lock}) {
            try {
                if (c != null) c.close();
            } catch (Exception e) {
                log.warn("spool did not close cleanly: {}", e.toString());
            }
        }
    }
}
