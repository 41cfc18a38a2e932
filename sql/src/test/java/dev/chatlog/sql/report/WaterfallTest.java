package dev.chatlog.sql.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WaterfallTest {
    @SafeVarargs
    private static Map<String, Object> node(String id, String type, String start, String ms, Map<String, Object>... children) {
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("call_id", id);
        n.put("call_type", type);
        n.put("started_at", start);
        n.put("duration_ms", ms);
        n.put("children", new ArrayList<>(List.of(children)));
        return n;
    }

    @Test
    @SuppressWarnings("unchecked")
    void should_leave_a_step_running_in_parallel_off_the_critical_path() {
        // an agent: a search (600 ms) and a cache probe (300 ms) in parallel, then the answer (390 ms)
        Map<String, Object> search = node("search", "retrieval", "2026-12-05T10:00:00.000Z", "600");
        Map<String, Object> probe = node("probe", "tool", "2026-12-05T10:00:00.000Z", "300");
        Map<String, Object> answer = node("answer", "chat", "2026-12-05T10:00:00.610Z", "390");
        Map<String, Object> agent = node("agent", "agent", "2026-12-05T10:00:00.000Z", "1000", search, probe, answer);
        Map<String, Object> w = Waterfall.of("2026-12-05T10:00:00.000Z", 1005, List.of(agent));
        assertEquals(List.of("agent", "search", "answer"), w.get("critical_path"));
        List<Map<String, Object>> rows = (List<Map<String, Object>>) w.get("rows");
        assertEquals(List.of("agent", "search", "probe", "answer"), rows.stream().map(r -> r.get("call_id")).toList());
        assertEquals(List.of(0, 1, 1, 1), rows.stream().map(r -> r.get("depth")).toList());
        assertEquals("610.00", rows.get(3).get("start_ms").toString());
        assertEquals("1000.00", rows.get(3).get("end_ms").toString());
        assertEquals(false, rows.get(2).get("critical"));
    }
}
