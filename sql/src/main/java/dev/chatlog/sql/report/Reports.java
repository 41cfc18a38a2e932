package dev.chatlog.sql.report;

import dev.chatlog.sql.query.Filter;
import dev.chatlog.sql.query.Planner;
import dev.chatlog.sql.query.Window;
import dev.chatlog.sql.rollup.Dimension;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * The read side's one entry point: every response family of {@code /logging-dashboard}, as ordered
 * maps with the snake_case field names documented in docs/http-api.md (times ISO-8601 UTC, money exact decimal
 * USD; "LLM calls" are model calls: chat, streaming chat, embedding). Create one per process: it
 * holds the planner and the caches of past days.
 */
public final class Reports {
    /** How a range series is bucketed. */
    public enum Period { DAY, WEEK, MONTH }

    private final DailyReport daily;
    private final RangeReport range;
    private final CostReport cost;
    private final LatencyReport latency;
    private final RealtimeReport realtime;
    private final OverviewReport overview;
    private final CallAnalysisReport calls;
    private final ConversationReport conversations;
    private final SqlQueryReport sqlQueries;
    private final StageReport stages;
    private final CacheReport caches;
    private final ScoreReport scores;
    private final Jdbi jdbi;

    /** Reports with no stage or cache targets. */
    public Reports(Jdbi jdbi) {
        this(jdbi, StageTargets.NONE, CacheTargets.NONE);
    }

    public Reports(Jdbi jdbi, StageTargets targets, CacheTargets cacheTargets) {
        Planner planner = Planner.standard();
        this.daily = new DailyReport(jdbi, planner);
        this.range = new RangeReport(jdbi, planner);
        this.cost = new CostReport(jdbi, planner);
        this.latency = new LatencyReport(jdbi, planner);
        this.realtime = new RealtimeReport(jdbi);
        this.overview = new OverviewReport(jdbi, planner);
        this.calls = new CallAnalysisReport(jdbi, planner);
        this.conversations = new ConversationReport(jdbi);
        this.sqlQueries = new SqlQueryReport(jdbi);
        this.stages = new StageReport(jdbi, planner, targets);
        this.caches = new CacheReport(jdbi, planner, cacheTargets);
        this.scores = new ScoreReport(jdbi);
        this.jdbi = jdbi;
    }

    /** One UTC date: totals, breakdowns, the most expensive calls, calls slower than {@code slowMs}, error rates. */
    public Map<String, Object> daily(LocalDate date, Filter f, int slowMs) {
        return daily.daily(date, f, slowMs);
    }

    /** A series over the window by day, ISO week or month, with totals. */
    public Map<String, Object> range(Window w, Filter f, Period period) {
        return range.range(w, f, period);
    }

    /** Cost by {@code groupBy} (day, agent, model or user; at most {@code limit} groups, the most expensive) and the cost analysis. */
    public Map<String, Object> cost(Window w, Filter f, Dimension groupBy, Instant now, int limit) {
        return cost.cost(w, f, groupBy, now, limit);
    }

    /** Latency percentiles and time to first token, overall and per model. */
    public Map<String, Object> latency(Window w, Filter f) {
        return latency.latency(w, f);
    }

    /** The last {@code minutes} minutes, from the raw rows. */
    public Map<String, Object> realtime(int minutes, Instant now) {
        return realtime.realtime(minutes, now);
    }

    /** Totals, breakdowns, the time series, the latency histogram and the cost analysis. */
    public Map<String, Object> overview(Window w, Filter f, Instant now) {
        return overview.overview(w, f, now);
    }

    /** Conversations whose last message is in the window, newest first. */
    public Map<String, Object> conversations(Window w, String userId, int limit) {
        return conversations.conversations(w, userId, limit);
    }

    /** One conversation: the summary, every message with its call tree and SQL queries; empty if unknown. */
    public Optional<Map<String, Object>> conversation(String conversationId) {
        return conversations.conversation(conversationId);
    }

    /** Model-call analysis: totals, breakdowns, slowest and most expensive calls, recent errors. */
    public Map<String, Object> llmCalls(Window w, Filter f) {
        return calls.llmCalls(w, f);
    }

    /**
     * The steps of the window (stages, retrievals, guardrails) by kind and name, with percentiles and their targets
     * met or missed, and the whole turn against its target; under an agent or chat-mode filter.
     */
    public Map<String, Object> stages(Window w, Filter f) {
        return stages.stages(w, f);
    }

    /**
     * The application's caches over the window (lookups, hits, misses, hit rate against its target, time and cost saved)
     * and the providers' prompt caches per model (cached input tokens / input tokens).
     */
    public Map<String, Object> caches(Window w, Filter f) {
        return caches.caches(w, f);
    }

    /**
     * Scores per name and group of {@code groupBy} (all, model, agent, function, chat_mode, intent, user) over the
     * window, from the score rollups; {@code name} one score's only (null: every name).
     */
    /** The scores of one target: {@code column} is {@code conversation_id}, {@code message_id} (with its calls') or {@code call_id}. */
    public List<Map<String, Object>> scoresOf(String column, String id) {
        return jdbi.withHandle(h -> ConversationReport.scores(h, column, id));
    }

