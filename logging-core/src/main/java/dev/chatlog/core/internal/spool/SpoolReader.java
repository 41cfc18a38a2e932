package dev.chatlog.core.internal.spool;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shipper's side of a {@link DiskSpool}: a read position that walks the segments in order,
 * frame by frame, waiting on the spool's monitor for appends. A corrupt frame ends its segment
 * (logged and counted). One thread only.
 */
public final class SpoolReader implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SpoolReader.class);

    /** One record as read back: the format version of its segment, when it was appended (0: unknown), its bytes. */
    public record Frame(int version, long appendedAtMillis, byte[] record) {}

    /** Records read, and the position after them. */
    public record Chunk(List<Frame> frames, SpoolPosition end) {}

    private final DiskSpool spool;
    private long segment;
    private long offset;
    private FileChannel channel;
    private long channelSegment = -1;

    public SpoolReader(DiskSpool spool, SpoolPosition from) {
        this.spool = spool;
        this.segment = from.segment();
        this.offset = from.offset();
    }

    /** Up to {@code max} records before {@code limit} (null: no limit), waiting up to {@code waitMillis} for some. */
    public Chunk read(int max, long waitMillis, SpoolPosition limit) throws InterruptedException {
        List<Frame> out = new ArrayList<>();
        Object monitor = spool.monitor();
        try {
            while (out.size() < max) {
                long end;
                synchronized (monitor) {
                    if (limit != null && new SpoolPosition(segment, offset).compareTo(limit) >= 0) break;
                    boolean active = segment >= spool.writeSegment();
                    end = spool.readableEnd(segment);
                    offset = Math.max(offset, spool.start(segment));
                    if (offset >= end) {
                        if (!active) {
                            segment = spool.segmentAfter(segment);
                            offset = spool.start(segment);
                            continue;
                        }
                        if (!out.isEmpty() || waitMillis <= 0) break;
                        monitor.wait(waitMillis);
                        waitMillis = 0;
                        continue;
                    }
                }
                FileChannel ch = channel(segment);
                ByteBuffer header = ByteBuffer.allocate(8);
                ch.read(header, offset);
                header.flip();
                int len = header.remaining() == 8 ? header.getInt() : -1;
                int crc = header.remaining() == 4 ? header.getInt() : 0;
                int version = spool.version(segment);
                if (len < 0 || len > SpoolFormat.MAX_RECORD || offset + 8 + len > end || (version > 0 && len < 8)) {
                    skipSegment("bad frame header");
                    continue;
                }
                ByteBuffer payload = ByteBuffer.allocate(len);
                while (payload.hasRemaining()) {
                    if (ch.read(payload, offset + 8 + payload.position()) < 0) break;
                }
                if (payload.hasRemaining() || SpoolFormat.crc(payload.array()) != crc) {
                    skipSegment("checksum mismatch");
                    continue;
                }
                out.add(SpoolFormat.frame(version, payload.array()));
                offset += 8 + len;
            }
            return new Chunk(out, new SpoolPosition(segment, offset));
        } catch (IOException e) {
            throw new UncheckedIOException("spool read failed", e);
        }
    }

    private void skipSegment(String why) {
        spool.corruptFrameFound();
        synchronized (spool.monitor()) {
            long end = spool.readableEnd(segment);
            log.error("spool: {} in segment {} at offset {}; skipping its remaining {} bytes", why, segment, offset, end - offset);
            offset = end;
        }
    }

    private FileChannel channel(long seg) throws IOException {
        if (channelSegment != seg) {
            if (channel != null) channel.close();
            channel = FileChannel.open(spool.segment(seg), StandardOpenOption.READ);
            channelSegment = seg;
        }
        return channel;
    }

    /** Lets go of a segment about to be deleted. */
    public void release(long seg) throws IOException {
        if (seg == channelSegment && channel != null) {
            channel.close();
            channel = null;
            channelSegment = -1;
        }
    }

    @Override
    public void close() throws IOException {
        if (channel != null) channel.close();
    }
}
