package dev.chatlog.sql.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Two known trees: the diff lists every difference (a changed model and cost, a step added, a step removed) and nothing else. */
class TraceDiffTest {
    private static int ids;

    private static Map<String, Object> node(String type, String agent, String function, String model, String cost, List<Map<String, Object>> children) {
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("call_id", "c" + ids++);
        n.put("call_type", type);
        n.put("agent", agent);
        n.put("function_name", function);
        n.put("model", model);
        n.put("input_tokens", 100);
        n.put("output_tokens", 20);
        n.put("cost_estimate", cost == null ? null : new BigDecimal(cost));
        n.put("duration_ms", new BigDecimal("250.00"));
        n.put("success", true);
        n.put("error_category", null);
        n.put("children", new ArrayList<>(children));
        return n;
    }

    @Test
    void should_list_a_changed_model_and_cost_an_inserted_step_and_a_removed_step_and_nothing_else() {
        List<Map<String, Object>> a = List.of(node("agent", "Desk", "Desk", null, null, List.of(
                node("chat", "Desk", "classify_intent", "gpt-4o-mini", "0.001", List.of()),
                node("tool", "Desk", "lookup_order", null, null, List.of()),
                node("chat", "Desk", "respond", "gpt-4o-mini", "0.002", List.of()))));
        List<Map<String, Object>> b = List.of(node("agent", "Desk", "Desk", null, null, List.of(
                node("chat", "Desk", "classify_intent", "gpt-4o", "0.005", List.of()),
                node("retrieval", "Desk", "products", null, null, List.of(node("embedding", "Desk", null, "all-minilm-l6-v2", "0", List.of()))),
                node("chat", "Desk", "respond", "gpt-4o-mini", "0.002", List.of()))));
        List<Map<String, Object>> d = TraceDiff.diff(a, b);
        assertEquals(3, d.size(), d.toString());
        assertEquals("changed", d.get(0).get("kind"));
        assertEquals("agent Desk > chat classify_intent", d.get(0).get("step"));
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> changes = (Map<String, Map<String, Object>>) d.get(0).get("changes");
        assertEquals(List.of("model", "cost_estimate"), new ArrayList<>(changes.keySet()), "only what differs");
        assertEquals("gpt-4o", changes.get("model").get("b"));
        assertEquals(0, new BigDecimal("0.004").compareTo((BigDecimal) changes.get("cost_estimate").get("delta")));
        assertEquals("only_in_b", d.get(1).get("kind"));
        assertEquals("agent Desk > retrieval products", d.get(1).get("step"));
        assertEquals(1, d.get(1).get("steps_under_it"), "its embedding comes with it, not as another difference");
        assertEquals("only_in_a", d.get(2).get("kind"));
        assertEquals("agent Desk > tool lookup_order", d.get(2).get("step"));
        assertEquals(List.of(), TraceDiff.diff(a, a), "a tree against itself: nothing");
    }

    @Test
    void should_list_a_step_whose_scores_differ() {
        Map<String, Object> x = node("chat", null, "respond", "gpt-4o-mini", "0.002", List.of());
        Map<String, Object> y = node("chat", null, "respond", "gpt-4o-mini", "0.002", List.of());
        x.put("scores", Map.of("helpfulness (judge)", new BigDecimal("4")));
        y.put("scores", Map.of("helpfulness (judge)", new BigDecimal("2")));
        List<Map<String, Object>> d = TraceDiff.diff(List.of(x), List.of(y));
        assertEquals(1, d.size(), d.toString());
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> changes = (Map<String, Map<String, Object>>) d.get(0).get("changes");
        assertEquals(List.of("scores"), new ArrayList<>(changes.keySet()));
        y.put("scores", Map.of("helpfulness (judge)", new BigDecimal("4")));
        assertEquals(List.of(), TraceDiff.diff(List.of(x), List.of(y)), "the same scores: nothing");
    }
}
