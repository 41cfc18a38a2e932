package dev.chatlog.insights;

import dev.chatlog.core.price.Rates;
import dev.chatlog.experiments.stats.Welch;
import dev.chatlog.insights.Finding.Confidence;
import dev.chatlog.insights.Finding.Evidence;
import dev.chatlog.insights.Finding.Kind;
import dev.chatlog.insights.Finding.Subject;
import dev.chatlog.quality.stats.Proportions;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cheaper model candidates, per function (else agent): the model that costs the function most, and a model that would
 * cost it less. Where the cheaper model already served the function in the window (an experiment's arm, a share of the
 * traffic), the finding carries the quality difference with its 95% interval — the success rate (two-proportion test)
 * and every numeric score both have at least 10 of (Welch) — and is made only when none is significantly worse; the
 * saving is the difference of their measured cost per call times the expensive model's calls. With no such evidence, a
 * chat model the application uses elsewhere that would cost less on the function's own token mix (priced at its rates)
 * is suggested with an experiment's definition to find out: a low-confidence saving.
 */
final class CheaperModels {
    private CheaperModels() {}

    /** A model's use on one function in the window. */
    record Use(String fn, String model, String provider, long calls, long priced, BigDecimal cost, double inputTokens,
               double outputTokens, double cachedTokens, long successes, String arms, String sampleCalls, String sampleConversations) {
        BigDecimal costPerCall() {
            return priced == 0 ? null : cost.divide(BigDecimal.valueOf(priced), 10, RoundingMode.HALF_UP);
        }
    }

    /** Below this many calls on the function, a model's figures are not compared. */
    static final int MIN_CALLS = 20;

    static List<Finding> find(Scan s) {
        List<Use> uses = s.jdbi().withHandle(h -> h.createQuery("""
                SELECT """ + Scan.FUNCTION + """
                 AS fn, model, MAX(provider) AS provider, COUNT(*) AS calls, SUM(CASE WHEN priced = 1 THEN 1 ELSE 0 END) AS priced,
                       SUM(COALESCE(cost_estimate, 0)) AS cost, SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens,
                       SUM(cached_input_tokens) AS cached_tokens, SUM(CASE WHEN success = 1 THEN 1 ELSE 0 END) AS successes,
                       CONCAT_WS(',', MIN(arm), NULLIF(MAX(arm), MIN(arm))) AS arms,
                       CONCAT_WS(',', MIN(call_id), MAX(call_id)) AS sample_calls,
                       CONCAT_WS(',', MIN(NULLIF(conversation_id, '')), MAX(NULLIF(conversation_id, ''))) AS sample_conversations
                FROM chatbot_llm_calls
                WHERE started_at >= :from AND started_at < :to AND """ + Scan.CHAT + """
                 AND model IS NOT NULL
                GROUP BY fn, model ORDER BY NULL""").bind("from", s.fromTime()).bind("to", s.toTime())
                .map((rs, ctx) -> new Use(rs.getString("fn"), rs.getString("model"), rs.getString("provider"), rs.getLong("calls"),
                        rs.getLong("priced"), Scan.usd(rs.getBigDecimal("cost")), rs.getDouble("input_tokens"), rs.getDouble("output_tokens"),
                        rs.getDouble("cached_tokens"), rs.getLong("successes"), rs.getString("arms"), rs.getString("sample_calls"),
                        rs.getString("sample_conversations"))).list());
        Map<String, List<Use>> byFunction = new LinkedHashMap<>();
        for (Use u : uses) byFunction.computeIfAbsent(u.fn(), k -> new ArrayList<>()).add(u);
        Map<String, Map<String, double[]>> scores = scores(s);
        List<String> modelsInUse = uses.stream().filter(u -> u.calls() >= MIN_CALLS).sorted(Comparator.comparingLong(Use::calls).reversed())
                .map(Use::model).distinct().toList();
        Map<String, String> providers = new LinkedHashMap<>();
        for (Use u : uses) providers.putIfAbsent(u.model(), u.provider());
        List<Finding> out = new ArrayList<>();
        for (var e : byFunction.entrySet()) {
            List<Use> models = e.getValue();
            Use top = models.stream().max(Comparator.comparing(Use::cost)).orElseThrow();
            BigDecimal topPerCall = top.costPerCall();
            if (top.calls() < MIN_CALLS || topPerCall == null || topPerCall.signum() == 0) continue;
            BigDecimal fnCost = models.stream().map(Use::cost).reduce(BigDecimal.ZERO, BigDecimal::add);
            Finding best = null;
            for (Use c : models) { // evidence: the cheaper model already served this function
                if (c == top || c.calls() < MIN_CALLS || c.costPerCall() == null || c.costPerCall().compareTo(topPerCall) >= 0) continue;
                Finding f = withEvidence(s, e.getKey(), top, c, fnCost, scores);
                if (f != null && (best == null || f.savingPerDayUsd().compareTo(best.savingPerDayUsd()) > 0)) best = f;
            }
            if (best == null && models.stream().noneMatch(c -> c != top && c.calls() >= MIN_CALLS && c.costPerCall() != null
                    && c.costPerCall().compareTo(topPerCall) < 0)) {
                best = withoutEvidence(s, e.getKey(), top, fnCost, modelsInUse, providers);
            }
            if (best != null) out.add(best);
        }
        return out;
    }

