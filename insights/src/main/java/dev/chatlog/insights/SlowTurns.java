package dev.chatlog.insights;

import dev.chatlog.insights.Finding.Confidence;
import dev.chatlog.insights.Finding.Evidence;
import dev.chatlog.insights.Finding.Kind;
import dev.chatlog.insights.Finding.Subject;
import dev.chatlog.sql.report.Reports;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the slowest turns wait for: the slowest 5% of the window's turns (at most {@link #MAX_TURNS}, from {@link #MIN_TURNS} turns up),
 * each read as the conversation route draws it (its waterfall, with the critical path marked), and the time of the
 * steps on the critical path summed per step (kind and name; the outermost step on the path, so nested time is not
 * counted twice). The step with the largest share is the finding: the time the slow turns spent waiting on it per day.
 */
final class SlowTurns {
    private SlowTurns() {}

    static final int MAX_TURNS = 20;
    static final int MIN_TURNS = 20;
    static final double MIN_SHARE = 0.3;

    @SuppressWarnings("unchecked")
    static List<Finding> find(Scan s) {
        long turns = s.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM chatbot_conversation_messages WHERE `timestamp` >= :from AND `timestamp` < :to")
                .bind("from", s.fromTime()).bind("to", s.toTime()).mapTo(Long.class).one());
        if (turns < MIN_TURNS) return List.of();
        int slow = (int) Math.min(MAX_TURNS, Math.max(1, Math.ceil(turns * 0.05)));
        List<Map<String, Object>> slowest = s.jdbi().withHandle(h -> h.createQuery("""
                SELECT conversation_id, message_id, response_time_ms FROM chatbot_conversation_messages
                WHERE `timestamp` >= :from AND `timestamp` < :to ORDER BY response_time_ms DESC LIMIT :n""")
                .bind("from", s.fromTime()).bind("to", s.toTime()).bind("n", slow).mapToMap().list());
        Reports reports = new Reports(s.jdbi());
        Map<String, double[]> byStep = new LinkedHashMap<>(); // step -> {critical ms, turns}
        Map<String, List<String>> examples = new LinkedHashMap<>();
        double total = 0;
        double threshold = ((Number) slowest.get(slowest.size() - 1).get("response_time_ms")).doubleValue();
        for (Map<String, Object> m : slowest) {
            String conversation = (String) m.get("conversation_id");
            var report = reports.conversation(conversation).orElse(null);
            if (report == null) continue;
            for (Map<String, Object> msg : (List<Map<String, Object>>) report.get("messages")) {
                if (!m.get("message_id").equals(msg.get("message_id"))) continue;
                Map<String, Object> waterfall = (Map<String, Object>) msg.get("waterfall");
                if (waterfall == null) continue;
                total += ((Number) m.get("response_time_ms")).doubleValue();
                java.util.Set<String> criticalAbove = new java.util.HashSet<>();
                java.util.Set<String> counted = new java.util.HashSet<>();
                for (Map<String, Object> row : (List<Map<String, Object>>) waterfall.get("rows")) {
                    if (!Boolean.TRUE.equals(row.get("critical"))) continue;
                    String id = String.valueOf(row.get("call_id"));
                    criticalAbove.add(id);
                    if (row.get("parent_call_id") != null && criticalAbove.contains(String.valueOf(row.get("parent_call_id")))) continue;
                    String step = row.get("call_type") + ":" + row.get("name");
                    double ms = row.get("duration_ms") == null ? 0 : new BigDecimal(String.valueOf(row.get("duration_ms"))).doubleValue();
                    double[] acc = byStep.computeIfAbsent(step, k -> new double[2]);
                    acc[0] += ms;
                    if (counted.add(step)) acc[1]++;
                    List<String> ex = examples.computeIfAbsent(step, k -> new ArrayList<>());
                    if (ex.size() < 5 && !ex.contains(conversation)) ex.add(conversation);
                }
            }
        }
        if (total <= 0) return List.of();
        String top = null;
        for (var e : byStep.entrySet()) if (top == null || e.getValue()[0] > byStep.get(top)[0]) top = e.getKey();
        if (top == null || byStep.get(top)[0] / total < MIN_SHARE) return List.of();
        double[] acc = byStep.get(top);
        double share = acc[0] / total;
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("slow_turns", slowest.size());
        detail.put("slowest_share", 0.05);
        detail.put("slow_turn_threshold_ms", Math.round(threshold));
        detail.put("critical_ms", Math.round(acc[0]));
        detail.put("share_of_slow_turn_time", Math.round(share * 1000) / 1000.0);
        Map<String, Object> steps = new LinkedHashMap<>();
        double all = total;
        byStep.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue()[0], a.getValue()[0])).limit(5)
                .forEach(e -> steps.put(e.getKey(), Math.round(e.getValue()[0] / all * 1000) / 1000.0));
        detail.put("critical_path_shares", steps);
        String[] kindName = top.split(":", 2);
        List<String> conversations = examples.get(top);
        double slowPerDay = turns * 0.05 / s.days();
        return List.of(new Finding(Kind.SLOW_TURNS, new Subject(kindName[0], kindName[1]),
                "The slowest 5% of turns (" + Math.round(threshold) + " ms and more) spend " + Math.round(share * 100) + "% of their time waiting on "
                        + kindName[0] + " '" + kindName[1] + "'",
                null, null, acc[0] / Math.max(1, slowest.size()) * slowPerDay, slowest.size() >= MIN_TURNS ? Confidence.HIGH : Confidence.MEDIUM,
                "the critical path of each of the " + slowest.size() + " slowest turns, from their waterfalls; the time saved per day is the "
                        + "step's critical time per slow turn times the slow turns a day",
                "Make " + kindName[0] + " '" + kindName[1] + "' faster or run it in parallel with what precedes it: it is what the slowest turns wait for.",
                new Evidence(slowest.size(), null, List.of(), conversations, s.links(conversations)), detail));
    }
}
