package dev.chatlog.core.internal.spool;

import dev.chatlog.core.internal.RecordCodec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.zip.CRC32;

/**
 * The bytes of a spool segment, by format version. Formats 1 and 2 (current; 2 only adds a field to
 * the call record, see {@link RecordCodec}): a header {@code [int MAGIC][int version]}, then frames {@code [int length][int crc32][long appendedAtMillis][record]}
 * (the checksum covers time and record). Format 0 (the first): no header, frames
 * {@code [int length][int crc32][record]}. The magic is a negative int, which no frame length of
 * format 0 can be, so a segment tells its own format.
 */
public final class SpoolFormat {
    public static final int MAX_RECORD = 64 << 20;
    public static final int MAGIC = 0xC4A7_5B01;
    public static final int VERSION = 5;
    public static final int HEADER = 8;
    /** Bytes a format-1 frame adds to its record: length, checksum, append time. */
    public static final int FRAME_OVERHEAD = 16;

    private SpoolFormat() {}

    public static ByteBuffer header() {
        return ByteBuffer.allocate(HEADER).putInt(MAGIC).putInt(VERSION).flip();
    }

    /** Where a segment of this format has its first frame. */
    public static long firstFrame(int version) {
        return version == 0 ? 0 : HEADER;
    }

    /** The format of a segment: its header's version, or 0 for a segment written before headers. */
    public static int versionOf(Path segment) throws IOException {
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(HEADER);
            while (b.hasRemaining() && ch.read(b, b.position()) > 0) { }
            if (b.position() >= 4 && b.getInt(0) == MAGIC) {
                if (b.position() < HEADER) return VERSION; // a header cut by a crash: an empty segment
                int v = b.getInt(4);
                if (v < 1 || v > VERSION) {
                    throw new IllegalStateException("spool segment " + segment + " has format " + v
                            + ", newer than this chatlog reads (" + VERSION + "): upgrade chatlog, or move the spool away");
                }
                return v;
            }
            return 0;
        }
    }

    /** Format-1 frames of {@code records}, appended at {@code nowMillis}, in one buffer of {@code total} bytes. */
    public static ByteBuffer frames(List<byte[]> records, long nowMillis, long total) {
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(Integer.MAX_VALUE, total));
        byte[] time = ByteBuffer.allocate(8).putLong(0, nowMillis).array();
        CRC32 crc = new CRC32();
        for (byte[] r : records) {
            crc.reset();
            crc.update(time);
            crc.update(r);
            buf.putInt(8 + r.length).putInt((int) crc.getValue()).putLong(nowMillis).put(r);
        }
        return buf.flip();
    }

    /** The end of the last whole frame from {@code pos} on (length in bounds, checksum right). */
    public static long endOfWholeFrames(FileChannel ch, long pos, long size) throws IOException {
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
        return pos;
    }

    /** How many frames lie between {@code pos} and {@code end} (frame headers only). */
    public static long countFrames(FileChannel ch, long pos, long end) throws IOException {
        long n = 0;
        ByteBuffer header = ByteBuffer.allocate(4);
        while (pos + 8 <= end) {
            header.clear();
            if (ch.read(header, pos) < 4) break;
            int len = header.getInt(0);
            if (len < 0 || len > MAX_RECORD) break;
            pos += 8 + len;
            n++;
        }
        return n;
    }

    /** A frame's payload as read back: in format 1 the append time, then the record. */
    public static SpoolReader.Frame frame(int version, byte[] payload) {
        if (version == 0) {
            return new SpoolReader.Frame(0, 0, payload);
        }
        return new SpoolReader.Frame(version, ByteBuffer.wrap(payload).getLong(0), java.util.Arrays.copyOfRange(payload, 8, payload.length));
    }

    public static int crc(byte[] data) {
        CRC32 c = new CRC32();
        c.update(data);
        return (int) c.getValue();
    }
}
