package dev.chatlog.sql.query;

import dev.chatlog.sql.rollup.Dimension;
import dev.chatlog.sql.rollup.Sums;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * Picks where the sums of a breakdown come from: the first {@link Source} that answers the window,
 * filter and group exactly, cheapest first. Routing needs no database, so it is unit-tested alone.
 */
public final class Planner {
    private final List<Source> sources;

    Planner(List<Source> sources) {
        this.sources = List.copyOf(sources);
    }

    /**
     * The sources in the order they are asked: per-user days, the calls by or of users, daily rollups,
     * hourly rollups, pair rollups, and the call rows, which answer anything.
     */
    public static Planner standard() {
        return new Planner(List.of(new UserDailySource(), CallRowsSource.users(), RollupSource.daily(), RollupSource.hourly(),
                new PairRollupSource(), CallRowsSource.any()));
    }

    /** The name of the first source that answers, the one {@link #sums} reads unless it declines after reading. */
    public String route(Window w, Filter f, Dimension group) {
        return first(w, f, group).name();
    }

    /** Whether only reading the calls answers this breakdown (a one-pass read of them can then serve it). */
    public boolean readsCalls(Window w, Filter f, Dimension group) {
        return first(w, f, group) instanceof CallRowsSource;
    }

    /** The sums of {@code columns} (every column on the raw paths) by {@code group}'s key over the window under the filter. */
    public Map<String, Sums> sums(Handle h, Window w, Filter f, Dimension group, Sums.Columns columns) {
        for (Source s : sources) {
            if (!s.answers(w, f, group)) continue;
            Optional<Map<String, Sums>> answer = s.read(h, w, f, group, columns);
            if (answer.isPresent()) return answer.get();
        }
        throw new IllegalStateException("no source answers " + group + " under " + f + " over " + w);
    }

    /** All columns. */
    public Map<String, Sums> sums(Handle h, Window w, Filter f, Dimension group) {
        return sums(h, w, f, group, Sums.Columns.ALL);
    }

    /** The totals of the window under the filter. */
    public Sums total(Handle h, Window w, Filter f, Sums.Columns columns) {
        return Sums.total(sums(h, w, f, Dimension.ALL, columns).values());
    }

    private Source first(Window w, Filter f, Dimension group) {
        for (int i = 0; i < sources.size(); i++) {
            if (sources.get(i).answers(w, f, group)) return sources.get(i);
        }
        throw new IllegalStateException("no source answers " + group + " under " + f + " over " + w);
    }
}