    public Map<String, Object> scores(Window w, Dimension groupBy, String name) {
        if (!dev.chatlog.sql.score.ScoreRollups.DIMENSIONS.contains(groupBy)) {
            throw new IllegalArgumentException("scores roll up by " + dev.chatlog.sql.score.ScoreRollups.DIMENSIONS);
        }
        return scores.scores(w, groupBy, name);
    }

    /**
     * The differences between two turns or conversations ({@code a} and {@code b}: a message id, or a conversation id
     * whose turns are compared in order): every step changed (model, tokens, cost, duration, outcome, scores) or found
     * in only one of them, and the turns' own scores that differ; empty when either is not in the log.
     */
    public Optional<Map<String, Object>> compare(String a, String b) {
        Optional<Trace> x = trace(a), y = trace(b);
        if (x.isEmpty() || y.isEmpty()) return Optional.empty();
        List<Map<String, Object>> differences = TraceDiff.diff(x.get().roots(), y.get().roots());
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("a", x.get().describe());
        out.put("b", y.get().describe());
        Map<String, Long> counts = new java.util.LinkedHashMap<>();
        for (String k : List.of("changed", "only_in_a", "only_in_b")) counts.put(k, differences.stream().filter(d -> k.equals(d.get("kind"))).count());
        out.put("counts", counts);
        if (!x.get().scores().equals(y.get().scores())) { // the turns' (or conversations') own scores, name by name
            Map<String, Object> scores = new java.util.TreeMap<>();
            java.util.Set<String> names = new java.util.TreeSet<>(x.get().scores().keySet());
            names.addAll(y.get().scores().keySet());
            for (String n : names) {
                Object u = x.get().scores().get(n), v = y.get().scores().get(n);
                if (!java.util.Objects.equals(u, v)) {
                    Map<String, Object> c = new java.util.LinkedHashMap<>();
                    c.put("a", u);
                    c.put("b", v);
                    scores.put(n, c);
                }
            }
            out.put("score_changes", scores);
        }
        out.put("differences", differences);
        return Optional.of(out);
    }

    private record Trace(String kind, String id, String conversationId, List<Map<String, Object>> roots, Map<String, Object> scores) {
        Map<String, Object> describe() {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("kind", kind);
            m.put("id", id);
            m.put("conversation_id", conversationId);
            m.put("steps", TraceDiff.count(roots));
            m.put("scores", scores);
            return m;
        }
    }

    @SuppressWarnings("unchecked")
    private Optional<Trace> trace(String id) {
        List<String> convs = jdbi.withHandle(h -> h.createQuery(
                "SELECT conversation_id FROM chatbot_conversation_messages WHERE message_id = :id LIMIT 2").bind("id", id).mapTo(String.class).list());
        String conv = convs.size() == 1 ? convs.get(0) : id;
        Optional<Map<String, Object>> detail = conversation(conv);
        if (detail.isEmpty()) return Optional.empty();
        List<Map<String, Object>> messages = (List<Map<String, Object>>) detail.get().get("messages");
        List<Map<String, Object>> roots = new java.util.ArrayList<>();
        Map<String, Integer> turns = new java.util.HashMap<>(); // message id -> its place in the conversation (1, 2...)
        for (Map<String, Object> m : messages) {
            if (convs.size() == 1 && !id.equals(m.get("message_id"))) continue;
            roots.addAll((List<Map<String, Object>>) m.get("llm_calls"));
            turns.put((String) m.get("message_id"), turns.size() + 1);
        }
        // each step's scores (name -> value), and the turn's or conversation's own: compared like any field
        Map<String, Map<String, Object>> byCall = new java.util.HashMap<>();
        Map<String, Object> own = new java.util.TreeMap<>();
        boolean conversation = convs.size() != 1;
        for (Map<String, Object> s : (List<Map<String, Object>>) detail.get().get("scores")) {
            // a score's identity: name, evaluator, key; in a conversation's, the turn it is on ("turn 2: helpful (support)")
            String label = s.get("name") + (s.get("evaluator") == null ? "" : " (" + s.get("evaluator") + ")") + (s.get("key") == null ? "" : " [" + s.get("key") + "]");
            if ("call".equals(s.get("target"))) {
                byCall.computeIfAbsent((String) s.get("call_id"), k -> new java.util.TreeMap<>()).put(label, s.get("value"));
            } else if ("conversation".equals(s.get("target"))) {
                if (conversation) own.put("conversation: " + label, s.get("value"));
            } else if (turns.containsKey(s.get("message_id"))) {
                own.put(conversation ? "turn " + turns.get(s.get("message_id")) + ": " + label : label, s.get("value"));
            }
        }
        withScores(roots, byCall);
        return Optional.of(new Trace(convs.size() == 1 ? "message" : "conversation", id, conv, roots, own));
    }

    @SuppressWarnings("unchecked")
    private static void withScores(List<Map<String, Object>> nodes, Map<String, Map<String, Object>> byCall) {
        for (Map<String, Object> n : nodes) {
            n.put("scores", byCall.getOrDefault((String) n.get("call_id"), Map.of()));
            if (n.get("children") instanceof List<?> c) withScores((List<Map<String, Object>>) c, byCall);
        }
    }

    /** The SQL queries the chatbot ran since the window's start. */
    public Map<String, Object> sqlQueries(Window w) {
        return sqlQueries.sqlQueries(w);
    }
}
