package dev.chatlog.sql.score;

import dev.chatlog.core.score.ScoreDefinition;
import dev.chatlog.sql.Utc;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;

/**
 * What a turn should be looked at for, computed when read (a changed limit applies to the whole history at once):
 * {@code slow_execution} (a response time of 20 s or more: seed 003's poor band), {@code high_token_usage} (4,000
 * tokens or more: its heaviest), {@code low_confidence} (a score named {@code confidence} under 0.5) and
 * {@code quality_concern} (a score on the turn or one of its calls in the lower half of its definition's range, a
 * boolean score of 0 — a thumbs down, a failed check —, or a 0 with no definition).
 */
public final class Warnings {
    public static final List<String> KINDS = List.of("low_confidence", "high_token_usage", "slow_execution", "quality_concern");
    /** The most turns one list returns (and each of its queries reads). */
    public static final int MAX_LIST = 500;

    /** The limits: response time, tokens, confidence. */
    public record Limits(double slowMs, long highTokens, double lowConfidence) {
        public static final Limits SEED = new Limits(20_000, 4_000, 0.5);
    }

    private Warnings() {}

    /** A turn's warnings from its figures ({@code response_time_ms}, {@code total_tokens_used}) and the scores on it and its calls. */
    public static List<Map<String, Object>> of(Map<String, Object> message, List<Map<String, Object>> scores, Map<String, ScoreDefinition> defs, Limits l) {
        List<Map<String, Object>> out = new ArrayList<>();
        double ms = number(message.get("response_time_ms"));
        if (ms >= l.slowMs()) out.add(warning("slow_execution", "responded in " + Math.round(ms) + " ms (limit " + Math.round(l.slowMs()) + ")"));
        long tokens = (long) number(message.get("total_tokens_used"));
        if (tokens >= l.highTokens()) out.add(warning("high_token_usage", tokens + " tokens (limit " + l.highTokens() + ")"));
        for (Map<String, Object> s : scores) {
            if (!(s.get("value") instanceof BigDecimal v)) continue;
            String name = (String) s.get("name");
            String who = s.get("source") + (s.get("evaluator") == null ? "" : " " + s.get("evaluator"));
            if (name.toLowerCase(Locale.ROOT).equals("confidence")) {
                if (v.doubleValue() < l.lowConfidence()) out.add(warning("low_confidence", "confidence " + v.stripTrailingZeros().toPlainString() + " from " + who));
            } else if (concern(v, defs.get(name))) {
                out.add(warning("quality_concern", name + " " + v.stripTrailingZeros().toPlainString() + " from " + who));
            }
        }
        return out;
    }

    /** Whether {@code v} is in the lower half of its definition's range, or a 0 on a boolean or undefined score. */
    static boolean concern(BigDecimal v, ScoreDefinition d) {
        if (d != null && d.type() == ScoreDefinition.Type.NUMERIC && d.min() != null && d.max() != null && d.max().compareTo(d.min()) > 0) {
            return v.subtract(d.min()).divide(d.max().subtract(d.min()), 6, RoundingMode.HALF_UP).compareTo(new BigDecimal("0.5")) < 0;
        }
        return (d == null || d.type() == ScoreDefinition.Type.BOOLEAN) && v.signum() == 0;
    }

    /** Every definition, by name. */
    public static Map<String, ScoreDefinition> definitions(Handle h) {
        return ScoreDefinitions.list(h).stream().collect(Collectors.toMap(ScoreDefinition::name, Function.identity()));
    }

