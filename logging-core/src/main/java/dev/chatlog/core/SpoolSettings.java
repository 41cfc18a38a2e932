package dev.chatlog.core;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * The durable spool of a {@link ChatLogger}: where it is, how large it may grow, how often it is fsynced and how far
 * its checkpoint trails the database. Defaults written once here and checked by {@link #validate()}; the server and
 * the Spring Boot starter map their own names onto it.
 *
 * @param dir           the spool's directory (one process at a time)
 * @param maxBytes      most bytes the spool may hold; past it new records are lost and counted
 * @param segmentBytes  size at which the spool starts a new segment file
 * @param fsyncEvery    group fsync after this many records ...
 * @param fsyncInterval ... or after this long, whichever comes first
 * @param checkpointLag how far the checkpoint trails what the database acknowledged: longer than the database's own
 *                      log flush ({@code innodb_flush_log_at_trx_commit=2} flushes once a second), so a power cut that
 *                      takes its last commits finds them still in the spool (replays cost time only)
 */
public record SpoolSettings(Path dir, long maxBytes, long segmentBytes, int fsyncEvery, Duration fsyncInterval,
                            Duration checkpointLag) {
    public static final long DEFAULT_MAX_BYTES = 1L << 30;
    public static final int DEFAULT_FSYNC_EVERY = 100;
    public static final Duration DEFAULT_FSYNC_INTERVAL = Duration.ofMillis(200);
    public static final Duration DEFAULT_CHECKPOINT_LAG = Duration.ofSeconds(2);

    public SpoolSettings {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(fsyncInterval, "fsyncInterval");
        Objects.requireNonNull(checkpointLag, "checkpointLag");
    }

    /** A spool in {@code dir} with the defaults: 1 GiB, segments of 64 MiB, fsync every 100 records or 200 ms, lag 2 s. */
    public static SpoolSettings in(Path dir) {
        return new SpoolSettings(dir, DEFAULT_MAX_BYTES, 64L << 20, DEFAULT_FSYNC_EVERY, DEFAULT_FSYNC_INTERVAL, DEFAULT_CHECKPOINT_LAG);
    }

    /** These settings if every value is in range; else an {@link InvalidDefinitionException} naming the field. */
    public SpoolSettings validate() {
        InvalidDefinitionException.requireBetween("maxBytes", maxBytes, 1L << 20, Long.MAX_VALUE);
        InvalidDefinitionException.requireBetween("segmentBytes", segmentBytes, 1L << 16, 1L << 30);
        InvalidDefinitionException.requireBetween("fsyncEvery", fsyncEvery, 1, 1_000_000);
        InvalidDefinitionException.requireBetween("fsyncInterval", fsyncInterval.toMillis(), 1, 60_000);
        InvalidDefinitionException.requireNotNegative("checkpointLag", checkpointLag);
        return this;
    }

    public SpoolSettings withMaxBytes(long v) { return new SpoolSettings(dir, v, segmentBytes, fsyncEvery, fsyncInterval, checkpointLag); }
    public SpoolSettings withSegmentBytes(long v) { return new SpoolSettings(dir, maxBytes, v, fsyncEvery, fsyncInterval, checkpointLag); }
    public SpoolSettings withFsync(int every, Duration interval) { return new SpoolSettings(dir, maxBytes, segmentBytes, every, interval, checkpointLag); }
    public SpoolSettings withCheckpointLag(Duration v) { return new SpoolSettings(dir, maxBytes, segmentBytes, fsyncEvery, fsyncInterval, v); }
}
