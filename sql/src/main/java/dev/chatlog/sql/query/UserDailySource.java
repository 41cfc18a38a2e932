package dev.chatlog.sql.query;

import dev.chatlog.sql.rollup.Dimension;
import dev.chatlog.sql.rollup.Sums;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;

/**
 * Per-user figures of whole days from the narrow {@code chatbot_user_daily} table (no histograms).
 * Grouping a month of users' days is the slowest read there is (a row per user and day), and
 * past days rarely change, so every user's sums of the days before today are kept
 * ({@link DayCache}, while those days' rollup counters are unchanged) and only today's rows are read again.
 */
final class UserDailySource implements Source {
    private static final String SUMS = """
            SELECT user_id AS k <sums>
            FROM chatbot_user_daily
            WHERE day >= :from AND day < :to <user>
            GROUP BY k""";
    private final DayCache<Map<String, Sums>> closedDays = new DayCache<>(8);

    @Override
    public String name() {
        return "user daily";
    }

    @Override
    public boolean answers(Window w, Filter f, Dimension group) {
        return group == Dimension.USER && Source.fits(w, f, group) && w.dayAligned();
    }

    @Override
    public Optional<Map<String, Sums>> read(Handle h, Window w, Filter f, Dimension group, Sums.Columns columns) {
        return Optional.of(f.user() == null ? everyUser(h, w, columns) : sums(h, w, f.user(), columns));
    }

    private Map<String, Sums> everyUser(Handle h, Window w, Sums.Columns columns) {
        LocalDate from = w.fromUtc().toLocalDate();
        LocalDate to = w.toUtc().toLocalDate();
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        LocalDate split = today.isBefore(from) ? from : today.isAfter(to) ? to : today;
        if (!split.isAfter(from)) return sums(h, w, null, columns);
        Window past = Window.between(w.from(), split.atStartOfDay().toInstant(ZoneOffset.UTC));
        Map<String, Sums> kept = closedDays.get(h, from + "|" + split + "|" + columns, from, split, () -> sums(h, past, null, columns));
        if (!split.isBefore(to)) return kept;
        Map<String, Sums> out = new LinkedHashMap<>(kept);
        sums(h, Window.between(past.to(), w.to()), null, columns) // the kept sums stay as kept: added up into new ones
                .forEach((user, s) -> out.merge(user, s, (closed, open) -> new Sums().plus(closed).plus(open)));
        return out;
    }

    private static Map<String, Sums> sums(Handle h, Window w, String user, Sums.Columns columns) {
        Query q = h.createQuery(SUMS).define("sums", columns.sumSql(Sums.Columns.USER))
                .define("user", user == null ? "" : "AND user_id = :user")
                .bind("from", w.fromUtc().toLocalDate()).bind("to", w.toUtc().toLocalDate());
        if (user != null) q.bind("user", user);
        return Sums.collect(q);
    }
}
