package dev.chatlog.quality.analysis;

import dev.chatlog.quality.stats.Proportions;
import dev.chatlog.sql.Utc;
import dev.chatlog.sql.rollup.RawSql;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jdbi.v3.core.Jdbi;

/**
 * Success bands and benchmarks (seed 003's categories): per model, function or agent (its {@code agent} rows: steps and
 * tokens of the calls under each), or per chat mode or intent (turns: a turn's calls are its steps), the success rate
 * with its Wilson interval and the share of work in each band — response time (excellent under 5 s, good under 10 s,
 * acceptable under 20 s, poor beyond), tokens (under 1K, 2K, 4K, beyond) and steps (under 3, 5, 8, beyond), the limits
 * configurable. Each group is compared with its peers (every other group together) on its success rate and on its
 * shares of the best and the worst band of each measure; a difference whose 95% interval (Newcombe's) leaves out zero
 * is a strength or a weakness, anything else is not claimed.
 */
public final class Bands {
    public static final List<String> NAMES = List.of("excellent", "good", "acceptable", "poor");
    private static final double CONFIDENCE = 0.95;
    private final Jdbi jdbi;

    public Bands(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** The three upper limits of each measure's first three bands, increasing. */
    public record Limits(List<Long> latencyMs, List<Long> tokens, List<Long> steps) {
        public static final Limits SEED = new Limits(List.of(5_000L, 10_000L, 20_000L), List.of(1_000L, 2_000L, 4_000L), List.of(3L, 5L, 8L));

        public Limits {
            for (List<Long> l : List.of(latencyMs, tokens, steps)) {
                if (l == null || l.size() != 3 || l.get(0) <= 0 || l.get(0) >= l.get(1) || l.get(1) >= l.get(2)) {
                    throw new IllegalArgumentException("band limits are three increasing positive whole numbers, e.g. 5000,10000,20000");
                }
            }
        }
    }

    /** {@code by}: model, function, agent, chat_mode or intent. */
    public Map<String, Object> of(String by, Instant from, Instant to, Limits limits) {
        String sql = switch (by) {
            case "model", "function" -> "SELECT COALESCE(" + (by.equals("model") ? "model" : "function_name") + ", '') g, COUNT(*) n, SUM(success) ok, "
                    + bands("duration_ms", "lat") + ", " + bands("total_tokens", "tok") + ", COUNT(*) st0, 0 st1, 0 st2, 0 st3 "
                    + "FROM chatbot_llm_calls WHERE started_at >= :from AND started_at < :to AND " + RawSql.TURN_CALL + " GROUP BY g";
            case "agent" -> "SELECT COALESCE(a.agent, '') g, COUNT(*) n, SUM(a.success) ok, " + bands("a.duration_ms", "lat") + ", "
                    + bands("COALESCE(k.tokens, 0)", "tok") + ", " + bands("COALESCE(k.steps, 0)", "st")
                    + " FROM chatbot_llm_calls a LEFT JOIN (SELECT conversation_id, parent_call_id, COUNT(*) steps, SUM(total_tokens) tokens FROM chatbot_llm_calls "
                    + "WHERE started_at >= :from AND started_at < :to AND parent_call_id IS NOT NULL AND call_type <> 'evaluation' "
                    + "GROUP BY conversation_id, parent_call_id) k " // call ids are unique per conversation only
                    + "ON k.conversation_id = a.conversation_id AND k.parent_call_id = a.call_id "
                    + "WHERE a.call_type = 'agent' AND a.started_at >= :from AND a.started_at < :to GROUP BY g";
            case "chat_mode", "intent" -> "SELECT COALESCE(" + by + ", '') g, COUNT(*) n, SUM(success) ok, " + bands("response_time_ms", "lat") + ", "
                    + bands("total_tokens_used", "tok") + ", " + bands("total_llm_calls", "st")
                    + " FROM chatbot_conversation_messages WHERE `timestamp` >= :from AND `timestamp` < :to GROUP BY g";
            default -> throw new IllegalArgumentException("group_by is model, function, agent, chat_mode or intent");
        };
        Map<String, long[]> rows = new TreeMap<>(); // n, ok, lat0..3, tok0..3, st0..3
        jdbi.useHandle(h -> h.createQuery(sql).bind("from", Utc.time(from)).bind("to", Utc.time(to))
                .bind("l1", limits.latencyMs().get(0)).bind("l2", limits.latencyMs().get(1)).bind("l3", limits.latencyMs().get(2))
                .bind("t1", limits.tokens().get(0)).bind("t2", limits.tokens().get(1)).bind("t3", limits.tokens().get(2))
                .bind("s1", limits.steps().get(0)).bind("s2", limits.steps().get(1)).bind("s3", limits.steps().get(2))
                .map((rs, ctx) -> {
                    long[] v = new long[14];
                    v[0] = rs.getLong("n");
                    v[1] = rs.getLong("ok");
                    for (int i = 0; i < 4; i++) {
                        v[2 + i] = rs.getLong("lat" + i);
                        v[6 + i] = rs.getLong("tok" + i);
                        v[10 + i] = rs.getLong("st" + i);
                    }
                    rows.put(rs.getString("g"), v);
                    return v;
                }).list());
        long[] all = new long[14];
        rows.values().forEach(v -> { for (int i = 0; i < 14; i++) all[i] += v[i]; });
        List<Map<String, Object>> groups = new ArrayList<>();
        for (var e : rows.entrySet()) {
            long[] v = e.getValue();
            Map<String, Object> g = new LinkedHashMap<>();
            g.put("group", e.getKey());
            g.put("count", v[0]);
            g.put("success_rate", (double) v[1] / v[0]);
            g.put("success_ci95", Agreements.interval(Proportions.wilson(v[1], v[0], CONFIDENCE)));
            g.put("latency", shares(v, 2));
            g.put("tokens", shares(v, 6));
            if (!by.equals("model") && !by.equals("function")) g.put("steps", shares(v, 10));
            if (rows.size() > 1) peers(g, v, all, by);
            groups.add(g);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("group_by", by);
        out.put("from", from.toString());
        out.put("to", to.toString());
        out.put("bands", Map.of("latency_ms", limits.latencyMs(), "tokens", limits.tokens(), "steps", limits.steps(), "names", NAMES));
        out.put("groups", groups);
        return out;
    }

    private static String bands(String expr, String prefix) {
        String l = prefix.equals("lat") ? "l" : prefix.equals("tok") ? "t" : "s";
        return "SUM(" + expr + " < :" + l + "1) " + prefix + "0, SUM(" + expr + " >= :" + l + "1 AND " + expr + " < :" + l + "2) " + prefix + "1, "
                + "SUM(" + expr + " >= :" + l + "2 AND " + expr + " < :" + l + "3) " + prefix + "2, SUM(" + expr + " >= :" + l + "3) " + prefix + "3";
    }

    private static Map<String, Object> shares(long[] v, int at) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < 4; i++) m.put(NAMES.get(i), (double) v[at + i] / v[0]);
        return m;
    }

