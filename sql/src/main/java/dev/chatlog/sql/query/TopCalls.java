package dev.chatlog.sql.query;

import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import dev.chatlog.sql.rollup.Dimension;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;

/**
 * The slowest or most expensive model calls of a window, exactly, without reading every call of a
 * long window. Without filters, an index in value order is walked down and the window checked on
 * its entries. With one filter (model, agent, function or chat mode), each hourly rollup row of that
 * dimension knows its slowest and most expensive call, so only the hours that can hold a top-N call
 * are read. Hours are taken in order of their maximum until they hold N
 * calls; their calls are ranked; then any hour whose maximum beats the N-th value found is added and
 * the ranking repeated (usually not needed). Windows or filters the hourly rollups cannot answer
 * (not whole hours, a user, an outcome, or two dimensions at once) read the window's calls directly.
 */
final class TopCalls {
    /** The hours of one dimension value that hold ranked calls: their count and the largest value. */
    private static final String HOURS = """
            SELECT bucket_start, <count> AS n, <max> AS m
            FROM chatbot_usage_rollup
            WHERE granularity = 'h' AND dimension = :dim AND dim_value = :value
              AND bucket_start >= :from AND bucket_start < :to AND llm_calls > 0""";

    private record Hour(LocalDateTime start, long calls, BigDecimal max) {}

    /** Past this many hours to read, one ranking of the whole window is cheaper than the hours' ranges. */
    private static final int MAX_HOURS = 96;

    private TopCalls() {}

    /** At most {@code r.limit()} model calls of the window matching {@code f} as {@code r} ranks them: their {@code columns}, highest first. */
    static List<Map<String, Object>> find(Handle h, Window w, Filter f, Ranking r, String columns) {
        Ranking.By by = r.by();
        int limit = r.limit();
        String where = r.where() + f.where() + " ORDER BY " + by.column + " DESC, started_at DESC LIMIT :limit";
        Dimension single = f.single();
        if (w.session() || !w.hourAligned() || single == null || single == Dimension.USER) {
            return query(h, List.<LocalDateTime[]>of(new LocalDateTime[] {w.fromUtc(), w.toUtc()}), columns, where, f, r);
        }
        if (single == Dimension.ALL) { // no filter: walk the value index down, the window checked on its entries
            return r.bind(h.createQuery("SELECT " + columns + " FROM chatbot_llm_calls FORCE INDEX (" + by.index + ") WHERE "
                    + by.range + " AND started_at >= :from AND started_at < :to" + where)
                    .bind("from", w.fromUtc()).bind("to", w.toUtc()).bind("limit", limit)).map((rs, ctx) -> Rows.row(rs)).list();
        }
        String value = f.value(single);
        List<Hour> hours = new ArrayList<>(h.createQuery(HOURS).define("count", by == Ranking.By.COST ? "llm_calls - unpriced_calls" : "llm_calls")
                .define("max", by.max).bind("dim", single.rollupName()).bind("value", value).bind("from", w.fromUtc()).bind("to", w.toUtc())
                .map((rs, ctx) -> new Hour(rs.getObject(1, LocalDateTime.class), rs.getLong(2), rs.getBigDecimal(3))).list());
        hours.sort(Comparator.comparing(Hour::max).reversed());
        List<Hour> chosen = new ArrayList<>();
        int next = 0;
        long candidates = 0;
        while (next < hours.size() && candidates < limit) {
            candidates += hours.get(next).calls();
            chosen.add(hours.get(next++));
        }
        while (true) {
            List<Map<String, Object>> top = chosen.isEmpty() ? List.of() : query(h, periods(chosen), columns, where, f, r);
            if (next >= hours.size()) return top;
            // an hour left out can only matter if its maximum beats the last value ranked (or too few were found)
            BigDecimal last = top.size() < limit ? null : new BigDecimal(String.valueOf(top.get(top.size() - 1).get(by.column)));
            int before = next;
            while (next < hours.size() && (last == null || hours.get(next).max().compareTo(last) > 0)) {
                chosen.add(hours.get(next++));
            }
            if (next == before) return top;
            if (chosen.size() > MAX_HOURS) { // a plateau (many hours reach the same top values): rank the window once
                return query(h, List.<LocalDateTime[]>of(new LocalDateTime[] {w.fromUtc(), w.toUtc()}), columns, where, f, r);
            }
        }
    }
    /** The chosen hours as time ranges, adjacent hours merged. */
    private static List<LocalDateTime[]> periods(List<Hour> hours) {
        List<LocalDateTime> starts = new ArrayList<>();
        for (Hour hour : hours) starts.add(hour.start());
        starts.sort(Comparator.naturalOrder());
        List<LocalDateTime[]> out = new ArrayList<>();
        for (LocalDateTime start : starts) {
            LocalDateTime[] last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && last[1].equals(start)) last[1] = start.plusHours(1);
            else out.add(new LocalDateTime[] {start, start.plusHours(1)});
        }
        return out;
    }

    private static List<Map<String, Object>> query(Handle h, List<LocalDateTime[]> periods, String columns, String where,
                                                   Filter f, Ranking r) {
        StringBuilder sql = new StringBuilder("SELECT ").append(columns).append(" FROM chatbot_llm_calls WHERE (");
        for (int i = 0; i < periods.size(); i++) {
            sql.append(i == 0 ? "" : " OR ").append("(started_at >= :f").append(i).append(" AND started_at < :t").append(i).append(')');
        }
        Query q = r.bind(f.bind(h.createQuery(sql.append(')').append(where).toString())));
        for (int i = 0; i < periods.size(); i++) q.bind("f" + i, periods.get(i)[0]).bind("t" + i, periods.get(i)[1]);
        return q.bind("limit", r.limit()).map((rs, ctx) -> Rows.row(rs)).list();
    }
}
