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
 * answers from calls that set no maximum output, the same request failing again and again (a retry storm), and a tool
 * called again with the same arguments in one turn (a tool loop). Each estimate is stated in the finding's detail.
 */
final class CostDrivers {
    private CostDrivers() {}

    /** Turn numbers above this are counted with it. */
    static final int MAX_TURN = 50;
    /** An answer this long from a call with no maximum output is "output-heavy". */
    static final int LONG_OUTPUT_TOKENS = 2_000;
    /** A retry storm: this many failed attempts of one request, each at most {@link #STORM_GAP_SECONDS} after a failed one (a retry). */
    static final int STORM_FAILURES = 3;
    static final int STORM_GAP_SECONDS = 120;
    /** A tool loop: one tool called this many times with the same arguments in one turn. */
    static final int LOOP_CALLS = 3;

    static List<Finding> find(Scan s) {
        List<Finding> out = new ArrayList<>();
        out.addAll(growingHistory(s));
        out.addAll(unboundedOutput(s));
        out.addAll(retryStorms(s));
        out.addAll(toolLoops(s));
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

    /**
     * One request ({@code request_hash}) failing at least {@link #STORM_FAILURES} times in a burst (each attempt at most
     * {@link #STORM_GAP_SECONDS} after the previous one): a retry storm. Per function, model and error category, the
     * failed attempts after the first failure of each storm are the waste: their cost and their time. Unpriced attempts
     * are counted, not priced: a storm of unpriced calls has no saving in USD.
     */
    static List<Finding> retryStorms(Scan s) {
        // the attempts of one request are cut into bursts: an attempt continues one when it follows a failed attempt by at
        // most STORM_GAP_SECONDS (a retry); after a success, or later, it starts another. The same request sent again an
        // hour later, or sent every minute and failing now and then, is not a storm
        List<Map<String, Object>> storms = s.jdbi().withHandle(h -> h.createQuery("""
                WITH a AS (
                    SELECT JSON_UNQUOTE(JSON_EXTRACT(metadata, '$.request_hash')) AS rh, """ + Scan.FUNCTION + """
                     AS fn, model, success, priced, cost_estimate, duration_ms, error_category, call_id, conversation_id, started_at
                    FROM chatbot_llm_calls WHERE started_at >= :from AND started_at < :to AND """ + Scan.CHAT + """
                ),
                g AS (
                    SELECT a.*, CASE WHEN TIMESTAMPDIFF(SECOND, LAG(started_at) OVER w, started_at) <= :gap AND LAG(success) OVER w = 0
                                     THEN 0 ELSE 1 END AS starts
                    FROM a WHERE rh IS NOT NULL
                    WINDOW w AS (PARTITION BY rh ORDER BY started_at, call_id)),
                b AS (
                    SELECT g.*, SUM(starts) OVER (PARTITION BY rh ORDER BY started_at, call_id ROWS UNBOUNDED PRECEDING) AS burst FROM g)
                SELECT MAX(fn) AS fn, MAX(model) AS model, rh, COUNT(*) AS attempts, SUM(CASE WHEN success = 0 THEN 1 ELSE 0 END) AS failures,
                       SUM(CASE WHEN success = 0 AND priced = 0 THEN 1 ELSE 0 END) AS unpriced_failures,
                       SUM(CASE WHEN success = 0 THEN COALESCE(cost_estimate, 0) ELSE 0 END) AS failed_cost,
                       MIN(CASE WHEN success = 0 AND priced = 1 THEN cost_estimate END) AS first_failed_cost,
                       SUM(CASE WHEN success = 0 THEN duration_ms ELSE 0 END) AS failed_ms,
                       MAX(error_category) AS category, MAX(CASE WHEN success = 1 THEN 1 ELSE 0 END) AS recovered,
                       SUBSTRING_INDEX(GROUP_CONCAT(call_id ORDER BY started_at SEPARATOR ','), ',', 5) AS sample_calls,
                       MAX(NULLIF(conversation_id, '')) AS conversation
                FROM b
                GROUP BY rh, burst
                HAVING SUM(CASE WHEN success = 0 THEN 1 ELSE 0 END) >= :failures
                ORDER BY NULL""")
                .bind("from", s.fromTime()).bind("to", s.toTime()).bind("failures", STORM_FAILURES).bind("gap", STORM_GAP_SECONDS)
                .mapToMap().list());
        Map<String, List<Map<String, Object>>> byKey = new LinkedHashMap<>();
        for (Map<String, Object> r : storms) {
            byKey.computeIfAbsent(r.get("fn") + "\u0000" + r.get("model") + "\u0000" + r.get("category"), k -> new ArrayList<>()).add(r);
        }
        List<Finding> out = new ArrayList<>();
        for (List<Map<String, Object>> group : byKey.values()) {
            Map<String, Object> first = group.get(0);
            String fn = (String) first.get("fn"), model = (String) first.get("model"), category = (String) first.get("category");
            long attempts = 0, failures = 0, recovered = 0, unpriced = 0;
            double ms = 0;
            BigDecimal wasted = BigDecimal.ZERO;
            List<String> callIds = new ArrayList<>(), conversations = new ArrayList<>();
            for (Map<String, Object> r : group) {
                attempts += (long) num(r, "attempts");
                failures += (long) num(r, "failures");
                recovered += (long) num(r, "recovered");
                unpriced += (long) num(r, "unpriced_failures");
                ms += num(r, "failed_ms");
                BigDecimal failedCost = Scan.usd((BigDecimal) r.get("failed_cost"));
                BigDecimal firstCost = Scan.usd((BigDecimal) r.get("first_failed_cost"));
                wasted = wasted.add(failedCost.subtract(firstCost).max(BigDecimal.ZERO));
                if (callIds.size() < 5) callIds.addAll(Scan.ids((String) r.get("sample_calls"), 5 - callIds.size()));
                if (r.get("conversation") != null && conversations.size() < 5) conversations.add((String) r.get("conversation"));
            }
            double wastedMs = ms * (failures - group.size()) / Math.max(1, failures); // the repeated failures' share of the time
            BigDecimal perDay = unpriced == failures ? null : s.perDay(wasted); // all unpriced: no saving in USD, not $0
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("model", model);
            detail.put("storms", group.size());
            detail.put("unpriced_failed_attempts", unpriced);
            detail.put("attempts", attempts);
            detail.put("failed_attempts", failures);
            detail.put("storms_recovered", recovered);
            detail.put("error_category", category);
            detail.put("repeated_failures_cost_usd", wasted);
            detail.put("repeated_failures_ms", Math.round(wastedMs));
            out.add(new Finding(Kind.RETRY_STORM, new Subject("function", fn),
                    group.size() + " retry storm" + (group.size() == 1 ? "" : "s") + " of '" + fn + "' on " + model + ": " + failures
                            + " failed attempts of the same request" + (category == null ? "" : " (" + category + ")"),
                    perDay, perDay == null ? null : Scan.perMonth(perDay), wastedMs / s.days(), Confidence.HIGH,
                    "the same request (model, messages, parameters) failed " + STORM_FAILURES + "+ times, each attempt at most " + STORM_GAP_SECONDS
                            + " s after the previous; every failure after the first is counted as waste"
                            + (unpriced > 0 ? "; " + unpriced + " failed attempts are unpriced and not in the saving" : ""),
                    retryAdvice(category),
                    new Evidence(attempts, wasted, callIds, conversations, s.links(conversations, "function", fn.equals("(none)") ? null : fn,
                            "model", model, "success", "false")), detail));
        }
        return out;
    }

    static String retryAdvice(String category) {
        if (category == null) return "Cap the retries and back off exponentially with jitter.";
        return switch (category) {
            case "rate_limited" -> "Back off exponentially with jitter and honour Retry-After; spread the load or raise the rate limit.";
            case "context_length_exceeded", "invalid_request", "authentication", "model_not_found", "content_filtered" ->
                    "Do not retry " + category + " errors: the same request fails the same way. Fix the request instead.";
            case "timeout" -> "A request that times out keeps timing out: raise the timeout or shorten the request, and cap the retries.";
            default -> "Cap the retries and back off exponentially with jitter.";
        };
    }

    /**
     * A tool called {@link #LOOP_CALLS}+ times with the same arguments in one turn: every execution after the first is a
     * loop, and each cost a model round trip (the call that asked for it), priced at the turn's mean model-call cost.
     */
    static List<Finding> toolLoops(Scan s) {
        List<Map<String, Object>> loops = s.jdbi().withHandle(h -> h.createQuery("""
                SELECT l.tool, l.conversation_id, l.message_id, l.executions, l.sample_call,
                       (SELECT SUM(c.cost_estimate) FROM chatbot_llm_calls c WHERE c.conversation_id = l.conversation_id
                            AND c.message_id = l.message_id AND c.call_type IN ('chat', 'streaming_chat') AND c.priced = 1) AS turn_cost,
                       (SELECT COUNT(*) FROM chatbot_llm_calls c WHERE c.conversation_id = l.conversation_id
                            AND c.message_id = l.message_id AND c.call_type IN ('chat', 'streaming_chat') AND c.priced = 1) AS turn_calls
                FROM (SELECT COALESCE(function_name, '(unnamed)') AS tool, conversation_id, message_id, COUNT(*) AS executions,
                             MIN(call_id) AS sample_call
                      FROM chatbot_llm_calls
                      WHERE started_at >= :from AND started_at < :to AND call_type = 'tool' AND message_id <> ''
                        AND input_text IS NOT NULL -- arguments not stored (capture off, erased by retention) cannot be compared
                      GROUP BY tool, conversation_id, message_id, MD5(input_text)
                      HAVING COUNT(*) >= :loop
                      ORDER BY executions DESC LIMIT 1000) l""")
                .bind("from", s.fromTime()).bind("to", s.toTime()).bind("loop", LOOP_CALLS).mapToMap().list());
        Map<String, List<Map<String, Object>>> byTool = new LinkedHashMap<>();
        for (Map<String, Object> r : loops) byTool.computeIfAbsent((String) r.get("tool"), k -> new ArrayList<>()).add(r);
        List<Finding> out = new ArrayList<>();
        for (var e : byTool.entrySet()) {
            long extra = 0, executions = 0;
            BigDecimal wasted = BigDecimal.ZERO;
            List<String> callIds = new ArrayList<>(), conversations = new ArrayList<>();
            for (Map<String, Object> r : e.getValue()) {
                long n = (long) num(r, "executions");
                executions += n;
                extra += n - 1;
                long turnCalls = (long) num(r, "turn_calls");
                if (turnCalls > 0) {
                    wasted = wasted.add(Scan.usd((BigDecimal) r.get("turn_cost")).multiply(BigDecimal.valueOf(n - 1))
                            .divide(BigDecimal.valueOf(turnCalls), 10, RoundingMode.HALF_UP));
                }
                if (callIds.size() < 5) callIds.add((String) r.get("sample_call"));
                if (conversations.size() < 5 && !conversations.contains((String) r.get("conversation_id"))) conversations.add((String) r.get("conversation_id"));
            }
            wasted = Scan.usd(wasted);
            BigDecimal perDay = wasted.signum() == 0 ? null : s.perDay(wasted); // no priced model call in the loops' turns: no saving in USD
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("looping_turns", e.getValue().size());
            detail.put("executions", executions);
            detail.put("repeated_executions", extra);
            detail.put("round_trips_cost_usd", wasted);
            out.add(new Finding(Kind.TOOL_LOOP, new Subject("tool", e.getKey()),
                    "The tool '" + e.getKey() + "' was called again with the same arguments " + extra + " times in " + e.getValue().size() + " turn"
                            + (e.getValue().size() == 1 ? "" : "s"),
                    perDay, perDay == null ? null : Scan.perMonth(perDay), null, Confidence.MEDIUM,
                    "same tool, same arguments, same turn, " + LOOP_CALLS + "+ times; each repeat priced at one model call of its turn (the one that asked for it)",
                    "Return a clearer tool result (the model asks again when the answer does not settle the question), "
                            + "remember results within the turn, or cap the tool calls per turn.",
                    new Evidence(executions, wasted, callIds, conversations, s.links(conversations)), detail));
        }
        return out;
    }

    static double num(Map<String, Object> r, String k) {
        Object v = r.get(k);
        return v == null ? 0 : ((Number) v).doubleValue();
    }
}