    /** Strengths and weaknesses against every other group together: only differences whose interval leaves out zero. */
    private static void peers(Map<String, Object> g, long[] v, long[] all, String by) {
        List<Map<String, Object>> strengths = new ArrayList<>(), weaknesses = new ArrayList<>();
        long peers = all[0] - v[0];
        compare("success_rate", v[1], v[0], all[1] - v[1], peers, true, strengths, weaknesses);
        String[] measures = by.equals("model") || by.equals("function") ? new String[] {"latency", "tokens"} : new String[] {"latency", "tokens", "steps"};
        for (int m = 0; m < measures.length; m++) {
            int at = 2 + 4 * m;
            compare(measures[m] + ":excellent", v[at], v[0], all[at] - v[at], peers, true, strengths, weaknesses);
            compare(measures[m] + ":poor", v[at + 3], v[0], all[at + 3] - v[at + 3], peers, false, strengths, weaknesses);
        }
        g.put("strengths", strengths);
        g.put("weaknesses", weaknesses);
    }

    private static void compare(String what, long x, long n, long px, long pn, boolean moreIsBetter, List<Map<String, Object>> strengths,
                                List<Map<String, Object>> weaknesses) {
        if (n == 0 || pn == 0) return;
        Proportions.Difference d = Proportions.compare(x, n, px, pn, CONFIDENCE);
        if (!d.interval().defined() || (d.interval().lower() <= 0 && d.interval().upper() >= 0)) return; // not shown to differ
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("measure", what);
        m.put("share", d.p1());
        m.put("peers_share", d.p2());
        m.put("difference", d.difference());
        m.put("ci95", Agreements.interval(d.interval()));
        m.put("p_value", d.pValue());
        ((d.difference() > 0) == moreIsBetter ? strengths : weaknesses).add(m);
    }
}
