package dev.chatlog.sql.report;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The differences between two call trees (two turns, or two conversations' turns in order): siblings aligned by
 * their longest common subsequence of keys — type, agent and name (a model call's function, a step's name), so a
 * changed model is a change of one step, not a step removed and another added —, matched steps compared field by
 * field (model, tokens, cost, duration, outcome, the scores on them) and their children in turn, unmatched steps listed as only in one
 * tree. Every difference is listed, and nothing else.
 */
final class TraceDiff {
    /** The fields compared on a matched pair of steps. */
    static final List<String> FIELDS = List.of("model", "input_tokens", "output_tokens", "cost_estimate", "duration_ms", "success",
            "error_category", "scores");

    private TraceDiff() {}

    /** Every difference between the trees {@code a} and {@code b} (roots in order), in tree order. */
    static List<Map<String, Object>> diff(List<Map<String, Object>> a, List<Map<String, Object>> b) {
        List<Map<String, Object>> out = new ArrayList<>();
        siblings(a, b, "", out);
        return out;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> children(Map<String, Object> node) {
        Object c = node.get("children");
        return c instanceof List<?> l ? (List<Map<String, Object>>) l : List.of();
    }

    static String key(Map<String, Object> n) {
        return n.get("call_type") + "|" + Objects.toString(n.get("agent"), "") + "|" + Objects.toString(n.get("function_name"), "");
    }

    private static String label(Map<String, Object> n) {
        Object name = n.get("function_name") != null ? n.get("function_name") : n.get("agent") != null ? n.get("agent") : n.get("model");
        return n.get("call_type") + (name == null ? "" : " " + name);
    }

    private static void siblings(List<Map<String, Object>> a, List<Map<String, Object>> b, String path, List<Map<String, Object>> out) {
        int[][] lcs = new int[a.size() + 1][b.size() + 1];
        for (int i = a.size() - 1; i >= 0; i--) {
            for (int j = b.size() - 1; j >= 0; j--) {
                lcs[i][j] = key(a.get(i)).equals(key(b.get(j))) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
            }
        }
        int i = 0, j = 0;
        while (i < a.size() || j < b.size()) {
            if (i < a.size() && j < b.size() && key(a.get(i)).equals(key(b.get(j)))) {
                matched(a.get(i), b.get(j), path, out);
                i++;
                j++;
            } else if (j < b.size() && (i == a.size() || lcs[i][j + 1] >= lcs[i + 1][j])) {
                only("only_in_b", b.get(j++), path, out);
            } else {
                only("only_in_a", a.get(i++), path, out);
            }
        }
    }

    private static void matched(Map<String, Object> x, Map<String, Object> y, String path, List<Map<String, Object>> out) {
        String here = path.isEmpty() ? label(x) : path + " > " + label(x);
        Map<String, Object> changes = new LinkedHashMap<>();
        for (String f : FIELDS) {
            Object u = x.get(f), v = y.get(f);
            if (!same(u, v)) {
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("a", u);
                c.put("b", v);
                if (u instanceof Number p && v instanceof Number q) c.put("delta", new BigDecimal(q.toString()).subtract(new BigDecimal(p.toString())));
                changes.put(f, c);
            }
        }
        if (!changes.isEmpty()) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("kind", "changed");
            d.put("step", here);
            d.put("call_type", x.get("call_type"));
            d.put("a_call_id", x.get("call_id"));
            d.put("b_call_id", y.get("call_id"));
            d.put("changes", changes);
            out.add(d);
        }
        siblings(children(x), children(y), here, out);
    }

    private static void only(String kind, Map<String, Object> n, String path, List<Map<String, Object>> out) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("kind", kind);
        d.put("step", path.isEmpty() ? label(n) : path + " > " + label(n));
        d.put("call_type", n.get("call_type"));
        d.put(kind.equals("only_in_a") ? "a_call_id" : "b_call_id", n.get("call_id"));
        d.put("model", n.get("model"));
        d.put("cost_estimate", n.get("cost_estimate"));
        d.put("duration_ms", n.get("duration_ms"));
        d.put("steps_under_it", count(children(n)));
        out.add(d);
    }

    static int count(List<Map<String, Object>> nodes) {
        int n = nodes.size();
        for (Map<String, Object> c : nodes) n += count(children(c));
        return n;
    }

    private static boolean same(Object u, Object v) {
        if (u instanceof Number p && v instanceof Number q) return new BigDecimal(p.toString()).compareTo(new BigDecimal(q.toString())) == 0;
        return Objects.equals(u, v);
    }
}
