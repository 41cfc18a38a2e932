package dev.chatlog.quality.analysis;

import dev.chatlog.core.score.ScoreDefinition;
import dev.chatlog.quality.stats.Agreement;
import dev.chatlog.quality.stats.Correlation;
import dev.chatlog.quality.stats.Interval;
import dev.chatlog.sql.Utc;
import dev.chatlog.sql.score.ScoreDefinitions;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jdbi.v3.core.Jdbi;

/**
 * How far each judge agrees with people: for one score name, the targets (messages, calls, conversations of the window)
 * that carry both a person's score ({@code human}; the latest when there are several) and a judge's
 * ({@code llm_judge}), paired per judge and version. Labels and booleans get Cohen's kappa; numbers Pearson's and
 * Spearman's correlations, and — on an integral scale a definition bounds (1 to 5) — kappa with quadratic weights,
 * where near misses count as partial agreement. Each with the number of pairs and a 95% interval: a judge is trusted
 * only as far as the interval's lower end.
 */
public final class Agreements {
    /** The most pairs read for one name (the newest). */
    public static final int MAX_PAIRS = 100_000;
    private static final double CONFIDENCE = 0.95;
    private final Jdbi jdbi;
    private final ScoreDefinitions definitions;

    public Agreements(Jdbi jdbi, ScoreDefinitions definitions) {
        this.jdbi = jdbi;
        this.definitions = definitions;
    }

    private record Pair(BigDecimal judge, String judgeLabel, BigDecimal human, String humanLabel) {}

    public Map<String, Object> of(String name, Instant from, Instant to) {
        ScoreDefinition def = definitions.get(name).orElse(null);
        Map<String, List<Pair>> byJudge = new TreeMap<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        jdbi.useHandle(h -> h.createQuery("""
                SELECT j.evaluator, j.evaluator_version, j.target_type, j.target_id, j.value jv, j.label jl, x.value hv, x.label hl
                FROM chatbot_scores j
                JOIN chatbot_scores x ON x.conversation_id = j.conversation_id AND x.target_type = j.target_type
                                     AND x.target_id = j.target_id AND x.name = j.name AND x.source = 'human'
                WHERE j.name = :name AND j.source = 'llm_judge' AND j.target_at >= :from AND j.target_at < :to
                ORDER BY j.target_at DESC, x.scored_at DESC, x.id DESC LIMIT :n""")
                .bind("name", name).bind("from", Utc.time(from)).bind("to", Utc.time(to)).bind("n", MAX_PAIRS)
                .map((rs, ctx) -> {
                    String judge = rs.getString("evaluator") + '\u0000' + (rs.getString("evaluator_version") == null ? "" : rs.getString("evaluator_version"));
                    String target = rs.getString("target_type") + ':' + rs.getString("target_id");
                    return new Object[] {judge, target, new Pair(rs.getBigDecimal("jv"), rs.getString("jl"), rs.getBigDecimal("hv"), rs.getString("hl"))};
                }).forEach(row -> {
                    // the first row of a (judge, target) is its latest human score: the others are older ones
                    if (seen.add((String) row[0] + '\u0001' + row[1])) {
                        byJudge.computeIfAbsent((String) row[0], k -> new ArrayList<>()).add((Pair) row[2]);
                    }
                }));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", name);
        out.put("type", def == null ? null : def.type().dbValue());
        List<Map<String, Object>> judges = new ArrayList<>();
        for (var e : byJudge.entrySet()) {
            String[] k = e.getKey().split("\u0000", 2);
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("evaluator", k[0]);
            j.put("evaluator_version", k[1].isEmpty() ? null : k[1]);
            j.putAll(measure(e.getValue(), def));
            judges.add(j);
        }
        out.put("judges", judges);
        return out;
    }

