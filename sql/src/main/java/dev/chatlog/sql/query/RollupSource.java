package dev.chatlog.sql.query;

import dev.chatlog.sql.rollup.Dimension;
import dev.chatlog.sql.rollup.Sums;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;

/**
 * The daily or the hourly rows of {@code chatbot_usage_rollup}: they answer a window on whole days
 * (hours) with at most one filter, when the group is the filtered dimension, the totals or a time
 * series. An hourly window over whole days reads the days' daily rows and hourly rows only at its ends.
 */
final class RollupSource implements Source {
    private static final String SUMS = """
            SELECT <key> AS k <sums>
            FROM chatbot_usage_rollup
            WHERE dimension = :dim AND <buckets> <value>
            GROUP BY k""";
    private static final String ONE_GRANULARITY = "granularity = :granularity AND bucket_start >= :from AND bucket_start < :to";
    private static final String DAYS_WITH_HOURS_AT_THE_ENDS = """
            ((granularity = 'h' AND bucket_start >= :from AND bucket_start < :m1)
             OR (granularity = 'd' AND bucket_start >= :m1 AND bucket_start < :m2)
             OR (granularity = 'h' AND bucket_start >= :m2 AND bucket_start < :to))""";

    private final boolean daily;

    private RollupSource(boolean daily) {
        this.daily = daily;
    }

    static RollupSource daily() {
        return new RollupSource(true);
    }

    static RollupSource hourly() {
        return new RollupSource(false);
    }

    @Override
    public String name() {
        return daily ? "daily rollup" : "hourly rollup";
    }

    @Override
    public boolean answers(Window w, Filter f, Dimension group) {
        Dimension rolled = Source.rolledUp(f, group);
        if (!Source.fits(w, f, group) || rolled == null || !rolled.inUsageRollup()) return false;
        return daily ? w.dayAligned() && group != Dimension.HOUR : w.hourAligned();
    }

    @Override
    public Optional<Map<String, Sums>> read(Handle h, Window w, Filter f, Dimension group, Sums.Columns columns) {
        Dimension single = f.single();
        String value = single == Dimension.ALL ? null : f.value(single);
        return Optional.of(sums(h, w, Source.rolledUp(f, group), group, value == null ? "" : " AND dim_value = :value", value,
                daily ? "d" : "h", columns));
    }

    /**
     * Sums of {@code columns} of one dimension's rows over the window, keyed by {@code group}'s key
     * (a time bucket, '' for all, otherwise the row's value), narrowed by {@code valueSql} (binding {@code :value}).
     */
    static Map<String, Sums> sums(Handle h, Window w, Dimension dimension, Dimension group, String valueSql, String value,
                                  String granularity, Sums.Columns columns) {
        String key = switch (group) {
            case DAY -> "DATE_FORMAT(bucket_start, '%Y-%m-%d')";
            case HOUR -> "DATE_FORMAT(bucket_start, '%Y-%m-%dT%H:00:00Z')";
            case ALL -> "''";
            default -> "dim_value";
        };
        LocalDateTime from = w.fromUtc(), to = w.toUtc();
        LocalDateTime m1 = from.toLocalTime().equals(LocalTime.MIDNIGHT) ? from : from.toLocalDate().plusDays(1).atStartOfDay();
        LocalDateTime m2 = to.toLocalDate().atStartOfDay();
        boolean mixed = granularity.equals("h") && group != Dimension.HOUR && m1.isBefore(m2);
        Query q = h.createQuery(SUMS).define("key", key).define("sums", columns.sumSql(Sums.Columns.ALL))
                .define("buckets", mixed ? DAYS_WITH_HOURS_AT_THE_ENDS : ONE_GRANULARITY).define("value", valueSql)
                .bind("dim", dimension.rollupName()).bind("from", from).bind("to", to);
        if (mixed) q.bind("m1", m1).bind("m2", m2);
        else q.bind("granularity", granularity);
        if (value != null) q.bind("value", value);
        return Sums.collect(q);
    }
}