    private static Finding withEvidence(Scan s, String fn, Use top, Use c, BigDecimal fnCost, Map<String, Map<String, double[]>> scores) {
        Map<String, Object> quality = new LinkedHashMap<>();
        // Proportions.compare's difference is the first's rate minus the second's: expensive minus cheaper, so the cheaper
        // model is significantly worse when the interval lies above 0
        Proportions.Difference success = Proportions.compare(top.successes(), top.calls(), c.successes(), c.calls(), 0.95);
        if (success.interval().lower() > 0) return null; // significantly less successful: not a candidate
        quality.put("success_rate", Map.of("expensive", round(success.p1()), "cheaper", round(success.p2()),
                "difference", round(-success.difference()), // cheaper minus expensive, as the scores' differences
                "interval", List.of(round(-success.interval().upper()), round(-success.interval().lower())), "p_value", success.pValue()));
        boolean narrow = success.interval().upper() < 0.05; // the cheaper model at most 5 points less successful, at 95%
        Map<String, double[]> topScores = scores.getOrDefault(fn + "\u0000" + top.model(), Map.of());
        Map<String, double[]> cScores = scores.getOrDefault(fn + "\u0000" + c.model(), Map.of());
        for (var sc : topScores.entrySet()) {
            double[] a = sc.getValue(), b = cScores.get(sc.getKey());
            if (b == null || a[0] < 10 || b[0] < 10) continue;
            var sa = dev.chatlog.experiments.stats.Summary.of((long) a[0], a[1], a[2]);
            var sb = dev.chatlog.experiments.stats.Summary.of((long) b[0], b[1], b[2]);
            Welch.Difference d = Welch.compare(sa, sb, 0.95);
            Map<String, Object> q = new LinkedHashMap<>();
            q.put("expensive", round(sa.mean()));
            q.put("cheaper", round(sb.mean()));
            q.put("difference", round(sb.mean() - sa.mean()));
            if (d.defined()) {
                if (d.interval().upper() < 0) return null; // a score significantly worse on the cheaper model
                q.put("interval", List.of(round(d.interval().lower()), round(d.interval().upper())));
                q.put("p_value", d.pValue());
            }
            quality.put("score:" + sc.getKey(), q);
        }
        BigDecimal perCallSaving = top.costPerCall().subtract(c.costPerCall());
        BigDecimal saving = perCallSaving.multiply(BigDecimal.valueOf(top.calls()));
        BigDecimal perDay = s.perDay(saving);
        boolean large = top.calls() >= 200 && c.calls() >= 200;
        Confidence conf = large && narrow ? Confidence.HIGH : Confidence.MEDIUM;
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("expensive_model", top.model());
        detail.put("cheaper_model", c.model());
        detail.put("evidence", c.arms() != null && !c.arms().isEmpty() ? "experiment arms " + c.arms() : "calls of the function on both models");
        detail.put("expensive_calls", top.calls());
        detail.put("cheaper_calls", c.calls());
        detail.put("expensive_cost_per_call_usd", top.costPerCall().setScale(8, RoundingMode.HALF_UP));
        detail.put("cheaper_cost_per_call_usd", c.costPerCall().setScale(8, RoundingMode.HALF_UP));
        detail.put("function_cost_usd", fnCost);
        detail.put("cost_share", share(top.cost(), fnCost));
        detail.put("quality", quality);
        List<String> conversations = Scan.ids(c.sampleConversations(), 5);
        return new Finding(Kind.CHEAPER_MODEL, new Subject("function", fn),
                "'" + fn + "' could move from " + top.model() + " to " + c.model() + ", no worse on the evidence the log holds",
                perDay, Scan.perMonth(perDay), null, conf,
                "measured on " + c.calls() + " calls of " + c.model() + " and " + top.calls() + " of " + top.model()
                        + " on this function; no quality measure is significantly worse"
                        + (narrow ? " and the success rate is at most 5 points worse at 95%" : ", but the interval still allows a drop of more than 5 points"),
                "Move '" + fn + "' to " + c.model() + " (or raise its share in the experiment that measured it).",
                new Evidence(c.calls() + top.calls(), top.cost().add(c.cost()), Scan.ids(c.sampleCalls(), 5), conversations,
                        s.links(conversations, "function", fn.equals("(none)") ? null : fn, "model", c.model())), detail);
    }