    /** The agreement of one judge's pairs: kappa for labels and booleans, correlations (and weighted kappa on a bounded integral scale) for numbers. */
    static Map<String, Object> measure(List<Pair> pairs, ScoreDefinition def) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pairs", pairs.size());
        boolean labels = pairs.stream().anyMatch(p -> p.judgeLabel() != null || p.humanLabel() != null);
        if (labels) {
            List<String> categories = def != null && def.labels() != null ? def.labels()
                    : pairs.stream().flatMap(p -> java.util.stream.Stream.of(p.judgeLabel(), p.humanLabel())).filter(java.util.Objects::nonNull).distinct().sorted().toList();
            List<String> a = new ArrayList<>(), b = new ArrayList<>();
            for (Pair p : pairs) {
                if (p.judgeLabel() != null && p.humanLabel() != null && categories.contains(p.judgeLabel()) && categories.contains(p.humanLabel())) {
                    a.add(p.judgeLabel());
                    b.add(p.humanLabel());
                }
            }
            m.put("kappa", kappa(a, b, categories, Agreement.Weights.NONE));
            return m;
        }
        double[] x = pairs.stream().mapToDouble(p -> p.judge().doubleValue()).toArray();
        double[] y = pairs.stream().mapToDouble(p -> p.human().doubleValue()).toArray();
        long exact = pairs.stream().filter(p -> p.judge().compareTo(p.human()) == 0).count();
        m.put("exact_agreement", pairs.isEmpty() ? null : (double) exact / pairs.size());
        List<BigDecimal> scale = scale(def, pairs);
        if (scale != null && !pairs.stream().allMatch(p -> scale.contains(p.judge().stripTrailingZeros()) && scale.contains(p.human().stripTrailingZeros()))) {
            m.put("kappa_note", "scores outside the definition's scale (given before it changed): no kappa, correlations only");
        } else if (scale != null) {
            List<BigDecimal> a = pairs.stream().map(p -> p.judge().stripTrailingZeros()).toList();
            List<BigDecimal> b = pairs.stream().map(p -> p.human().stripTrailingZeros()).toList();
            boolean binary = scale.size() == 2;
            m.put("kappa", kappa(a, b, scale, Agreement.Weights.NONE));
            if (!binary) m.put("weighted_kappa", kappa(a, b, scale, Agreement.Weights.QUADRATIC));
        }
        m.put("pearson", correlation(() -> Correlation.pearson(x, y, CONFIDENCE)));
        m.put("spearman", correlation(() -> Correlation.spearman(x, y, CONFIDENCE)));
        return m;
    }

    /** The categories of a number scale: booleans 0 and 1; a definition's integral range of at most 11 steps; else none. */
    private static List<BigDecimal> scale(ScoreDefinition def, List<Pair> pairs) {
        boolean integral = pairs.stream().allMatch(p -> p.judge().stripTrailingZeros().scale() <= 0 && p.human().stripTrailingZeros().scale() <= 0);
        if (!integral) return null;
        if (def != null && def.type() == ScoreDefinition.Type.BOOLEAN) return List.of(BigDecimal.ZERO, BigDecimal.ONE);
        if (def == null || def.min() == null || def.max() == null) return null;
        BigDecimal min = def.min().stripTrailingZeros(), max = def.max().stripTrailingZeros();
        if (min.scale() > 0 || max.scale() > 0 || max.subtract(min).compareTo(BigDecimal.TEN) > 0) return null;
        List<BigDecimal> out = new ArrayList<>();
        for (BigDecimal v = min; v.compareTo(max) <= 0; v = v.add(BigDecimal.ONE)) out.add(v.stripTrailingZeros());
        return out;
    }

    private static <T> Map<String, Object> kappa(List<T> a, List<T> b, List<T> categories, Agreement.Weights w) {
        Map<String, Object> k = new LinkedHashMap<>();
        k.put("weights", w.name().toLowerCase(java.util.Locale.ROOT));
        k.put("pairs", a.size());
        if (a.isEmpty() || categories.size() < 2) {
            k.put("value", null);
            k.put("note", "no pairs on a scale of two or more categories");
            return k;
        }
        Agreement.Kappa r = Agreement.kappa(a, b, categories, w, CONFIDENCE);
        k.put("value", r.defined() ? r.kappa() : null);
        k.put("ci95", interval(r.interval()));
        k.put("observed_agreement", r.observedAgreement());
        k.put("chance_agreement", r.chanceAgreement());
        if (!r.defined()) k.put("note", r.undefinedReason());
        return k;
    }

    private static Map<String, Object> correlation(java.util.function.Supplier<Correlation.Coefficient> c) {
        Map<String, Object> m = new LinkedHashMap<>();
        try {
            Correlation.Coefficient r = c.get();
            m.put("r", r.r());
            m.put("n", r.n());
            m.put("ci95", interval(r.interval()));
            m.put("p_value", Double.isNaN(r.pValue()) ? null : r.pValue());
            if (r.note() != null) m.put("note", r.note());
        } catch (IllegalArgumentException e) {
            m.put("r", null);
            m.put("note", e.getMessage());
        }
        return m;
    }

    static List<Double> interval(Interval i) {
        return i == null || !i.defined() ? null : List.of(i.lower(), i.upper());
    }
}
