package dev.chatlog.sql.query;

import dev.chatlog.sql.rollup.Dimension;
import dev.chatlog.sql.rollup.Sums;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** One place the grouped sums of a window can be read from; the {@link Planner} asks them in order. */
interface Source {
    /** A short name for logs and tests ({@code daily rollup}, {@code call rows}, ...). */
    String name();

    /** Whether this source holds the exact sums of {@code group} over the window under the filter. */
    boolean answers(Window w, Filter f, Dimension group);

    /**
     * The sums of {@code columns} by {@code group}'s key ('' for rows without the attribute); empty
     * when the rows read turn out not to answer after all (then the planner asks the next source).
     */
    Optional<Map<String, Sums>> read(Handle h, Window w, Filter f, Dimension group, Sums.Columns columns);

    /** The dimension whose rollup rows hold the answer: the filtered one for totals and time series, else the group. */
    static Dimension rolledUp(Filter f, Dimension group) {
        return group == Dimension.ALL || group.isTime() ? f.single() : group;
    }

    /** Whether rollup rows of one dimension answer: no conversation, at most one filter, on the group's dimension or none. */
    static boolean fits(Window w, Filter f, Dimension group) {
        Dimension single = f.single();
        return !w.session() && single != null
                && (single == Dimension.ALL || group == Dimension.ALL || group.isTime() || group == single);
    }
}
