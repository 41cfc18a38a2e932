package dev.chatlog.sql;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;

/**
 * The read side behind {@code /logging-dashboard}: overview, conversation detail, LLM-call and
 * SQL-query analysis. Results are ordered maps with the snake_case field names documented in the
 * README; times are ISO-8601 UTC strings; money is exact decimal USD. "LLM calls" means model
 * calls (chat, streaming chat, embedding), not tool or agent rows.
 */
public final class AnalysisQueries {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String MODEL_CALL = "call_type IN ('chat', 'streaming_chat', 'embedding')";

    private final Jdbi jdbi;
    private final StatsQueries stats;

    public AnalysisQueries(Jdbi jdbi) {
        this.jdbi = jdbi;
        this.stats = new StatsQueries(jdbi);
    }

    /** Optional filters of the call routes; null means "any". */
    public record CallFilter(String model, String functionName, String agent, String chatMode) {
        public static final CallFilter NONE = new CallFilter(null, null, null, null);

        public CallFilter(String model, String functionName) {
            this(model, functionName, null, null);
        }

        String where() {
            return (model == null ? "" : " AND model = :model") + (functionName == null ? "" : " AND function_name = :fn")
                    + (agent == null ? "" : " AND agent = :agent") + (chatMode == null ? "" : " AND chat_mode = :mode");
        }

        /** The same filters for tool rows (no model). */
        CallFilter forTools() {
            return new CallFilter(null, functionName, agent, chatMode);
        }

        Query bind(Query q) {
            if (model != null) q.bind("model", model);
            if (functionName != null) q.bind("fn", functionName);
            if (agent != null) q.bind("agent", agent);
            if (chatMode != null) q.bind("mode", chatMode);
            return q;
        }
    }

    /** The {@code hours} value that means "all time". */
    public static final int ALL_TIME = 0;

    private static LocalDateTime since(int hours) {
        return hours(hours).fromUtc();
    }

