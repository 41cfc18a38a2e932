package dev.chatlog.insights;

import static dev.chatlog.insights.CostDrivers.num;

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

/** Retry storms: one request failing again and again in a burst of retries. */
final class RetryStorms {
    private RetryStorms() {}

    /** A retry storm: this many failed attempts of one request, each at most {@link #STORM_GAP_SECONDS} after a failed one (a retry). */
    static final int STORM_FAILURES = 3;
    static final int STORM_GAP_SECONDS = 120;

    /**
     * One request ({@code request_hash}) failing at least {@link #STORM_FAILURES} times in a burst (each attempt at most
     * {@link #STORM_GAP_SECONDS} after the previous one): a retry storm. Per function, model and error category, the
     * failed attempts after the first failure of each storm are the waste: their cost and their time. Unpriced attempts
     * are counted, not priced: a storm of unpriced calls has no saving in USD.
     */
    static List<Finding> find(Scan s) {
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
}
