package dev.chatlog.experiments.analysis;

import dev.chatlog.experiments.Experiment;
import dev.chatlog.experiments.Variant;
import dev.chatlog.sql.Utc;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Reads an experiment's arms from the log: per arm the sums of each metric over its units (conversations), in one
 * grouped query per source — the turns (success, cost, tokens, latency), the streamed calls' first tokens, each score —
 * by the {@code arm} column and its index, never the rows themselves into memory. A turn's cost and tokens are its
 * totals (its judges' evaluation calls are not in them).
 */
public final class ArmReader {
    /** One arm as read: its units (conversations) and turns, what it cost so far, and each metric's sums. */
    public record ArmData(Variant variant, String arm, long units, long turns, BigDecimal cost, long unpricedTurns,
                          Map<String, UnitSums> metrics) {}

    private static final String TURNS = """
            SELECT arm, COUNT(*) AS units, SUM(n) AS n, SUM(n * n) AS nn, SUM(ok) AS ok, SUM(ok * ok) AS okok, SUM(n * ok) AS nok,
                   SUM(cost) AS cost, SUM(cost * cost) AS cc, SUM(n * cost) AS ncost, SUM(ok * cost) AS okcost,
                   SUM(tok) AS tok, SUM(tok * tok) AS tt, SUM(n * tok) AS ntok,
                   SUM(llat) AS llat, SUM(llat * llat) AS ll, SUM(n * llat) AS nllat, SUM(unpriced) AS unpriced
            FROM (SELECT arm, conversation_id, COUNT(*) AS n, SUM(success) AS ok, SUM(total_cost) AS cost,
                         SUM(total_tokens_used) AS tok, SUM(LN(GREATEST(response_time_ms, 1))) AS llat, SUM(unpriced_calls > 0) AS unpriced
                  FROM chatbot_conversation_messages WHERE arm IN (<arms>) AND `timestamp` >= :from AND `timestamp` < :to
                  GROUP BY arm, conversation_id) u
            GROUP BY arm""";
    private static final String FIRST_TOKENS = """
            SELECT arm, COUNT(*) AS units, SUM(n) AS n, SUM(n * n) AS nn, SUM(y) AS y, SUM(y * y) AS yy, SUM(n * y) AS ny
            FROM (SELECT arm, conversation_id, COUNT(*) AS n, SUM(LN(GREATEST(time_to_first_token_ms, 1))) AS y
                  FROM chatbot_llm_calls WHERE arm IN (<arms>) AND started_at >= :from AND started_at < :to
                    AND time_to_first_token_ms IS NOT NULL AND call_type <> 'evaluation'
                  GROUP BY arm, conversation_id) u
            GROUP BY arm""";
    private static final String SCORES = """
            SELECT arm, COUNT(*) AS units, SUM(n) AS n, SUM(n * n) AS nn, SUM(y) AS y, SUM(y * y) AS yy, SUM(n * y) AS ny
            FROM (SELECT m.arm, m.conversation_id, COUNT(*) AS n, SUM(s.value) AS y
                  FROM chatbot_conversation_messages m
                  JOIN chatbot_scores s ON s.conversation_id = m.conversation_id AND s.message_id = m.message_id
                   AND s.target_type = 'message' AND s.name = :score AND s.value IS NOT NULL
                  WHERE m.arm IN (<arms>) AND m.`timestamp` >= :from AND m.`timestamp` < :to
                  GROUP BY m.arm, m.conversation_id) u
            GROUP BY arm""";

    private final Jdbi jdbi;

    public ArmReader(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** Each variant's data, in the experiment's order, for the metrics named, over rows from {@code from} to {@code to}. */
    public List<ArmData> read(Experiment e, List<String> metrics, Instant from, Instant to) {
        Map<String, Variant> byArm = new LinkedHashMap<>();
        for (Variant v : e.variants()) byArm.put(e.name() + '/' + v.name(), v);
        return jdbi.withHandle(h -> {
            Map<String, Map<String, UnitSums>> sums = new HashMap<>();
            Map<String, Object[]> totals = new HashMap<>();
            query(h, TURNS, byArm, from, to, null).forEach(r -> {
                String arm = (String) r.get("arm");
                long units = num(r, "units").longValue();
                double n = d(r, "n"), nn = d(r, "nn");
                Map<String, UnitSums> m = sums.computeIfAbsent(arm, k -> new HashMap<>());
                m.put("success_rate", new UnitSums(units, n, nn, d(r, "ok"), d(r, "okok"), d(r, "nok")));
                m.put("cost_per_turn", new UnitSums(units, n, nn, d(r, "cost"), d(r, "cc"), d(r, "ncost")));
                m.put("cost_per_successful_turn", new UnitSums(units, d(r, "ok"), d(r, "okok"), d(r, "cost"), d(r, "cc"), d(r, "okcost")));
                m.put("tokens", new UnitSums(units, n, nn, d(r, "tok"), d(r, "tt"), d(r, "ntok")));
                m.put("latency_ms", new UnitSums(units, n, nn, d(r, "llat"), d(r, "ll"), d(r, "nllat")));
                totals.put(arm, new Object[] {units, (long) n, r.get("cost") == null ? BigDecimal.ZERO : new BigDecimal(r.get("cost").toString()),
                        num(r, "unpriced").longValue()});
            });
            if (metrics.contains("ttft_ms")) {
                query(h, FIRST_TOKENS, byArm, from, to, null).forEach(r -> sums.computeIfAbsent((String) r.get("arm"), k -> new HashMap<>())
                        .put("ttft_ms", sums(r)));
            }
            for (String metric : metrics) {
                if (!metric.startsWith("score:")) continue;
                query(h, SCORES, byArm, from, to, metric.substring(6)).forEach(r -> sums.computeIfAbsent((String) r.get("arm"), k -> new HashMap<>())
                        .put(metric, sums(r)));
            }
            return byArm.entrySet().stream().map(a -> {
                Object[] t = totals.getOrDefault(a.getKey(), new Object[] {0L, 0L, BigDecimal.ZERO, 0L});
                return new ArmData(a.getValue(), a.getKey(), (long) t[0], (long) t[1], ((BigDecimal) t[2]).stripTrailingZeros(), (long) t[3],
                        Map.copyOf(sums.getOrDefault(a.getKey(), Map.of())));
            }).toList();
        });
    }

    private static final String NTH_UNIT = """
            SELECT arm, first_at FROM (
                SELECT arm, first_at, ROW_NUMBER() OVER (PARTITION BY arm ORDER BY first_at, conversation_id) AS rn
                FROM (SELECT arm, conversation_id, MIN(`timestamp`) AS first_at FROM chatbot_conversation_messages
                      WHERE arm IN (<arms>) AND `timestamp` >= :from AND `timestamp` < :to GROUP BY arm, conversation_id) c) r
            WHERE rn = :n""";

    /**
     * Where a planned experiment's reading stops: the instant just after every arm with a share reached the plan's units
     * ({@code to} when it has not, or the experiment has no plan). Its fixed-horizon test is the one at that sample: data
     * after it are not read, so a result read again later is not a second test.
     */
    public Instant until(Experiment e, Instant from, Instant to) {
        if (e.plan() == null) return to;
        List<String> live = e.variants().stream().filter(v -> v.percent().signum() > 0).map(v -> e.name() + '/' + v.name()).toList();
        List<Instant> reached = jdbi.withHandle(h -> h.createQuery(NTH_UNIT).bindList("arms", live).bind("from", Utc.time(from))
                .bind("to", Utc.time(to)).bind("n", e.plan().perArm())
                .map((rs, ctx) -> Utc.instant(rs.getObject("first_at", java.time.LocalDateTime.class))).list());
        if (reached.size() < live.size()) return to;
        Instant horizon = reached.stream().max(Instant::compareTo).orElseThrow().plusMillis(1);
        return horizon.isBefore(to) ? horizon : to;
    }

    /** Whether the score of that name is defined as a boolean (a rate), from its definition. */
    public boolean booleanScore(String name) {
        return jdbi.withHandle(h -> h.createQuery("SELECT type FROM chatbot_score_definitions WHERE name = :n").bind("n", name)
                .mapTo(String.class).findOne()).map("boolean"::equals).orElse(false);
    }

    private static List<Map<String, Object>> query(Handle h, String sql, Map<String, Variant> arms, Instant from, Instant to, String score) {
        var q = h.createQuery(sql).bindList("arms", List.copyOf(arms.keySet())).bind("from", Utc.time(from)).bind("to", Utc.time(to));
        if (score != null) q.bind("score", score);
        return q.mapToMap().list();
    }

    private static UnitSums sums(Map<String, Object> r) {
        return new UnitSums(num(r, "units").longValue(), d(r, "n"), d(r, "nn"), d(r, "y"), d(r, "yy"), d(r, "ny"));
    }

    private static Number num(Map<String, Object> r, String k) {
        Object v = r.get(k);
        return v == null ? 0 : (Number) v;
    }

    private static double d(Map<String, Object> r, String k) {
        return num(r, k).doubleValue();
    }
}
