package dev.chatlog.core.internal.spool;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The append-only write-ahead spool of a {@code ChatLogger}: segment files of frames
 * {@code [int length][int crc32][payload]}.
 *
 * <p>Format versions ({@link SpoolFormat}): every segment tells its own; records are in
 * {@code RecordCodec}'s layout of that version. A segment of an older format still replays and is
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

    private final Path dir;
    private final long maxBytes;
    private final long segmentBytes;
    private final DirectoryLock lock;
    private final Object monitor = new Object();
    private final SpoolSegments segments; // under the monitor once open
    private final AtomicLong corrupt = new AtomicLong();
    private final AtomicLong pendingRecords = new AtomicLong();

    private FileChannel writeChannel;
    private long writeSegment;
    private long writeOffset;
    private final GroupSync sync = new GroupSync();

    private SpoolReader reader;
    private volatile SpoolPosition shipped;
    private final SpoolCheckpoint opened;
    private final SpoolPosition recoveryEnd;

    public DiskSpool(Path dir, long maxBytes, long segmentBytes) {
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.segmentBytes = segmentBytes;
        try {
            Files.createDirectories(dir);
            lock = DirectoryLock.acquire(dir.resolve("spool.lock"), "the spool directory " + dir);
            segments = new SpoolSegments(dir);
            SpoolCheckpoint cp = SpoolCheckpoint.read(dir, new SpoolPosition(segments.isEmpty() ? 0 : segments.first(), 0));
            SpoolPosition committed = cp.position();
            for (long s : segments.before(committed.segment())) {
                deleteSegment(s);
            }
            if (segments.isEmpty()) {
                segments.create(committed.segment());
            }
            writeSegment = segments.last();
            long tail = segments.cutTornTail(writeSegment);
            if (tail < 0) {
                corrupt.incrementAndGet();
                tail = -1 - tail;
            }
            if (segments.version(writeSegment) != VERSION && tail > 0) {
                segments.create(writeSegment + 1); // never append to a segment of an older format
            } else if (tail < HEADER) { // empty, or a header cut by a crash: start it again
                segments.delete(writeSegment);
                segments.create(writeSegment);
            }
            writeSegment = segments.last();
            writeOffset = segments.size(writeSegment, 0);
            writeChannel = FileChannel.open(segment(writeSegment), StandardOpenOption.WRITE);
            if (segments.first() > committed.segment()) {
                committed = new SpoolPosition(segments.first(), 0);
            }
            if (committed.offset() < start(committed.segment())) { // before the first frame: at it
                committed = new SpoolPosition(committed.segment(), start(committed.segment()));
            }
            reader = new SpoolReader(this, committed);
            shipped = committed;
            opened = new SpoolCheckpoint(committed, cp.state());
            recoveryEnd = new SpoolPosition(writeSegment, writeOffset);
            pendingRecords.set(segments.countFrames(committed));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the spool in " + dir, e);
        }
    }

    public Path segment(long n) {
        return segments.path(n);
    }

    public long start(long seg) {
        synchronized (monitor) { return segments.start(seg); }
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
                segments.grew(writeSegment, pos);
                monitor.notifyAll();
            }
            pendingRecords.addAndGet(records.size());
            sync.appended(records.size());
            return fit;
        } catch (IOException e) {
            throw new UncheckedIOException("spool write failed in " + dir, e);
        }
    }

    private void rotate() throws IOException {
        synchronized (sync.lock) {
            sync.force(writeChannel);
            writeChannel.close();
            synchronized (monitor) {
                segments.create(writeSegment + 1);
                writeSegment++;
                writeOffset = HEADER;
            }
            writeChannel = FileChannel.open(segment(writeSegment), StandardOpenOption.WRITE);
        }
    }

    /** The group fsync's counts: appended and not yet fsynced, fsynced, whether an fsync is due. */
    public GroupSync groupSync() {
        return sync;
    }

    /** Fsyncs what was appended (any thread; concurrent appends go on meanwhile). */
    public void sync() {
        synchronized (sync.lock) {
            try {
                sync.force(writeChannel);
            } catch (IOException e) {
                throw new UncheckedIOException("spool fsync failed in " + dir, e);
            }
        }
    }

    public long corruptFrames() {
        return corrupt.get();
    }

    public long maxBytes() {
        return maxBytes;
    }

    public long bytesOnDisk() {
        synchronized (monitor) {
            return segments.bytesOnDisk();
        }
    }

    /** Where the next append will go. */
    public SpoolPosition appendPosition() {
        synchronized (monitor) {
            return new SpoolPosition(writeSegment, writeOffset);
        }
    }

    /** What the checkpoint said when this spool was opened (where this run's replay started). */
    public SpoolCheckpoint opened() {
        return opened;
    }

    /** The end of what earlier runs appended: records before it were written by a process that is gone. */
    public SpoolPosition recoveryEnd() {
        return recoveryEnd;
    }

    /** Everything before this position is in the database. */
    public SpoolPosition shipped() {
        return shipped;
    }

    /** Records appended but not yet shipped (the backlog, including what an earlier run left). */
    public long pendingRecords() {
        return Math.max(0, pendingRecords.get());
    }

    /** Bytes appended but not yet shipped to the database. */
    public long pendingBytes() {
        synchronized (monitor) {
            return segments.bytesFrom(shipped);
        }
    }

    /** The shipper's next records ({@link SpoolReader#read}). */
    public SpoolReader.Chunk read(int max, long waitMillis, SpoolPosition limit) throws InterruptedException {
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
        return seg >= writeSegment ? writeOffset : segments.size(seg, 0);
    }

    /** The next segment after {@code seg} (holding the monitor). */
    public long segmentAfter(long seg) {
        return segments.after(seg, writeSegment);
    }

    public int version(long seg) {
        synchronized (monitor) { return segments.version(seg); }
    }

    public void corruptFrameFound() {
        corrupt.incrementAndGet();
    }

    /** {@code records} more, up to {@code p}, are in the database (the checkpoint moves separately). */
    public void shipped(SpoolPosition p, int records) {
        shipped = p;
        pendingRecords.addAndGet(-records);
    }

    /**
     * Moves the checkpoint to {@code p} (at or before {@link #shipped()}) with the shipper's state
     * there, and drops the segments before it.
     */
    public void checkpoint(SpoolPosition p, List<String> state) {
        try {
            SpoolCheckpoint.write(dir, p, state);
            synchronized (monitor) {
                for (long s : segments.before(p.segment())) {
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
        segments.delete(s);
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