    /**
     * The last {@code hours} whole hours, the current one included, so the hourly rollups answer it:
     * from the start of the hour {@code hours - 1} hours ago to the end of this hour.
     * {@link #ALL_TIME} (or any value below 1) reaches back to the epoch.
     */
    static StatsQueries.Window hours(int hours) {
        Instant end = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.HOURS).plusSeconds(3600);
        return new StatsQueries.Window(hours < 1 ? Instant.EPOCH : end.minusSeconds(3600L * hours), end, null);
    }

    /** The window fields every hour-based route starts its answer with. */
    private static Map<String, Object> header(int hours, StatsQueries.Window w) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("window_hours", hours < 1 ? "all" : hours);
        out.put("from", w.from().toString());
        out.put("to", w.to().toString());
        return out;
    }

    /** Recently active conversations, newest first, from the per-conversation summaries. */
    public Map<String, Object> conversations(int hours, String userId, int limit) {
        StatsQueries.Window w = hours(hours);
        return jdbi.withHandle(h -> {
            Map<String, Object> out = header(hours, w);
            out.put("user", userId);
            Query q = h.createQuery("""
                    SELECT conversation_id, user_id, first_message_at, last_message_at, total_messages, successful_messages,
                           total_llm_calls, failed_llm_calls, total_tokens_used, total_cost, unpriced_calls, total_duration_ms,
                           success_rate, last_user_input
                    FROM chatbot_conversation_summary
                    WHERE last_message_at >= :from AND last_message_at < :to"""
                    + (userId == null ? "" : " AND user_id = :user") + " ORDER BY last_message_at DESC, conversation_id LIMIT :limit")
                    .bind("from", w.fromUtc()).bind("to", w.toUtc()).bind("limit", limit);
            if (userId != null) q.bind("user", userId);
            out.put("conversations", q.map((rs, ctx) -> row(rs)).list());
            return out;
        });
    }

    private static StatsQueries.Filters filters(CallFilter f) {
        return new StatsQueries.Filters(f.model(), f.agent(), f.functionName(), f.chatMode(), null, null);
    }

    public Map<String, Object> overview(int hours) {
        return overview(hours, CallFilter.NONE);
    }

    /**
     * Totals, breakdowns, a time series (hourly up to 7 days, daily beyond), the latency histogram and
     * the cost analysis of the window. {@code filter} narrows the call figures; the message figures
     * (conversations, messages, by_intent) count every message.
     */
    public Map<String, Object> overview(int hours, CallFilter filter) {
        StatsQueries.Window w = hours(hours);
        return jdbi.withHandle(h -> {
            LocalDateTime from = w.fromUtc();
            Map<String, Object> out = header(hours, w);
            out.put("filters", filterMap(filter));
            Map<String, Object> messages = StatsQueries.metrics(StatsQueries.merged(
                    stats.aggregate(h, w, StatsQueries.Filters.NONE, "all", List.of("messages", "failed_messages")).values()));
            Map<String, Object> totals = new LinkedHashMap<>();
            // a conversation had a message in a window that ends now iff its last message is in it
            totals.put("conversations", h.createQuery("""
                    SELECT COUNT(*) FROM chatbot_conversation_summary WHERE last_message_at >= :from AND last_message_at < :to""")
                    .bind("from", from).bind("to", w.toUtc()).mapTo(Long.class).one());
            long requests = ((Number) messages.get("requests")).longValue();
            totals.put("messages", requests);
            totals.put("successful_messages", requests - ((Number) messages.get("failed_requests")).longValue());
            Map<String, Map<String, Object>> all = stats.aggregate(h, w, filters(filter), "all");
            Map<String, Object> callMetrics = StatsQueries.metrics(StatsQueries.merged(all.values()));
            totals.putAll(callFigures(callMetrics));
            out.put("totals", totals);
            var pass = StatsQueries.onePass(h, w, filters(filter), List.of("model", "function", "agent", "chat_mode"), List.of());
            out.put("by_model", groupedCalls(h, w, filter, pass, "model"));
            out.put("by_function", groupedCalls(h, w, filter, pass, "function_name"));
            out.put("by_agent", groupedCalls(h, w, filter, pass, "agent"));
            out.put("by_chat_mode", groupedCalls(h, w, filter, pass, "chat_mode"));
            out.put("by_tool", tools(h, w, filter.forTools()));
            out.put("by_intent", intents(h, w));
            boolean hourly = hours >= 1 && hours <= 24 * 7;
            List<Map<String, Object>> series = new ArrayList<>();
            stats.aggregate(h, w, filters(filter), hourly ? "hour" : "day").forEach((bucket, sums) -> {
                Map<String, Object> m = StatsQueries.metrics(sums);
                if (((Number) m.get("llm_calls")).longValue() == 0) return;
                Map<String, Object> x = new LinkedHashMap<>();
                x.put(hourly ? "hour" : "day", bucket);
                x.put("llm_calls", m.get("llm_calls"));
                x.put("input_tokens", m.get("input_tokens"));
                x.put("output_tokens", m.get("output_tokens"));
                x.put("total_tokens", m.get("total_tokens"));
                x.put("cost", m.get("cost"));
                x.put("failed_calls", m.get("failed_llm_calls"));
                x.put("avg_duration_ms", m.get("avg_llm_latency_ms"));
                series.add(x);
            });
            series.sort(Comparator.comparing(x -> (String) x.get(hourly ? "hour" : "day")));
            out.put("series_bucket", hourly ? "hour" : "day");
            out.put(hourly ? "hourly" : "daily", series);
            out.put("latency_histogram", histogram(StatsQueries.merged(all.values())));
            out.put("cost_analysis", stats.costAnalysis(h, w, filters(filter), Instant.now()));
            return out;
        });
    }

    /** Model calls per latency bucket: {@code le_ms} is the bucket's upper bound (null: above the last edge). */
    private static List<Map<String, Object>> histogram(Map<String, Object> sums) {
        long[] counts = StatsQueries.hist(sums, "lat");
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < counts.length; i++) {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("gt_ms", i == 0 ? 0 : Rollups.EDGES[i - 1]);
            b.put("le_ms", i < Rollups.EDGES.length ? Rollups.EDGES[i] : null);
            b.put("llm_calls", counts[i]);
            out.add(b);
        }
        return out;
    }

    /** Model-call totals of the window, from the rollups where the filters allow. */
    private Map<String, Object> callTotals(Handle h, StatsQueries.Window w, CallFilter f) {
        Map<String, Object> m = StatsQueries.metrics(StatsQueries.merged(
                stats.aggregate(h, w, filters(f), "all").values()));
        return callFigures(m);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> callFigures(Map<String, Object> m) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("llm_calls", m.get("llm_calls"));
        t.put("input_tokens", m.get("input_tokens"));
        t.put("output_tokens", m.get("output_tokens"));
        t.put("cached_input_tokens", m.get("cached_input_tokens"));
        t.put("total_tokens", m.get("total_tokens"));
        t.put("cost", m.get("cost"));
        t.put("unpriced_calls", m.get("unpriced_calls"));
        t.put("failed_calls", m.get("failed_llm_calls"));
        t.put("avg_latency_ms", m.get("avg_llm_latency_ms") == null ? 0 : m.get("avg_llm_latency_ms"));
        t.put("success_rate", m.get("success_rate"));
        Map<String, Object> latency = (Map<String, Object>) m.get("latency");
        t.put("p50_latency_ms", latency.get("p50_ms"));
        t.put("p95_latency_ms", latency.get("p95_ms"));
        t.put("p99_latency_ms", latency.get("p99_ms"));
        t.put("error_rate", m.get("error_rate"));
        return t;
    }

    private static final Map<String, String> DIMENSION = Map.of("model", "model", "function_name", "function",
            "agent", "agent", "chat_mode", "chat_mode");

    /** Model calls grouped by one column (or model and function), with histogram percentiles. */
    private List<Map<String, Object>> groupedCalls(Handle h, StatsQueries.Window w, CallFilter f,
                                                   Map<String, Map<String, Map<String, Object>>> pass, String... keys) {
        String group = keys.length == 2 ? "model_function" : DIMENSION.get(keys[0]);
        List<Map<String, Object>> out = new ArrayList<>();
        (pass != null && pass.containsKey(group) ? pass.get(group) : stats.aggregate(h, w, filters(f), group)).forEach((k, sums) -> {
            Map<String, Object> m = StatsQueries.metrics(sums);
            if (((Number) m.get("llm_calls")).longValue() == 0) return;
            Map<String, Object> g = new LinkedHashMap<>();
            if (keys.length == 2) {
                int bar = k.indexOf('|');
                g.put("model", bar < 0 || bar == 0 ? null : k.substring(0, bar));
                g.put("function_name", bar < 0 || bar == k.length() - 1 ? null : k.substring(bar + 1));
            } else {
                g.put(keys[0], k.isEmpty() ? null : k);
            }
            Map<String, Object> fig = callFigures(m);
            fig.remove("success_rate");
            g.putAll(fig);
            out.add(g);
        });
        out.sort((a, b) -> Long.compare(((Number) b.get("llm_calls")).longValue(), ((Number) a.get("llm_calls")).longValue()));
        return out;
    }

    /** Messages grouped by intent, with the model calls in their totals, from the {@code intent} rollups. */
    private List<Map<String, Object>> intents(Handle h, StatsQueries.Window w) {
        List<Map<String, Object>> out = new ArrayList<>();
        stats.aggregate(h, w, StatsQueries.Filters.NONE, "intent", Rollups.INTENT_COLUMNS).forEach((intent, s) -> {
            long messages = StatsQueries.l(s, "messages");
            if (messages == 0) return;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("intent", intent.isEmpty() ? null : intent);
            m.put("messages", messages);
            m.put("successful_messages", messages - StatsQueries.l(s, "failed_messages"));
            m.put("llm_calls", StatsQueries.l(s, "llm_calls"));
            m.put("tokens", StatsQueries.l(s, "total_tokens"));
            m.put("cost", StatsQueries.plain(StatsQueries.d(s, "cost")));
            m.put("avg_response_time_ms", round2(StatsQueries.d(s, "message_duration_ms").doubleValue() / messages));
            out.add(m);
        });
        out.sort(Comparator.comparing((Map<String, Object> m) -> -((Number) m.get("messages")).longValue())
                .thenComparing(m -> String.valueOf(m.get("intent"))));
        return out;
    }

    /**
     * Tool executions grouped by tool: executions, failures, average duration (exact) and p95 duration
     * (from the duration histogram, like the model-call percentiles). From the {@code tool} rollups
     * ({@code tool_agent} / {@code tool_chat_mode} under one of those filters); with both, from the
     * tool rows of the window.
     */
    private List<Map<String, Object>> tools(Handle h, StatsQueries.Window w, CallFilter f) {
        // from the tool rollups, paired with the agent or the chat mode under one of those filters
        Map<String, Map<String, Object>> groups = stats.aggregate(h, w,
                new StatsQueries.Filters(null, f.agent(), null, f.chatMode(), null, null), "tool");
        if (f.functionName() != null) groups.keySet().retainAll(java.util.Set.of(f.functionName()));
        List<Map<String, Object>> out = new ArrayList<>();
        groups.forEach((tool, s) -> {
            long executions = StatsQueries.l(s, "tool_calls");
            if (executions == 0) return;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("tool", tool.isEmpty() ? null : tool);
            m.put("executions", executions);
            m.put("failures", StatsQueries.l(s, "failed_tool_calls"));
            m.put("avg_duration_ms", round2(StatsQueries.d(s, "tool_duration_ms").doubleValue() / executions));
            BigDecimal max = StatsQueries.d(s, "max_duration_ms");
            m.put("p95_duration_ms", Rollups.percentile(StatsQueries.hist(s, "lat"), 95, max.signum() > 0 ? max.doubleValue() : null));
            out.add(m);
        });
        out.sort(Comparator.comparing((Map<String, Object> m) -> -((Number) m.get("executions")).longValue())
                .thenComparing(m -> String.valueOf(m.get("tool"))));
        return out;
    }

    /**
     * A message's calls as a tree: roots in call order, each node with {@code children} (in order)
     * and {@code rollup}, the totals of the model calls in its subtree (itself included).
     */
    static List<Map<String, Object>> tree(List<Map<String, Object>> calls) {
        Map<Object, Map<String, Object>> byId = new LinkedHashMap<>();
        for (Map<String, Object> c : calls) {
            c.put("children", new ArrayList<Map<String, Object>>());
            byId.put(c.get("call_id"), c);
        }
        List<Map<String, Object>> roots = new ArrayList<>();
        for (Map<String, Object> c : calls) {
            Map<String, Object> parent = c.get("parent_call_id") == null ? null : byId.get(c.get("parent_call_id"));
            if (parent == null || parent == c) {
                roots.add(c);
            } else {
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> children = (List<Map<String, Object>>) parent.get("children");
                children.add(c);
            }
        }
        Comparator<Map<String, Object>> order = Comparator.comparingInt(c -> ((Number) c.get("call_sequence")).intValue());
        roots.sort(order);
        for (Map<String, Object> c : calls) {
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> children = (List<Map<String, Object>>) c.get("children");
            children.sort(order);
        }
        for (Map<String, Object> r : roots) rollup(r, order);
        return roots;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> rollup(Map<String, Object> node, Comparator<Map<String, Object>> order) {
        long calls = 0, in = 0, out = 0, total = 0, unpriced = 0;
        BigDecimal cost = BigDecimal.ZERO;
        BigDecimal duration = BigDecimal.ZERO;
        String type = (String) node.get("call_type");
        if ("chat".equals(type) || "streaming_chat".equals(type) || "embedding".equals(type)) {
            calls = 1;
            in = ((Number) node.get("input_tokens")).longValue();
            out = ((Number) node.get("output_tokens")).longValue();
            total = ((Number) node.get("total_tokens")).longValue();
            if (node.get("cost_estimate") != null) cost = new BigDecimal(node.get("cost_estimate").toString());
            else unpriced = 1;
            duration = new BigDecimal(node.get("duration_ms").toString());
        }
        for (Map<String, Object> child : (List<Map<String, Object>>) node.get("children")) {
            Map<String, Object> r = rollup(child, order);
            calls += ((Number) r.get("llm_calls")).longValue();
            in += ((Number) r.get("input_tokens")).longValue();
            out += ((Number) r.get("output_tokens")).longValue();
            total += ((Number) r.get("total_tokens")).longValue();
            unpriced += ((Number) r.get("unpriced_calls")).longValue();
            cost = cost.add((BigDecimal) r.get("cost"));
            duration = duration.add((BigDecimal) r.get("llm_duration_ms"));
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("llm_calls", calls);
        r.put("input_tokens", in);
        r.put("output_tokens", out);
        r.put("total_tokens", total);
        r.put("cost", cost.signum() == 0 ? BigDecimal.ZERO : cost.stripTrailingZeros());
        r.put("unpriced_calls", unpriced);
        r.put("llm_duration_ms", duration.signum() == 0 ? BigDecimal.ZERO : duration.stripTrailingZeros());
        node.put("rollup", r);
        return r;
    }

    /** The summary, then every message in order with its calls (as a tree) and SQL queries; empty if unknown. */
    public Optional<Map<String, Object>> conversation(String conversationId) {
        return jdbi.withHandle(h -> {
            Optional<Map<String, Object>> summary = h.createQuery("""
                    SELECT conversation_id, user_id, first_message_at, last_message_at, total_messages, successful_messages,
                           total_llm_calls, failed_llm_calls, total_input_tokens, total_output_tokens, total_tokens_used,
                           total_cost, unpriced_calls, total_duration_ms, success_rate, last_user_input, last_agent_output
                    FROM chatbot_conversation_summary WHERE conversation_id = :c""")
                    .bind("c", conversationId).map((rs, ctx) -> row(rs)).findOne();
            if (summary.isEmpty()) {
                return Optional.empty();
            }
            List<Map<String, Object>> calls = h.createQuery("""
                    SELECT message_id, call_id, parent_call_id, call_sequence, call_type, agent, function_name, chat_mode,
                           provider, model, response_model, input_tokens, output_tokens, cached_input_tokens, reasoning_tokens,
                           total_tokens, token_source, cost_estimate, priced, price_version, duration_ms, time_to_first_token_ms,
                           finish_reason, success, error_type, error_message, started_at, input_text, output_text
                    FROM chatbot_llm_calls WHERE conversation_id = :c ORDER BY call_sequence, started_at""")
                    .bind("c", conversationId).map((rs, ctx) -> row(rs)).list();
            Map<Object, List<Map<String, Object>>> callsByMessage = new LinkedHashMap<>();
            for (Map<String, Object> c : calls) {
                callsByMessage.computeIfAbsent(c.remove("message_id"), k -> new ArrayList<>()).add(c);
            }
            List<Map<String, Object>> messages = h.createQuery("""
                    SELECT message_id, user_id, chat_mode, `timestamp`, user_input, final_output, conversation_message,
                           intent, classification, database_used, sql_queries, sql_results_count, total_llm_calls,
                           total_input_tokens, total_output_tokens, total_tokens_used, total_cost, unpriced_calls,
                           total_duration_ms, response_time_ms, success, error_message, debug_info
                    FROM chatbot_conversation_messages WHERE conversation_id = :c ORDER BY `timestamp`, id""")
                    .bind("c", conversationId).map((rs, ctx) -> row(rs)).list();
            for (Map<String, Object> m : messages) {
                m.put("sql_queries", parseJson(m.get("sql_queries"), true));
                m.put("debug_info", parseJson(m.get("debug_info"), false));
                m.put("llm_calls", tree(callsByMessage.getOrDefault(m.get("message_id"), new ArrayList<>())));
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("conversation_id", conversationId);
            out.put("summary", summary.get());
            out.put("messages", messages);
            List<Map<String, Object>> outside = callsByMessage.get("");
            if (outside != null) {
                out.put("calls_outside_messages", tree(outside));
            }
            return Optional.of(out);
        });
    }

    public Map<String, Object> llmCalls(int hours, CallFilter filter) {
        StatsQueries.Window w = hours(hours);
        return jdbi.withHandle(h -> {
            LocalDateTime from = w.fromUtc();
            Map<String, Object> out = header(hours, w);
            out.put("filters", filterMap(filter));
            StatsQueries.Filters calls = filters(filter);
            out.put("totals", callTotals(h, w, filter));
            CallPass.Top slowest = new CallPass.Top(TopCalls.By.DURATION, null, 10);
            CallPass.Top costliest = new CallPass.Top(TopCalls.By.COST, null, 10);
            var pass = StatsQueries.onePass(h, w, calls, List.of("model_function", "agent", "chat_mode"), List.of(slowest, costliest));
            out.put("by_model_and_function", groupedCalls(h, w, filter, pass, "model", "function_name"));
            out.put("by_agent", groupedCalls(h, w, filter, pass, "agent"));
            out.put("by_chat_mode", groupedCalls(h, w, filter, pass, "chat_mode"));
            out.put("by_tool", tools(h, w, filter.forTools()));
            String top = "call_id, conversation_id, message_id, model, function_name, call_type, duration_ms, total_tokens,"
                    + " cost_estimate, priced, success, error_type, started_at";
            // calls read anyway for a breakdown: their top lists came with them
            out.put("slowest_calls", pass != null ? slowest.rows(h, top) : TopCalls.find(h, w, calls, TopCalls.By.DURATION, top, "", null, 10));
            out.put("most_expensive_calls", pass != null ? costliest.rows(h, top) : TopCalls.find(h, w, calls, TopCalls.By.COST, top, "", null, 10));
            out.put("recent_errors", filter.bind(h.createQuery("""
                    SELECT call_id, conversation_id, message_id, call_type, model, function_name, agent, duration_ms,
                           error_type, LEFT(error_message, 300) AS error_message, started_at
                    FROM chatbot_llm_calls WHERE success = 0 AND started_at >= :from AND started_at < :to"""
                            + filter.where() + " ORDER BY started_at DESC LIMIT 10"))
                    .bind("from", from).bind("to", w.toUtc()).map((rs, ctx) -> row(rs)).list());
            return out;
        });
    }

    public Map<String, Object> sqlQueries(int hours) {
        return jdbi.withHandle(h -> {
            LocalDateTime from = since(hours);
            List<Map<String, Object>> queries = new ArrayList<>();
            h.createQuery("""
                    SELECT conversation_id, message_id, `timestamp`, sql_queries FROM chatbot_conversation_messages
                    WHERE `timestamp` >= :from AND sql_query_count > 0""").bind("from", from).map((rs, ctx) -> {
                        JsonNode arr = parse(rs.getString("sql_queries"));
                        for (JsonNode q : arr) {
                            Map<String, Object> m = new LinkedHashMap<>();
                            m.put("sql", q.path("sql").asText());
                            m.put("duration_ms", q.path("durationMs").asDouble());
                            m.put("row_count", q.path("rowCount").asInt());
                            m.put("success", q.path("success").asBoolean());
                            m.put("error", q.path("error").isNull() ? null : q.path("error").asText(null));
                            m.put("conversation_id", rs.getString("conversation_id"));
                            m.put("message_id", rs.getString("message_id"));
                            m.put("timestamp", iso(rs.getObject("timestamp", LocalDateTime.class)));
                            queries.add(m);
                        }
                        return 0;
                    }).list();
            List<Double> durations = new ArrayList<>(queries.stream().map(q -> (Double) q.get("duration_ms")).toList());
            durations.sort(Comparator.naturalOrder());
            long failures = queries.stream().filter(q -> !(Boolean) q.get("success")).count();
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("window_hours", hours);
            out.put("total_queries", queries.size());
            out.put("failed_queries", failures);
            out.put("avg_duration_ms", durations.isEmpty() ? null
                    : round2(durations.stream().mapToDouble(Double::doubleValue).average().orElse(0)));
            out.put("p95_duration_ms", percentile(durations, 95));
            out.put("slowest_queries", queries.stream()
                    .sorted(Comparator.comparing((Map<String, Object> q) -> (Double) q.get("duration_ms")).reversed())
                    .limit(10).toList());
            Map<String, long[]> freq = new LinkedHashMap<>();
            for (Map<String, Object> q : queries) {
                long[] c = freq.computeIfAbsent(normalize((String) q.get("sql")), k -> new long[2]);
                c[0]++;
                c[1] += (Boolean) q.get("success") ? 0 : 1;
            }
            out.put("most_frequent_queries", freq.entrySet().stream()
                    .sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0])).limit(10)
                    .map(e -> {
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("sql", e.getKey());
                        m.put("count", e.getValue()[0]);
                        m.put("failures", e.getValue()[1]);
                        return m;
                    }).toList());
            out.put("failed", queries.stream().filter(q -> !(Boolean) q.get("success")).limit(20).toList());
            return out;
        });
    }

    private static String normalize(String sql) {
        return sql == null ? "" : sql.trim().replaceAll("\\s+", " ");
    }

    private static Map<String, Object> filterMap(CallFilter f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", f.model());
        m.put("function_name", f.functionName());
        m.put("agent", f.agent());
        m.put("chat_mode", f.chatMode());
        return m;
    }

    /** Nearest-rank percentile of an ascending list, or null when empty. */
    static Double percentile(List<Double> sorted, int p) {
        if (sorted.isEmpty()) {
            return null;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }

    private static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }

    /** A result row as an ordered map: times as ISO UTC strings, decimals without trailing zeros. */
    static Map<String, Object> row(ResultSet rs) throws SQLException {
        var md = rs.getMetaData();
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
            String name = md.getColumnLabel(i);
            Object v = rs.getObject(i);
            if (v instanceof LocalDateTime t) {
                v = iso(t);
            } else if (v instanceof java.sql.Timestamp ts) {
                v = iso(ts.toLocalDateTime());
            } else if (v instanceof BigDecimal d) {
                BigDecimal plain = d.stripTrailingZeros();
                v = plain.scale() <= 0 ? (Object) plain.longValueExact() : plain; // sums of integers come back as DECIMAL
            } else if (v instanceof java.math.BigInteger b) {
                v = b.longValue();
            } else if (v instanceof Boolean || md.getColumnType(i) == java.sql.Types.BIT || md.getColumnType(i) == java.sql.Types.BOOLEAN) {
                v = v == null ? null : (v instanceof Boolean b2 ? b2 : ((Number) v).intValue() != 0);
            }
            m.put(name, v);
        }
        return m;
    }

    static String iso(LocalDateTime t) {
        return t == null ? null : t.toInstant(ZoneOffset.UTC).toString();
    }

    private static JsonNode parse(String json) {
        try {
            return json == null ? JSON.createArrayNode() : JSON.readTree(json);
        } catch (Exception e) {
            return JSON.createArrayNode();
        }
    }

    private static Object parseJson(Object json, boolean array) {
        if (json == null) {
            return array ? List.of() : Map.of();
        }
        return parse(json.toString());
    }
}
