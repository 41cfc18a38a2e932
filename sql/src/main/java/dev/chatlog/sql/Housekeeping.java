package dev.chatlog.sql;

import dev.chatlog.core.InvalidDefinitionException;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database's chores, run the same way by every front end (the server, the Spring Boot starter): {@link Retention}
 * (rows past the retention deleted, texts past the content retention cleared) and the purge of minute rollup rows past
 * their two days, each hourly, the first run {@link Settings#firstRun} after the start. A failed run is logged and
 * tried again at the next.
 */
public final class Housekeeping implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Housekeeping.class);

    /**
     * What housekeeping does: rows older than {@code retentionDays} are deleted (0: kept forever), the texts of rows
     * older than {@code contentRetentionDays} are cleared (1 to {@code retentionDays}); the first run after
     * {@code firstRun}. Defaults (written once, here): 30 days, 30 days, one minute.
     */
    public record Settings(int retentionDays, int contentRetentionDays, Duration firstRun) {
        public static final int DEFAULT_RETENTION_DAYS = 30;
        public static final Duration DEFAULT_FIRST_RUN = Duration.ofMinutes(1);

        public Settings {
            if (retentionDays < 0 || retentionDays > 36_500) {
                throw new InvalidDefinitionException("retentionDays", "retentionDays must be from 0 (keep forever) to 36500, got " + retentionDays);
            }
            if (retentionDays > 0 && (contentRetentionDays < 1 || contentRetentionDays > retentionDays)) {
                throw new InvalidDefinitionException("contentRetentionDays", "contentRetentionDays must be from 1 to the retention days ("
                        + retentionDays + "), got " + contentRetentionDays);
            }
            if (firstRun == null || firstRun.isNegative()) throw new InvalidDefinitionException("firstRun", "firstRun must be 0 or more");
        }

        /** {@code days} of retention (0: forever), texts cleared after {@code contentDays} (null: the same days). */
        public static Settings of(int days, Integer contentDays, Duration firstRun) {
            return new Settings(days, days == 0 ? 0 : contentDays == null ? days : contentDays, firstRun);
        }

        public static Settings defaults() {
            return new Settings(DEFAULT_RETENTION_DAYS, DEFAULT_RETENTION_DAYS, DEFAULT_FIRST_RUN);
        }

        /** One line for the start-up log. */
        public String describe() {
            return retentionDays == 0 ? "rows kept forever" : "rows older than " + retentionDays + " days deleted hourly"
                    + (contentRetentionDays < retentionDays ? ", texts cleared after " + contentRetentionDays + " days" : "");
        }
    }

    private final ScheduledExecutorService owned;
    private final List<ScheduledFuture<?>> tasks;

    private Housekeeping(ScheduledExecutorService owned, List<ScheduledFuture<?>> tasks) {
        this.owned = owned;
        this.tasks = tasks;
    }

    /** Runs on a thread of its own ({@code chatlog-housekeeping}), stopped by {@link #close()}. */
    public static Housekeeping start(Jdbi jdbi, Settings settings) {
        ScheduledExecutorService own = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "chatlog-housekeeping");
            t.setDaemon(true);
            return t;
        });
        return new Housekeeping(own, schedule(own, jdbi, settings));
    }

    /** Runs on {@code executor} (the caller's, which {@link #close()} leaves running). */
    public static Housekeeping on(ScheduledExecutorService executor, Jdbi jdbi, Settings settings) {
        return new Housekeeping(null, schedule(executor, jdbi, settings));
    }

    private static List<ScheduledFuture<?>> schedule(ScheduledExecutorService ex, Jdbi jdbi, Settings s) {
        Retention retention = new Retention(jdbi);
        long first = s.firstRun().toMillis();
        long hour = TimeUnit.HOURS.toMillis(1);
        ScheduledFuture<?> minutes = ex.scheduleWithFixedDelay(() -> {
            try {
                retention.purgeMinuteRollups(Instant.now());
            } catch (RuntimeException e) {
                log.warn("minute rollup purge failed: {}", e.toString());
            }
        }, first, hour, TimeUnit.MILLISECONDS);
        if (s.retentionDays() == 0) return List.of(minutes);
        ScheduledFuture<?> rows = ex.scheduleWithFixedDelay(() -> {
            try {
                retention.purge(Instant.now(), s.retentionDays(), s.contentRetentionDays());
            } catch (RuntimeException e) {
                log.warn("retention run failed: {}", e.toString());
            }
        }, first, hour, TimeUnit.MILLISECONDS);
        return List.of(minutes, rows);
    }

    @Override
    public void close() {
        tasks.forEach(t -> t.cancel(false));
        if (owned != null) owned.shutdownNow();
    }
}
