package dev.chatlog.sql.query;

import dev.chatlog.sql.rollup.Dimension;
import dev.chatlog.sql.rollup.Sums;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * A breakdown under a one-dimension filter from the pair rollups: the rows of the pair whose side
 * of the filtered dimension is the filter's value (compared by the database, as every other filter
 * is), keyed by the other side's value, or by the whole pair when the group is the pair itself.
 */
final class PairRollupSource implements Source {
    private static final int MAX_VALUE = 255;

    @Override
    public String name() {
        return "pair rollup";
    }

    /** The pair that answers a breakdown by {@code group} under a filter on {@code single}, or null. */
    static Dimension pairFor(Dimension single, Dimension group) {
        if (group == Dimension.TOOL) { // tool executions per tool and agent / chat mode
            return single == Dimension.AGENT ? Dimension.TOOL_AGENT : single == Dimension.CHAT_MODE ? Dimension.TOOL_CHAT_MODE : null;
        }
        if (group.isPair()) return group.first() == single || group.second() == single ? group : null;
        return Dimension.pair(single, group).orElse(null);
    }

    @Override
    public boolean answers(Window w, Filter f, Dimension group) {
        Dimension single = f.single();
        if (w.session() || single == null || single == Dimension.ALL || !(w.dayAligned() || w.hourAligned())) return false;
        // a filter value holding the separator cannot be told apart from the other side
        return pairFor(single, group) != null && f.value(single).indexOf(Dimension.PAIR_SEPARATOR) < 0;
    }

    /** Empty when a stored value holds the separator or was cut at the column's length: then the sides cannot be told apart. */
    @Override
    public Optional<Map<String, Sums>> read(Handle h, Window w, Filter f, Dimension group, Sums.Columns columns) {
        Dimension single = f.single();
        Dimension pair = pairFor(single, group);
        boolean first = pair.first() == single;
        Map<String, Sums> rows = RollupSource.sums(h, w, pair, pair,
                " AND SUBSTRING_INDEX(dim_value, '" + Dimension.PAIR_SEPARATOR + "', " + (first ? 1 : -1) + ") = :value",
                f.value(single), w.dayAligned() ? "d" : "h", columns);
        Map<String, Sums> out = new LinkedHashMap<>();
        for (var e : rows.entrySet()) {
            String k = e.getKey();
            int at = k.indexOf(Dimension.PAIR_SEPARATOR);
            if (at < 0 || at != k.lastIndexOf(Dimension.PAIR_SEPARATOR) || k.length() >= MAX_VALUE) return Optional.empty();
            out.put(group == pair ? k : first ? k.substring(at + 1) : k.substring(0, at), e.getValue());
        }
        return Optional.of(out);
    }
}