    private static Finding withoutEvidence(Scan s, String fn, Use top, BigDecimal fnCost, List<String> modelsInUse, Map<String, String> providers) {
        double n = top.calls();
        Finding best = null;
        for (String m : modelsInUse) {
            if (m.equals(top.model())) continue;
            Rates rates = s.rates(m, providers.get(m)).orElse(null);
            if (rates == null || !rates.pricesTokens()) continue;
            BigDecimal perCall = rates.cost(Math.round(top.inputTokens() / n), Math.round(top.cachedTokens() / n), 0, Math.round(top.outputTokens() / n));
            // at least 20% cheaper on this function's own tokens: a smaller gap is not worth an experiment
            if (perCall.compareTo(top.costPerCall().multiply(new BigDecimal("0.8"))) > 0) continue;
            BigDecimal perDay = s.perDay(top.costPerCall().subtract(perCall).multiply(BigDecimal.valueOf(top.calls())));
            if (best != null && perDay.compareTo(best.savingPerDayUsd()) <= 0) continue;
            Map<String, Object> experiment = new LinkedHashMap<>();
            experiment.put("name", experimentName(fn, m));
            experiment.put("definition", Map.of(
                    "variants", List.of(Map.of("name", "control", "percent", 50, "model", top.model()),
                            Map.of("name", "cheaper", "percent", 50, "model", m)),
                    "primary_metric", "success_rate", "guardrails", List.of("latency_ms", "cost_per_turn")));
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("expensive_model", top.model());
            detail.put("cheaper_model", m);
            detail.put("evidence", "none: " + m + " has not served this function");
            detail.put("expensive_calls", top.calls());
            detail.put("expensive_cost_per_call_usd", top.costPerCall().setScale(8, RoundingMode.HALF_UP));
            detail.put("cheaper_cost_per_call_usd", perCall.setScale(8, RoundingMode.HALF_UP));
            detail.put("function_cost_usd", fnCost);
            detail.put("cost_share", share(top.cost(), fnCost));
            detail.put("experiment", experiment);
            List<String> conversations = Scan.ids(top.sampleConversations(), 5);
            best = new Finding(Kind.CHEAPER_MODEL, new Subject("function", fn),
                    "'" + fn + "' on " + top.model() + " might cost less on " + m + ": no evidence of its quality yet",
                    perDay, Scan.perMonth(perDay), null, Confidence.LOW,
                    "the saving prices this function's average tokens per call at " + m + "'s rates; the log holds no measure of "
                            + m + "'s quality on this function",
                    "Run an experiment to measure it: the definition in detail.experiment creates one (PUT /logging-dashboard/experiments/"
                            + experiment.get("name") + ", then start it).",
                    new Evidence(top.calls(), top.cost(), Scan.ids(top.sampleCalls(), 5), conversations,
                            s.links(conversations, "function", fn.equals("(none)") ? null : fn, "model", top.model())), detail);
        }
        return best;
    }

    /** An experiment's name (1 to 64 of letters, digits and . _ : -) for trying {@code model} on {@code fn}. */
    static String experimentName(String fn, String model) {
        String n = ("cheaper-" + fn + "-" + model).replaceAll("[^A-Za-z0-9._:-]", "-");
        return n.length() <= 64 ? n : n.substring(0, 64);
    }

    /** Numeric scores in the window per function and model, by name: {count, sum, sum of squares}. */
    private static Map<String, Map<String, double[]>> scores(Scan s) {
        Map<String, Map<String, double[]>> out = new LinkedHashMap<>();
        s.jdbi().useHandle(h -> h.createQuery("""
                SELECT COALESCE(NULLIF(function_name, ''), NULLIF(agent, ''), '(none)') AS fn, model, name, COUNT(*) AS n,
                       SUM(value) AS s, SUM(value * value) AS ss
                FROM chatbot_scores WHERE target_at >= :from AND target_at < :to AND value IS NOT NULL AND model IS NOT NULL
                GROUP BY fn, model, name ORDER BY NULL""").bind("from", s.fromTime()).bind("to", s.toTime())
                .map((rs, ctx) -> {
                    out.computeIfAbsent(rs.getString("fn") + "\u0000" + rs.getString("model"), k -> new LinkedHashMap<>())
                            .put(rs.getString("name"), new double[] {rs.getLong("n"), rs.getDouble("s"), rs.getDouble("ss")});
                    return 0;
                }).list());
        return out;
    }

    private static double share(BigDecimal part, BigDecimal whole) {
        return whole.signum() == 0 ? 0 : part.divide(whole, 4, RoundingMode.HALF_UP).doubleValue();
    }

    private static double round(double v) {
        return Double.isFinite(v) ? Math.round(v * 10_000) / 10_000.0 : v;
    }
}