    /**
     * The turns of a window with a warning (of {@code kind}, when given), newest first, at most {@code limit}: each
     * kind's turns found by the rule itself in SQL (so none is crowded out by turns that do not warn), the newest
     * {@code limit} of each, then their scores in one query.
     */
    public static List<Map<String, Object>> list(Handle h, Instant from, Instant to, String kind, Limits l, int limit) {
        Map<String, ScoreDefinition> defs = definitions(h);
        Map<String, Map<String, Object>> turns = new LinkedHashMap<>();
        String columns = "m.conversation_id, m.message_id, m.`timestamp`, m.user_input, m.response_time_ms, m.total_tokens_used";
        List<String> figures = new ArrayList<>();
        if (kind == null || kind.equals("slow_execution")) figures.add("m.response_time_ms >= :slow");
        if (kind == null || kind.equals("high_token_usage")) figures.add("m.total_tokens_used >= :tokens");
        for (String rule : figures) {
            h.createQuery("SELECT " + columns + " FROM chatbot_conversation_messages m WHERE m.`timestamp` >= :from AND m.`timestamp` < :to AND "
                            + rule + " ORDER BY m.`timestamp` DESC, m.id DESC LIMIT :n")
                    .bind("from", Utc.time(from)).bind("to", Utc.time(to)).bind("slow", l.slowMs()).bind("tokens", l.highTokens()).bind("n", limit)
                    .mapToMap().forEach(m -> turns.putIfAbsent(m.get("conversation_id") + " " + m.get("message_id"), m));
        }
        List<String> byScore = new ArrayList<>();
        // the rules of of(...) in SQL: a confidence under the limit; a number in the lower half of its definition's range, a 0 on a boolean or undefined score
        if (kind == null || kind.equals("low_confidence")) byScore.add("s.name = 'confidence' AND s.value < :conf");
        if (kind == null || kind.equals("quality_concern")) {
            byScore.add("s.name <> 'confidence' AND ((d.type = 'numeric' AND d.max_value > d.min_value AND (s.value - d.min_value) / (d.max_value - d.min_value) < 0.5)"
                    + " OR ((d.name IS NULL OR d.type = 'boolean') AND s.value = 0))");
        }
        for (String rule : byScore) {
            h.createQuery("SELECT DISTINCT " + columns + ", m.id FROM chatbot_scores s LEFT JOIN chatbot_score_definitions d ON d.name = s.name "
                            + "JOIN chatbot_conversation_messages m ON m.conversation_id = s.conversation_id AND m.message_id = s.message_id "
                            + "WHERE s.target_at >= :from AND s.target_at < :to AND s.value IS NOT NULL AND " + rule
                            + " ORDER BY m.`timestamp` DESC, m.id DESC LIMIT :n")
                    .bind("from", Utc.time(from)).bind("to", Utc.time(to)).bind("conf", l.lowConfidence()).bind("n", limit)
                    .mapToMap().forEach(m -> turns.putIfAbsent(m.get("conversation_id") + " " + m.get("message_id"), m));
        }
        Map<String, List<Map<String, Object>>> scores = new HashMap<>();
        if (!turns.isEmpty()) {
            h.createQuery("SELECT conversation_id, message_id, name, value, source, evaluator FROM chatbot_scores WHERE message_id IN (<ids>) AND value IS NOT NULL")
                    .bindList("ids", turns.values().stream().map(m -> m.get("message_id")).distinct().toList())
                    .mapToMap().forEach(x -> scores.computeIfAbsent(x.get("conversation_id") + " " + x.get("message_id"), k -> new ArrayList<>()).add(x));
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (var e : turns.entrySet()) {
            Map<String, Object> m = e.getValue();
            List<Map<String, Object>> w = of(m, scores.getOrDefault(e.getKey(), List.of()), defs, l);
            if (kind != null) w.removeIf(x -> !kind.equals(x.get("kind")));
            if (w.isEmpty()) continue;
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("conversation_id", m.get("conversation_id"));
            row.put("message_id", m.get("message_id"));
            Object at = m.get("timestamp");
            row.put("timestamp", at instanceof java.sql.Timestamp t ? Utc.instant(t.toLocalDateTime()).toString()
                    : at instanceof java.time.LocalDateTime t ? Utc.instant(t).toString() : String.valueOf(at));
            String input = String.valueOf(m.get("user_input"));
            row.put("user_input", input.length() > 200 ? input.substring(0, 200) + "…" : input);
            row.put("warnings", w);
            out.add(row);
        }
        out.sort(Comparator.comparing((Map<String, Object> r) -> (String) r.get("timestamp")).reversed());
        return out.size() > limit ? out.subList(0, limit) : out;
    }

    /** The limits as the routes show them. */
    public static Map<String, Object> json(Limits l) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("slow_ms", l.slowMs());
        m.put("high_tokens", l.highTokens());
        m.put("low_confidence", l.lowConfidence());
        return m;
    }

    private static Map<String, Object> warning(String kind, String detail) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", kind);
        m.put("detail", detail);
        return m;
    }

    private static double number(Object o) {
        return o instanceof Number n ? n.doubleValue() : 0;
    }
}
