package dev.chatlog.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The append-only write-ahead spool of a {@link ChatLogger}: segment files of frames
 * {@code [int length][int crc32][payload]}. The writer thread appends and fsyncs in groups; the
 * shipper thread reads from the last checkpoint and, once a batch is in the database, moves the
 * checkpoint (written atomically, without fsync: a stale checkpoint only replays records the
 * idempotent store already has). At open, a torn tail left by a crash (a short or
 * checksum-failing last frame) is cut off and logged, never fatal. One process per directory
 * (a file lock); total size capped.
 */
final class DiskSpool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DiskSpool.class);
    static final int MAX_RECORD = 64 << 20;

    record Position(long segment, long offset) implements Comparable<Position> {
        @Override
        public int compareTo(Position o) {
            return segment != o.segment ? Long.compare(segment, o.segment) : Long.compare(offset, o.offset);
        }
    }

    record Chunk(List<byte[]> records, Position end) {}

    private final Path dir;
    private final long maxBytes;
    private final long segmentBytes;
    private final FileChannel lockChannel;
    private final FileLock fileLock;
    private final Object monitor = new Object();
    private final TreeMap<Long, Long> segmentSizes = new TreeMap<>(); // segment -> bytes on disk
    private final AtomicLong synced = new AtomicLong();
    private final AtomicLong corrupt = new AtomicLong();

    private FileChannel writeChannel;
    private long writeSegment;
    private long writeOffset;
    private long unsynced;
    private long lastSyncNanos = System.nanoTime();

    private long readSegment;
    private long readOffset;
    private FileChannel readChannel;
    private long readChannelSegment = -1;
    private volatile Position committed;

    DiskSpool(Path dir, long maxBytes, long segmentBytes) {
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.segmentBytes = segmentBytes;
        try {
            Files.createDirectories(dir);
            lockChannel = FileChannel.open(dir.resolve("spool.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock acquired;
            try {
                acquired = lockChannel.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException sameProcess) {
                acquired = null;
            }
            fileLock = acquired;
            if (fileLock == null) {
                lockChannel.close();
                throw new IllegalStateException("the spool directory " + dir + " is in use by another process");
            }
            try (Stream<Path> files = Files.list(dir)) {
                files.map(p -> p.getFileName().toString()).filter(n -> n.matches("segment-\\d{12}\\.log"))
                        .forEach(n -> segmentSizes.put(Long.parseLong(n.substring(8, 20)), size(dir.resolve(n))));
            }
            committed = readCheckpoint();
            for (Long s : List.copyOf(segmentSizes.headMap(committed.segment()).keySet())) {
                deleteSegment(s);
            }
            if (segmentSizes.isEmpty()) {
                segmentSizes.put(committed.segment(), 0L);
            }
            writeSegment = segmentSizes.lastKey();
            writeOffset = validTail(writeSegment);
            writeChannel = FileChannel.open(segment(writeSegment), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            if (segmentSizes.firstKey() > committed.segment()) {
                committed = new Position(segmentSizes.firstKey(), 0);
            }
            readSegment = committed.segment();
            readOffset = committed.offset();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the spool in " + dir, e);
        }
    }

    private Path segment(long n) {
        return dir.resolve(String.format("segment-%012d.log", n));
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    private Position readCheckpoint() throws IOException {
        Path cp = dir.resolve("checkpoint");
        if (Files.exists(cp)) {
            String[] parts = Files.readString(cp).trim().split(" ");
            if (parts.length == 2) {
                try {
                    return new Position(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
                } catch (NumberFormatException ignored) {
                    log.warn("spool checkpoint unreadable; replaying from the oldest segment (the store ignores duplicates)");
                }
            }
        }
        return new Position(segmentSizes.isEmpty() ? 0 : segmentSizes.firstKey(), 0);
    }

    /** Scans the last segment and cuts a torn tail; returns the end of the last good frame. */
    private long validTail(long seg) throws IOException {
        Path p = segment(seg);
        if (!Files.exists(p)) {
            return 0;
        }
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            long pos = 0;
            ByteBuffer header = ByteBuffer.allocate(8);
            while (pos + 8 <= size) {
                header.clear();
                ch.read(header, pos);
                header.flip();
                int len = header.getInt();
                int crc = header.getInt();
                if (len < 0 || len > MAX_RECORD || pos + 8 + len > size) break;
                ByteBuffer payload = ByteBuffer.allocate(len);
                ch.read(payload, pos + 8);
                if (crc(payload.array()) != crc) break;
                pos += 8 + len;
            }
            if (pos < size) {
                log.warn("spool: cut a torn tail of {} bytes from {} (a write interrupted by a crash)", size - pos, p.getFileName());
                corrupt.incrementAndGet();
                ch.truncate(pos);
                segmentSizes.put(seg, pos);
            }
            return pos;
        }
    }

    private static int crc(byte[] data) {
        CRC32 c = new CRC32();
        c.update(data);
        return (int) c.getValue();
    }

    /** Appends records (writer thread). False, and nothing written, when the cap would be passed. */
    boolean append(List<byte[]> records) {
        long total = 0;
        for (byte[] r : records) total += 8 + r.length;
        synchronized (monitor) {
            if (bytesOnDisk() + total > maxBytes) {
                return false;
            }
        }
        try {
            if (writeOffset > 0 && writeOffset + total > segmentBytes) {
                rotate();
            }
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(Integer.MAX_VALUE, total));
            for (byte[] r : records) {
                buf.putInt(r.length).putInt(crc(r)).put(r);
            }
            buf.flip();
            long pos = writeOffset;
            while (buf.hasRemaining()) {
                pos += writeChannel.write(buf, pos);
            }
            synchronized (monitor) {
                writeOffset = pos;
                segmentSizes.put(writeSegment, pos);
                monitor.notifyAll();
            }
            unsynced += records.size();
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("spool write failed in " + dir, e);
        }
    }

    private void rotate() throws IOException {
        writeChannel.force(false);
        synced.addAndGet(unsynced);
        unsynced = 0;
        writeChannel.close();
        synchronized (monitor) {
            writeSegment++;
            writeOffset = 0;
            segmentSizes.put(writeSegment, 0L);
        }
        writeChannel = FileChannel.open(segment(writeSegment), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    }

    /** Group fsync (writer thread): after {@code every} records or {@code intervalNanos}, whichever first. */
    void maybeSync(int every, long intervalNanos) {
        if (unsynced > 0 && (unsynced >= every || System.nanoTime() - lastSyncNanos >= intervalNanos)) {
            sync();
        }
    }

    void sync() {
        try {
            if (unsynced > 0) {
                writeChannel.force(false);
                synced.addAndGet(unsynced);
                unsynced = 0;
            }
            lastSyncNanos = System.nanoTime();
        } catch (IOException e) {
            throw new UncheckedIOException("spool fsync failed in " + dir, e);
        }
    }

    /** Records known to be on disk (fsynced) since this spool was opened. */
    long synced() {
        return synced.get();
    }

    long corruptFrames() {
        return corrupt.get();
    }

    long bytesOnDisk() {
        synchronized (monitor) {
            long sum = 0;
            for (long s : segmentSizes.values()) sum += s;
            return sum;
        }
    }

    /** Where the next append will go. */
    Position appendPosition() {
        synchronized (monitor) {
            return new Position(writeSegment, writeOffset);
        }
    }

    Position committed() {
        return committed;
    }

    /** Bytes appended but not yet committed (shipped to the database). */
    long pendingBytes() {
        synchronized (monitor) {
            long sum = 0;
            for (var e : segmentSizes.tailMap(committed.segment()).entrySet()) sum += e.getValue();
            return Math.max(0, sum - committed.offset());
        }
    }

    /**
     * Up to {@code max} records after the read position (shipper thread), waiting up to
     * {@code waitMillis} for some. A corrupt frame ends its segment (logged and counted).
     */
    Chunk read(int max, long waitMillis) throws InterruptedException {
        List<byte[]> out = new ArrayList<>();
        try {
            while (out.size() < max) {
                long end;
                boolean active;
                synchronized (monitor) {
                    active = readSegment >= writeSegment;
                    end = active ? writeOffset : segmentSizes.getOrDefault(readSegment, 0L);
                    if (readOffset >= end) {
                        if (!active) {
                            Long next = segmentSizes.higherKey(readSegment);
                            readSegment = next == null ? writeSegment : next;
                            readOffset = 0;
                            continue;
                        }
                        if (!out.isEmpty() || waitMillis <= 0) break;
                        monitor.wait(waitMillis);
                        waitMillis = 0;
                        continue;
                    }
                }
                FileChannel ch = readChannel(readSegment);
                ByteBuffer header = ByteBuffer.allocate(8);
                ch.read(header, readOffset);
                header.flip();
                int len = header.remaining() == 8 ? header.getInt() : -1;
                int crc = header.remaining() == 4 ? header.getInt() : 0;
                if (len < 0 || len > MAX_RECORD || readOffset + 8 + len > end) {
                    skipSegment("bad frame header");
                    continue;
                }
                ByteBuffer payload = ByteBuffer.allocate(len);
                while (payload.hasRemaining()) {
                    if (ch.read(payload, readOffset + 8 + payload.position()) < 0) break;
                }
                if (payload.hasRemaining() || crc(payload.array()) != crc) {
                    skipSegment("checksum mismatch");
                    continue;
                }
                out.add(payload.array());
                readOffset += 8 + len;
            }
            return new Chunk(out, new Position(readSegment, readOffset));
        } catch (IOException e) {
            throw new UncheckedIOException("spool read failed in " + dir, e);
        }
    }

    private void skipSegment(String why) {
        corrupt.incrementAndGet();
        synchronized (monitor) {
            long end = readSegment >= writeSegment ? writeOffset : segmentSizes.getOrDefault(readSegment, 0L);
            log.error("spool: {} in segment {} at offset {}; skipping its remaining {} bytes", why, readSegment, readOffset, end - readOffset);
            readOffset = end;
        }
    }

    private FileChannel readChannel(long seg) throws IOException {
        if (readChannelSegment != seg) {
            if (readChannel != null) readChannel.close();
            readChannel = FileChannel.open(segment(seg), StandardOpenOption.READ);
            readChannelSegment = seg;
        }
        return readChannel;
    }

    /** Everything up to {@code p} is in the database: move the checkpoint, drop finished segments. */
    void commit(Position p) {
        try {
            Path tmp = dir.resolve("checkpoint.tmp");
            Files.writeString(tmp, p.segment() + " " + p.offset());
            Files.move(tmp, dir.resolve("checkpoint"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            committed = p;
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
        if (s == readChannelSegment && readChannel != null) {
            readChannel.close();
            readChannel = null;
            readChannelSegment = -1;
        }
        Files.deleteIfExists(segment(s));
        segmentSizes.remove(s);
    }

    @Override
    public void close() {
        try {
            sync();
        } catch (RuntimeException e) {
            log.warn("spool: last fsync failed: {}", e.toString());
        }
        for (AutoCloseable c : new AutoCloseable[] {writeChannel, readChannel, fileLock, lockChannel}) {
            try {
                if (c != null) c.close();
            } catch (Exception e) {
                log.warn("spool did not close cleanly: {}", e.toString());
            }
        }
    }
}
