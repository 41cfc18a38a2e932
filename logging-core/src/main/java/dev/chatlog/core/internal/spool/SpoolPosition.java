package dev.chatlog.core.internal.spool;

/** A place in a spool: a segment and a byte offset in it. */
public record SpoolPosition(long segment, long offset) implements Comparable<SpoolPosition> {
    @Override
    public int compareTo(SpoolPosition o) {
        return segment != o.segment ? Long.compare(segment, o.segment) : Long.compare(offset, o.offset);
    }
}
