package dev.chatlog.server.experiments;

import dev.chatlog.experiments.analysis.Analysis;
import dev.chatlog.quality.stats.Interval;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An experiment's {@link Analysis.Result} as the routes show it: snake_case, a number that has no value as null (never NaN). */
final class AnalysisJson {
    private AnalysisJson() {}

    static Map<String, Object> of(Analysis.Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mode", r.mode());
        m.put("alpha", r.alpha());
        m.put("planned_units_per_arm", r.plannedUnitsPerArm());
        m.put("unit", "conversation");
        m.put("verdict", verdict(r.verdict()));
        List<Map<String, Object>> arms = new ArrayList<>();
        for (Analysis.Arm a : r.arms()) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("variant", a.variant());
            x.put("arm", a.arm());
            x.put("percent", a.percent());
            x.put("units", a.units());
            x.put("turns", a.turns());
            x.put("cost", a.cost());
            x.put("unpriced_turns", a.unpricedTurns());
            Map<String, Object> metrics = new LinkedHashMap<>();
            a.metrics().forEach((name, e) -> {
                Map<String, Object> v = new LinkedHashMap<>();
                v.put("value", num(e.value()));
                v.put("interval", interval(e.interval()));
                v.put("observations", num(e.observations()));
                if (e.note() != null) v.put("note", e.note());
                metrics.put(name, v);
            });
            x.put("metrics", metrics);
            arms.add(x);
        }
        m.put("arms", arms);
        Map<String, Object> srm = new LinkedHashMap<>();
        srm.put("observed_units", r.srm().observed());
        srm.put("expected_shares", r.srm().expectedShares());
        srm.put("chi_square", num(r.srm().chiSquare()));
        srm.put("p_value", num(r.srm().pValue()));
        srm.put("mismatch", r.srm().mismatch());
        srm.put("threshold", dev.chatlog.experiments.stats.SampleRatio.THRESHOLD);
        m.put("sample_ratio", srm);
        List<Map<String, Object>> tests = new ArrayList<>();
        for (Analysis.Test t : r.tests()) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("variant", t.variant());
            x.put("metric", t.metric());
            x.put("role", t.role());
            x.put("higher_is_better", t.higherIsBetter());
            x.put("control", num(t.control()));
            x.put("value", num(t.value()));
            x.put("difference", num(t.difference()));
            x.put("relative", num(t.relative()));
            x.put("interval", interval(t.interval()));
            x.put("test", t.test());
            x.put("p_value", num(t.pValue()));
            x.put("adjusted_p_value", num(t.adjustedPValue()));
            x.put("significant", t.significant());
            x.put("direction", t.direction());
            if (t.note() != null) x.put("note", t.note());
            tests.add(x);
        }
        m.put("tests", tests);
        return m;
    }

    static Map<String, Object> verdict(Analysis.Verdict v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("winner", v.winner());
        m.put("decided", v.decided());
        m.put("reason", v.reason());
        m.put("stop", v.stop());
        m.put("stop_reason", v.stopReason());
        return m;
    }

    private static Object interval(Interval i) {
        if (i == null || Double.isNaN(i.lower()) || Double.isInfinite(i.lower()) || Double.isInfinite(i.upper())) return null;
        return List.of(i.lower(), i.upper());
    }

    private static Double num(Double d) {
        return d == null || !Double.isFinite(d) ? null : d;
    }
}
