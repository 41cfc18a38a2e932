package dev.chatlog.sql.report;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A turn as a waterfall: every row of its call tree in tree order with its start as an offset from the turn's start,
 * its duration and depth, and the critical path marked: what the turn waited for — the step that finished last, the one
 * that finished last before it started, and so on, and inside each of them the same (a step running in parallel with
 * one of these is off the path: making it faster would not have ended the turn sooner).
 */
final class Waterfall {
    private Waterfall() {}

    /**
     * {@code {turn_ms, critical_path: [call ids], rows: [{call_id, parent_call_id, depth, call_type, name, start_ms,
     * duration_ms, end_ms, critical}]}} for the roots of a message's tree; times as the report gives them (ISO-8601).
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> of(Object turnStart, Object turnMs, List<Map<String, Object>> roots) {
        Instant t0 = turnStart == null ? null : Instant.parse(turnStart.toString());
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Map<String, Object> r : roots) walk(r, 0, t0, rows);
        List<String> found = new ArrayList<>();
        criticalPath(roots, Long.MAX_VALUE, t0, found);
        Set<String> marked = Set.copyOf(found);
        List<String> critical = new ArrayList<>(); // in tree order: a step before the steps inside it, earlier before later
        for (Map<String, Object> row : rows) {
            boolean on = marked.contains(String.valueOf(row.get("call_id")));
            row.put("critical", on);
            if (on) critical.add(String.valueOf(row.get("call_id")));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("turn_ms", turnMs);
        out.put("critical_path", critical);
        out.put("rows", rows);
        return out;
    }

    /**
     * The critical path among {@code children} of a step that ended at {@code until}: the child that ended last, then
     * the one that ended last before that one started, and so on (children running in parallel with a chosen one are
     * not waited for), each with its own critical path inside. Appended from the end backwards. Start times are kept
     * to the millisecond: a child starting up to {@link #SLACK_MICROS} before the previous one ended still follows it.
     */
    @SuppressWarnings("unchecked")
    private static void criticalPath(List<Map<String, Object>> children, long until, Instant t0, List<String> out) {
        List<Map<String, Object>> byEnd = new ArrayList<>(children);
        byEnd.sort(java.util.Comparator.comparingLong((Map<String, Object> n) -> end(n, t0)).reversed());
        long t = until;
        for (Map<String, Object> c : byEnd) {
            if (t != Long.MAX_VALUE && end(c, t0) > t + SLACK_MICROS) continue; // overlaps the one chosen after it
            out.add(String.valueOf(c.get("call_id")));
            criticalPath((List<Map<String, Object>>) c.get("children"), end(c, t0), t0, out);
            t = start(c, t0);
        }
    }

    /** Start times are stored to the millisecond, durations to the hundredth: what a sequence can appear to overlap. */
    static final long SLACK_MICROS = 1_500;

    @SuppressWarnings("unchecked")
    private static void walk(Map<String, Object> node, int depth, Instant t0, List<Map<String, Object>> rows) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("call_id", node.get("call_id"));
        row.put("parent_call_id", node.get("parent_call_id"));
        row.put("depth", depth);
        row.put("call_type", node.get("call_type"));
        Object name = "agent".equals(node.get("call_type")) ? node.get("agent")
                : node.get("function_name") != null ? node.get("function_name") : node.get("model");
        row.put("name", name);
        row.put("start_ms", ms(start(node, t0)));
        row.put("duration_ms", node.get("duration_ms"));
        row.put("end_ms", ms(end(node, t0)));
        row.put("success", node.get("success"));
        rows.add(row);
        for (Map<String, Object> child : (List<Map<String, Object>>) node.get("children")) walk(child, depth + 1, t0, rows);
    }

    /** Microseconds from the turn's start to the row's start (0 when the turn's start is unknown). */
    private static long start(Map<String, Object> node, Instant t0) {
        if (t0 == null || node.get("started_at") == null) return 0;
        Duration d = Duration.between(t0, Instant.parse(node.get("started_at").toString()));
        return d.toNanos() / 1000;
    }

    private static long end(Map<String, Object> node, Instant t0) {
        BigDecimal ms = node.get("duration_ms") == null ? BigDecimal.ZERO : new BigDecimal(node.get("duration_ms").toString());
        return start(node, t0) + ms.movePointRight(3).longValue();
    }

    private static BigDecimal ms(long micros) {
        return BigDecimal.valueOf(micros, 3).setScale(2, RoundingMode.HALF_UP);
    }
}
