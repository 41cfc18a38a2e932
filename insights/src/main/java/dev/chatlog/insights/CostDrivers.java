package dev.chatlog.insights;

import dev.chatlog.core.price.Rates;
import dev.chatlog.insights.Finding.Confidence;
import dev.chatlog.insights.Finding.Evidence;
import dev.chatlog.insights.Finding.Kind;
import dev.chatlog.insights.Finding.Subject;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.statistics.distribution.TDistribution;

/**
 * What makes calls cost more than they need to: prompts that grow with the conversation (history not trimmed), long
 * answers from calls that set no maximum output, and — in {@link RetryStorms} and {@link ToolLoops} — the same request
 * failing again and again, and a tool called again with the same arguments in one turn. Each estimate is stated in the
 * finding's detail.
 */
final class CostDrivers {
    private CostDrivers() {}

    /** Turn numbers above this are counted with it. */
    static final int MAX_TURN = 50;
    /** An answer this long from a call with no maximum output is "output-heavy". */
    static final int LONG_OUTPUT_TOKENS = 2_000;

    static List<Finding> find(Scan s) {
        List<Finding> out = new ArrayList<>();
        out.addAll(growingHistory(s));
        out.addAll(unboundedOutput(s));
        out.addAll(RetryStorms.find(s));
        out.addAll(ToolLoops.find(s));
        return out;
    }

    /**
     * Input tokens per call against the call's turn number in its conversation (its function's n-th turn in the window),
     * per function and model: a slope significantly above 0 (least squares, 95%) that doubles the prompt by the tenth
     * turn. The saving: trimming every later prompt to the size it has at turn 3, at the model's input rate.
     */
    static List<Finding> growingHistory(Scan s) {
        List<Map<String, Object>> rows = s.jdbi().withHandle(h -> h.createQuery("""
                WITH t AS (
                    SELECT conversation_id, message_id, """ + Scan.FUNCTION + """
                     AS fn, model, MAX(provider) AS provider, AVG(input_tokens) AS tokens, MIN(started_at) AS at
                    FROM chatbot_llm_calls
                    WHERE started_at >= :from AND started_at < :to AND """ + Scan.CHAT + """
                     AND conversation_id <> '' AND message_id <> '' AND model IS NOT NULL
                    GROUP BY conversation_id, message_id, fn, model),
                r AS (SELECT fn, model, provider, conversation_id, tokens,
                             DENSE_RANK() OVER (PARTITION BY conversation_id, fn, model ORDER BY at, message_id) AS turn FROM t)
                SELECT fn, model, MAX(provider) AS provider, LEAST(turn, :max) AS turn, COUNT(*) AS n, SUM(tokens) AS s, SUM(tokens * tokens) AS ss,
                       CONCAT_WS(',', MIN(conversation_id), MAX(conversation_id)) AS sample_conversations
                FROM r GROUP BY fn, model, LEAST(turn, :max) ORDER BY fn, model, turn""")
                .bind("from", s.fromTime()).bind("to", s.toTime()).bind("max", MAX_TURN).mapToMap().list());
        Map<String, List<Map<String, Object>>> byKey = new LinkedHashMap<>();
        for (Map<String, Object> r : rows) byKey.computeIfAbsent(r.get("fn") + "\u0000" + r.get("model"), k -> new ArrayList<>()).add(r);
        List<Finding> out = new ArrayList<>();
        for (List<Map<String, Object>> turns : byKey.values()) {
            double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0;
            int maxTurn = 0;
            for (Map<String, Object> r : turns) {
                double t = num(r, "turn"), c = num(r, "n"), y = num(r, "s"), yy = num(r, "ss");
                n += c; sx += c * t; sy += y; sxx += c * t * t; sxy += t * y; syy += yy;
                if (c >= 5) maxTurn = Math.max(maxTurn, (int) t);
            }
            if (n < 20 || maxTurn < 5) continue;
            double vx = sxx - sx * sx / n, cxy = sxy - sx * sy / n, vy = syy - sy * sy / n;
            if (vx <= 0) continue;
            double slope = cxy / vx, intercept = sy / n - slope * sx / n;
            double sse = Math.max(0, vy - slope * cxy);
            double se = Math.sqrt(sse / (n - 2) / vx);
            double lower = slope - TDistribution.of(n - 2).inverseSurvivalProbability(0.025) * se;
            double atOne = intercept + slope, atTen = intercept + slope * 10;
            if (!(lower > 0) || atOne <= 0 || atTen < 2 * atOne) continue;
            String fn = (String) turns.get(0).get("fn"), model = (String) turns.get(0).get("model");
            double cap = turns.stream().filter(r -> num(r, "turn") == 3).findFirst().map(r -> num(r, "s") / num(r, "n"))
                    .orElse(intercept + slope * 3);
            double excess = 0;
            long calls = 0;
            for (Map<String, Object> r : turns) {
                double mean = num(r, "s") / num(r, "n");
                if (mean > cap) {
                    excess += num(r, "n") * (mean - cap);
                    calls += (long) num(r, "n");
                }
            }
            Rates rates = s.rates(model, (String) turns.get(0).get("provider")).orElse(null);
            BigDecimal saving = rates == null || rates.input() == null ? null : Scan.tokens(excess, rates.input().base());
            BigDecimal perDay = saving == null ? null : s.perDay(saving);
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("model", model);
            detail.put("tokens_per_turn_slope", Math.round(slope * 10) / 10.0);
            detail.put("slope_interval_lower", Math.round(lower * 10) / 10.0);
            detail.put("tokens_at_turn_1", Math.round(atOne));
            detail.put("tokens_at_turn_10", Math.round(atTen));
            detail.put("trimmed_to_tokens", Math.round(cap));
            detail.put("excess_input_tokens", Math.round(excess));
            detail.put("longest_turn", maxTurn);
            List<String> conversations = Scan.ids((String) turns.get(turns.size() - 1).get("sample_conversations"), 5);
            out.add(new Finding(Kind.GROWING_HISTORY, new Subject("function", fn),
                    "The prompt of '" + fn + "' on " + model + " grows by " + Math.round(slope) + " tokens a turn (" + Math.round(atOne)
                            + " at turn 1, " + Math.round(atTen) + " at turn 10)",
                    perDay, perDay == null ? null : Scan.perMonth(perDay), null, n >= 200 ? Confidence.HIGH : Confidence.MEDIUM,
                    "least-squares slope of input tokens on the turn number over " + (long) n + " turns, 95% lower bound "
                            + Math.round(lower) + " tokens a turn; the saving trims every later prompt to its size at turn 3",
                    "Trim or summarise the conversation history of '" + fn + "' (a message window, a token window, or a running summary).",
                    new Evidence(calls, saving, List.of(), conversations, s.links(conversations, "function", fn.equals("(none)") ? null : fn, "model", model)),
                    detail));
        }
        return out;
    }

    /**
     * Calls that set no maximum output ({@code max_output_tokens} absent from their parameters) and answered with at least
     * {@link #LONG_OUTPUT_TOKENS} tokens: the tokens beyond that, at the model's output rate, are what a cap at it would
     * have cut — if those answers were longer than needed, which only the reader of them can tell: low confidence.
     */
    static List<Finding> unboundedOutput(Scan s) {
        List<Map<String, Object>> rows = s.jdbi().withHandle(h -> h.createQuery("""
                SELECT """ + Scan.FUNCTION + """
                 AS fn, model, MAX(provider) AS provider, COUNT(*) AS calls, SUM(output_tokens - :cap) AS excess,
                       SUM(output_tokens) AS output_tokens, MAX(output_tokens) AS longest,
                       CONCAT_WS(',', MIN(call_id), MAX(call_id)) AS sample_calls,
                       CONCAT_WS(',', MIN(NULLIF(conversation_id, '')), MAX(NULLIF(conversation_id, ''))) AS sample_conversations
                FROM chatbot_llm_calls
                WHERE started_at >= :from AND started_at < :to AND """ + Scan.CHAT + """
                 AND success = 1 AND output_tokens >= :cap AND model IS NOT NULL
                  AND JSON_EXTRACT(COALESCE(metadata, '{}'), '$.max_output_tokens') IS NULL
                GROUP BY fn, model HAVING COUNT(*) >= 5 ORDER BY excess DESC""")
                .bind("from", s.fromTime()).bind("to", s.toTime()).bind("cap", LONG_OUTPUT_TOKENS).mapToMap().list());
        List<Finding> out = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            String fn = (String) r.get("fn"), model = (String) r.get("model");
            long calls = (long) num(r, "calls");
            double excess = num(r, "excess");
            Rates rates = s.rates(model, (String) r.get("provider")).orElse(null);
            BigDecimal saving = rates == null || rates.output() == null ? null : Scan.tokens(excess, rates.output().base());
            BigDecimal perDay = saving == null ? null : s.perDay(saving);
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("model", model);
            detail.put("long_answers", calls);
            detail.put("output_tokens", (long) num(r, "output_tokens"));
            detail.put("tokens_beyond_cap", (long) excess);
            detail.put("suggested_max_output_tokens", LONG_OUTPUT_TOKENS);
            detail.put("longest_answer_tokens", (long) num(r, "longest"));
            List<String> conversations = Scan.ids((String) r.get("sample_conversations"), 5);
            out.add(new Finding(Kind.UNBOUNDED_OUTPUT, new Subject("function", fn),
                    calls + " answers of '" + fn + "' on " + model + " ran past " + LONG_OUTPUT_TOKENS + " tokens with no maximum output set",
                    perDay, perDay == null ? null : Scan.perMonth(perDay), null, Confidence.LOW,
                    "the tokens beyond " + LONG_OUTPUT_TOKENS + " at the output rate; whether those answers needed their length is not in the log",
                    "Set maxOutputTokens on the model of '" + fn + "' (and ask for brevity in its prompt) if its answers need not be this long.",
                    new Evidence(calls, saving, Scan.ids((String) r.get("sample_calls"), 5), conversations,
                            s.links(conversations, "function", fn.equals("(none)") ? null : fn, "model", model)), detail));
        }
        return out;
    }

    static double num(Map<String, Object> r, String k) {
        Object v = r.get(k);
        return v == null ? 0 : ((Number) v).doubleValue();
    }
}
