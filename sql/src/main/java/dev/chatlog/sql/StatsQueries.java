package dev.chatlog.sql;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.YearMonth;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;

/**
 * The statistics routes (daily, range, cost, real-time, latency). Figures come from the
 * {@code chatbot_usage_rollup} table when the filters allow it (no filter, or one dimension filter
 * on the dimension being grouped), so they stay fast at millions of calls; otherwise from an
 * equivalent aggregation of the raw rows, which gives the same figures. Percentiles come from the
 * latency histograms (exact to the bucket width). With model, agent or function filters, or on
 * raw paths, "requests" counts the distinct messages of the matching calls. Lists grouped by user
 * come from a narrow per-user daily table and carry no latency percentiles.
 */
public final class StatsQueries {
    private final Jdbi jdbi;
    /** Per-user sums of the days before today, by window and columns; see {@link #perUser}. */
    private final DayCache<Map<String, Map<String, Object>>> closedDays = new DayCache<>(8);
    /** Daily statistics that read the day's calls (call filters), by date, filters and threshold; see {@link #daily}. */
    private final DayCache<Map<String, Object>> filteredDays = new DayCache<>(32);

    public StatsQueries(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** A half-open time window [from, to), or one conversation ("current session"). */
    public record Window(Instant from, Instant to, String conversationId) {
        LocalDateTime fromUtc() { return LocalDateTime.ofInstant(from, ZoneOffset.UTC); }
        LocalDateTime toUtc() { return LocalDateTime.ofInstant(to, ZoneOffset.UTC); }
        boolean session() { return conversationId != null; }
        /** Whether both ends fall on whole UTC hours, so hourly rollups answer it exactly. */
        boolean hourAligned() {
            return fromUtc().getMinute() == 0 && fromUtc().getSecond() == 0 && fromUtc().getNano() == 0
                    && toUtc().getMinute() == 0 && toUtc().getSecond() == 0 && toUtc().getNano() == 0;
        }

        /** Whether both ends fall on UTC midnights, so daily rollups answer it exactly. */
        boolean dayAligned() {
            return fromUtc().toLocalTime().equals(java.time.LocalTime.MIDNIGHT) && toUtc().toLocalTime().equals(java.time.LocalTime.MIDNIGHT);
        }
    }

    /** Optional filters; null means any. {@code success} filters calls by outcome. */
    public record Filters(String model, String agent, String function, String chatMode, String user, Boolean success) {
        public static final Filters NONE = new Filters(null, null, null, null, null, null);

        /** The one dimension filtered on, or "all" when none; null when more than one or success. */
        String single() {
            if (success != null) return null;
            String dim = "all";
            int n = 0;
            if (model != null) { dim = "model"; n++; }
            if (agent != null) { dim = "agent"; n++; }
            if (function != null) { dim = "function"; n++; }
            if (chatMode != null) { dim = "chat_mode"; n++; }
            if (user != null) { dim = "user"; n++; }
            return n <= 1 ? dim : null;
        }

        String value(String dim) {
            return switch (dim) {
                case "model" -> model;
                case "agent" -> agent;
                case "function" -> function;
                case "chat_mode" -> chatMode;
                case "user" -> user;
                default -> null;
            };
        }

        String rawWhere() {
            StringBuilder sb = new StringBuilder();
            if (model != null) sb.append(" AND model = :f_model");
            if (agent != null) sb.append(" AND agent = :f_agent");
            if (function != null) sb.append(" AND function_name = :f_function");
            if (chatMode != null) sb.append(" AND chat_mode = :f_mode");
            if (user != null) sb.append(" AND user_id = :f_user");
            if (success != null) sb.append(" AND success = :f_success");
            return sb.toString();
        }

        Query bind(Query q) {
            if (model != null) q.bind("f_model", model);
            if (agent != null) q.bind("f_agent", agent);
            if (function != null) q.bind("f_function", function);
            if (chatMode != null) q.bind("f_mode", chatMode);
            if (user != null) q.bind("f_user", user);
            if (success != null) q.bind("f_success", success);
            return q;
        }

        Map<String, Object> asMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", model);
            m.put("agent", agent);
            m.put("function", function);
            m.put("chat_mode", chatMode);
            m.put("user", user);
            m.put("success", success);
            return m;
        }
    }

    // ------------------------------------------------------------------ the one aggregation

    private static final Map<String, String> RAW_GROUP = Map.of("all", "''", "model", "COALESCE(model, '')",
            "agent", "COALESCE(agent, '')", "function", "COALESCE(function_name, '')", "chat_mode", "COALESCE(chat_mode, '')",
            "user", "COALESCE(user_id, '')", "day", "DATE_FORMAT(started_at, '%Y-%m-%d')",
            "hour", "DATE_FORMAT(started_at, '%Y-%m-%dT%H:00:00Z')",
            "model_function", "CONCAT(COALESCE(model, ''), '|', COALESCE(function_name, ''))");

    /**
     * Sums of every rollup column, grouped by {@code group} (a dimension, or "day"), over the window
     * and filters. Keys are the group values ('' for rows without the attribute).
     */
    Map<String, Map<String, Object>> aggregate(Handle h, Window w, Filters f, String group) {
        return aggregate(h, w, f, group, Rollups.columns());
    }

    /**
     * Like {@link #aggregate(Handle, Window, Filters, String)} but summing only {@code columns} on the
     * rollup path (routes that need a few figures over many groups stay fast).
     */
    Map<String, Map<String, Object>> aggregate(Handle h, Window w, Filters f, String group, List<String> columns) {
        String single = f.single();
        boolean byTime = group.equals("day") || group.equals("hour");
        String dimension = group.equals("all") || byTime ? single : group;
        boolean fits = !w.session() && single != null
                && (single.equals("all") || group.equals("all") || byTime || group.equals(single));
        if (fits && w.dayAligned() && group.equals("user")) {
            return f.user() == null ? perUser(h, w, columns) : fromUserRollup(h, w, f, group, columns);
        }
        if ("user".equals(dimension)) { // one user's rows: indexed, and with latency histograms
            return fromRaw(h, w, f, group);
        }
        if (fits && w.dayAligned() && !group.equals("hour")) {
            return fromRollups(h, w, f, single, group, "d", columns);
        }
        if (fits && w.hourAligned() && dimension != null && Rollups.HOURLY.contains(dimension)) {
            return fromRollups(h, w, f, single, group, "h", columns);
        }
        if (!w.session() && single != null && (w.dayAligned() || w.hourAligned()) && pairDimension(single, group) != null) {
            Map<String, Map<String, Object>> pairs = fromPairRollups(h, w, f, single, group, w.dayAligned() ? "d" : "h", columns);
            if (pairs != null) return pairs;
        }
        return fromRaw(h, w, f, group);
    }

    /**
     * The pair dimension that answers a breakdown by {@code group} under a filter on {@code single}:
     * the pair of the two ({@code agent} under a model filter: {@code model_agent}), or the group
     * itself when it is a pair with the filtered dimension on one side; null when there is none.
     */
    static String pairDimension(String single, String group) {
        if (group.equals("tool")) { // tool executions per tool and agent / chat mode
            return single.equals("agent") || single.equals("chat_mode") ? "tool_" + single : null;
        }
        if (Rollups.PAIRS.contains(group)) {
            return group.startsWith(single + "_") || group.endsWith("_" + single) ? group : null;
        }
        return Rollups.pair(single, group);
    }

    /**
     * A breakdown under a one-dimension filter from the pair rollups: the rows of the pair whose side
     * of the filtered dimension is the filter's value (compared by the database, as every other
     * filter is), keyed by the other side's value, or by the whole pair when the group is the pair.
     * Null when a stored value holds the separator or was cut at the column's length, or the filter
     * value holds the separator: then the two sides cannot be told apart and the caller reads calls.
     */
    private Map<String, Map<String, Object>> fromPairRollups(Handle h, Window w, Filters f, String single, String group,
                                                     String granularity, List<String> columns) {
        String pair = pairDimension(single, group);
        if (pair == null) return null;
        String value = f.value(single);
        String sep = String.valueOf(Rollups.PAIR_SEPARATOR);
        if (value.contains(sep)) return null;
        boolean first = pair.startsWith(single + "_");
        // the side compared by the database (its collation, as every other filter); rows whose value
        // holds the separator more than once are caught below
        Map<String, Map<String, Object>> rows = rollupSums(h, w, pair, pair,
                " AND SUBSTRING_INDEX(dim_value, '" + sep + "', " + (first ? 1 : -1) + ") = :value", value, granularity, columns);
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        for (var e : rows.entrySet()) {
            String k = e.getKey();
            int at = k.indexOf(Rollups.PAIR_SEPARATOR);
            if (at < 0 || at != k.lastIndexOf(Rollups.PAIR_SEPARATOR) || k.length() >= 255) return null;
            out.put(group.equals(pair) ? k : first ? k.substring(at + 1) : k.substring(0, at), e.getValue());
        }
        return out;
    }

    /**
     * Every user's sums over a day-aligned window. Grouping a month of users' days is the slowest read
     * there is (150,000 rows for 5,000 daily users), and the days before today rarely change, so
     * their per-user sums are kept ({@link DayCache}: while those days' rollup counters are
     * unchanged) and only today's rows are read again.
     */
    private Map<String, Map<String, Object>> perUser(Handle h, Window w, List<String> columns) {
        LocalDate from = w.fromUtc().toLocalDate();
        LocalDate to = w.toUtc().toLocalDate();
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        LocalDate split = today.isBefore(from) ? from : today.isAfter(to) ? to : today;
        if (!split.isAfter(from)) {
            return fromUserRollup(h, w, Filters.NONE, "user", columns);
        }
        Map<String, Map<String, Object>> kept = closedDays.get(h, from + "|" + split + "|" + columns, from, split,
                () -> fromUserRollup(h, new Window(w.from(), split.atStartOfDay().toInstant(ZoneOffset.UTC), null), Filters.NONE, "user", columns));
        if (!split.isBefore(to)) {
            return kept;
        }
        Map<String, Map<String, Object>> open = fromUserRollup(h, new Window(split.atStartOfDay().toInstant(ZoneOffset.UTC), w.to(), null),
                Filters.NONE, "user", columns);
        Map<String, Map<String, Object>> out = new LinkedHashMap<>(kept);
        open.forEach((user, sums) -> out.merge(user, sums, StatsQueries::plus));
        return out;
    }

    /** Per-user figures from the narrow {@code chatbot_user_daily} table (no latency histograms). */
    private Map<String, Map<String, Object>> fromUserRollup(Handle h, Window w, Filters f, String group, List<String> columns) {
        String key = switch (group) {
            case "day" -> "DATE_FORMAT(day, '%Y-%m-%d')";
            case "all" -> "''";
            default -> "user_id";
        };
        StringBuilder sql = new StringBuilder("SELECT ").append(key).append(" AS k");
        for (String c : columns) if (Rollups.USER_COLUMNS.contains(c)) sql.append(", SUM(").append(c).append(") AS ").append(c);
        sql.append(" FROM chatbot_user_daily WHERE day >= :from AND day < :to");
        if (f.user() != null) sql.append(" AND user_id = :user");
        sql.append(" GROUP BY k");
        Query q = h.createQuery(sql.toString()).bind("from", w.fromUtc().toLocalDate()).bind("to", w.toUtc().toLocalDate());
        if (f.user() != null) q.bind("user", f.user());
        return collect(q);
    }

    private Map<String, Map<String, Object>> fromRollups(Handle h, Window w, Filters f, String single, String group,
                                                         String granularity, List<String> columns) {
        String dimension = group.equals("all") || group.equals("day") || group.equals("hour") ? single : group;
        String value = single.equals("all") ? null : f.value(single);
        return rollupSums(h, w, dimension, group, value == null ? "" : " AND dim_value = :value", value, granularity, columns);
    }

    /**
     * Sums of {@code columns} of one dimension's rollup rows over the window, grouped by {@code group}
     * ("day", "hour", "all", or anything else: the row's value), narrowed by {@code valueSql} (binding
     * {@code :value}). An hour-granularity window over whole days reads the days' daily rows and
     * hourly rows only at its ends.
     */
    private static Map<String, Map<String, Object>> rollupSums(Handle h, Window w, String dimension, String group, String valueSql,
                                                               String value, String granularity, List<String> columns) {
        String key = switch (group) {
            case "day" -> "DATE_FORMAT(bucket_start, '%Y-%m-%d')";
            case "hour" -> "DATE_FORMAT(bucket_start, '%Y-%m-%dT%H:00:00Z')";
            case "all" -> "''";
            default -> "dim_value";
        };
        StringBuilder sql = new StringBuilder("SELECT ").append(key).append(" AS k");
        for (String c : columns) sql.append(", SUM(").append(c).append(") AS ").append(c);
        if (columns.contains("lat_00")) sql.append(", MAX(max_duration_ms) AS max_duration_ms"); // percentiles end there
        LocalDateTime from = w.fromUtc(), to = w.toUtc();
        LocalDateTime m1 = from.toLocalTime().equals(java.time.LocalTime.MIDNIGHT) ? from : from.toLocalDate().plusDays(1).atStartOfDay();
        LocalDateTime m2 = to.toLocalDate().atStartOfDay();
        boolean mixed = granularity.equals("h") && !group.equals("hour") && m1.isBefore(m2) && Rollups.DAILY.contains(dimension);
        sql.append(" FROM chatbot_usage_rollup WHERE dimension = :dim AND ");
        if (mixed) {
            sql.append("((granularity = 'h' AND bucket_start >= :from AND bucket_start < :m1)"
                    + " OR (granularity = 'd' AND bucket_start >= :m1 AND bucket_start < :m2)"
                    + " OR (granularity = 'h' AND bucket_start >= :m2 AND bucket_start < :to))");
        } else {
            sql.append("granularity = '").append(granularity).append("' AND bucket_start >= :from AND bucket_start < :to");
        }
        sql.append(valueSql).append(" GROUP BY k");
        Query q = h.createQuery(sql.toString()).bind("dim", dimension).bind("from", from).bind("to", to);
        if (mixed) q.bind("m1", m1).bind("m2", m2);
        if (value != null) q.bind("value", value);
        return collect(q);
    }

    /** The rollup's call columns computed from raw rows (everything but the message columns). */
    static String rawCallColumns() {
        String mc = "call_type IN ('chat', 'streaming_chat', 'embedding')";
        StringBuilder sql = new StringBuilder()
                .append("SUM(").append(mc).append(") AS llm_calls")
                .append(", SUM(").append(mc).append(" AND NOT success) AS failed_llm_calls")
                .append(", SUM(call_type = 'tool') AS tool_calls, SUM(call_type = 'tool' AND NOT success) AS failed_tool_calls")
                .append(", SUM(call_type = 'agent') AS agent_calls");
        for (String c : List.of("input_tokens", "output_tokens", "cached_input_tokens", "reasoning_tokens", "total_tokens")) {
            sql.append(", SUM(IF(").append(mc).append(", ").append(c).append(", 0)) AS ").append(c);
        }
        sql.append(", COALESCE(SUM(IF(").append(mc).append(", cost_estimate, 0)), 0) AS cost")
                .append(", SUM(").append(mc).append(" AND NOT priced) AS unpriced_calls")
                .append(", SUM(IF(").append(mc).append(", duration_ms, 0)) AS llm_duration_ms")
                .append(", SUM(IF(call_type = 'tool', duration_ms, 0)) AS tool_duration_ms")
                .append(", SUM(IF(").append(mc).append(" AND time_to_first_token_ms IS NOT NULL, time_to_first_token_ms, 0)) AS ttft_ms_sum")
                .append(", SUM(").append(mc).append(" AND time_to_first_token_ms IS NOT NULL) AS ttft_count")
                .append(", MAX(IF(").append(mc).append(", duration_ms, NULL)) AS max_duration_ms");
        histogram(sql, mc, "duration_ms", "lat");
        histogram(sql, mc, "time_to_first_token_ms", "ttft");
        return sql.toString();
    }

    /** The {@code tool} dimension's columns computed from raw tool rows (durations in the lat_NN histogram). */
    static String rawToolColumns() {
        StringBuilder sql = new StringBuilder("COUNT(*) AS tool_calls, SUM(NOT success) AS failed_tool_calls, "
                + "SUM(duration_ms) AS tool_duration_ms, MAX(duration_ms) AS max_duration_ms");
        histogram(sql, "call_type = 'tool'", "duration_ms", "lat");
        return sql.toString();
    }

    /** The {@code intent} dimension's columns computed from raw message rows. */
    static final String RAW_INTENT_COLUMNS = "COUNT(*) AS messages, SUM(NOT success) AS failed_messages, "
            + "SUM(response_time_ms) AS message_duration_ms, SUM(total_llm_calls) AS llm_calls, SUM(total_input_tokens) AS input_tokens, "
            + "SUM(total_output_tokens) AS output_tokens, SUM(total_tokens_used) AS total_tokens, SUM(total_cost) AS cost, "
            + "SUM(unpriced_calls) AS unpriced_calls, SUM(total_duration_ms) AS llm_duration_ms";

    private Map<String, Map<String, Object>> fromRaw(Handle h, Window w, Filters f, String group) {
        boolean tool = group.equals("tool"); // tool executions, their durations in the histogram, as the tool rollups
        StringBuilder sql = new StringBuilder("SELECT ").append(tool ? "COALESCE(function_name, '')" : RAW_GROUP.get(group)).append(" AS k");
        if (tool) {
            sql.append(", ").append(rawToolColumns());
        } else {
            sql.append(", COUNT(DISTINCT IF(message_id <> '', CONCAT(conversation_id, '/', message_id), NULL)) AS messages")
                    .append(", 0 AS failed_messages, 0 AS message_duration_ms, ").append(rawCallColumns());
        }
        sql.append(" FROM chatbot_llm_calls WHERE started_at >= :from AND started_at < :to").append(tool ? " AND call_type = 'tool'" : "");
        if (w.session()) sql.append(" AND conversation_id = :conv");
        sql.append(f.rawWhere()).append(" GROUP BY k");
        Query q = f.bind(h.createQuery(sql.toString())).bind("from", w.fromUtc()).bind("to", w.toUtc());
        if (w.session()) q.bind("conv", w.conversationId());
        Map<String, Map<String, Object>> out = collect(q);
        if (!hasCallFilter(f)) {
            addRawMessages(h, w, f, group, out);
        }
        return out;
    }

    /**
     * Under model, agent, function or outcome filters, when one of {@code groups} has no rollup
     * answer (two filters or more, the outcome, a window not on whole hours, one conversation, or a
     * group not paired with the filtered dimension): those groups' sums (without message counts) in
     * one pass over the matching calls ({@link CallPass}), offering each call to {@code tops} too.
     * Otherwise null. Groups missing from the answer are read with {@link #aggregate}, and without
     * a pass the tops with {@link TopCalls}.
     */
    static Map<String, Map<String, Map<String, Object>>> onePass(Handle h, Window w, Filters f, List<String> groups,
                                                                 List<CallPass.Top> tops) {
        if (!hasCallFilter(f)) return null;
        String single = f.single();
        List<String> read = !w.session() && w.hourAligned() && single != null
                ? groups.stream().filter(g -> !g.equals(single) && pairDimension(single, g) == null).toList() : groups;
        return read.isEmpty() ? null : CallPass.read(h, w, f, read, tops, false);
    }

    private static boolean hasCallFilter(Filters f) {
        return f.model() != null || f.agent() != null || f.function() != null || f.success() != null;
    }

    /** Without call-level filters, requests come from the messages table itself. */
    private static void addRawMessages(Handle h, Window w, Filters f, String group, Map<String, Map<String, Object>> out) {
        String key = switch (group) {
            case "chat_mode" -> "COALESCE(chat_mode, '')";
            case "user" -> "COALESCE(user_id, '')";
            case "day" -> "DATE_FORMAT(`timestamp`, '%Y-%m-%d')";
            case "all" -> "''";
            default -> null;
        };
        if (key == null) return;
        StringBuilder sql = new StringBuilder("SELECT ").append(key).append(" AS k, COUNT(*) AS messages, SUM(NOT success) AS failed_messages,"
                + " SUM(response_time_ms) AS message_duration_ms FROM chatbot_conversation_messages WHERE `timestamp` >= :from AND `timestamp` < :to");
        if (w.session()) sql.append(" AND conversation_id = :conv");
        if (f.chatMode() != null) sql.append(" AND chat_mode = :f_mode");
        if (f.user() != null) sql.append(" AND user_id = :f_user");
        sql.append(" GROUP BY k");
        Query q = h.createQuery(sql.toString()).bind("from", w.fromUtc()).bind("to", w.toUtc());
        if (w.session()) q.bind("conv", w.conversationId());
        if (f.chatMode() != null) q.bind("f_mode", f.chatMode());
        if (f.user() != null) q.bind("f_user", f.user());
        q.map((rs, ctx) -> {
            Map<String, Object> row = out.computeIfAbsent(rs.getString("k"), k -> zeroRow());
            row.put("messages", rs.getLong("messages"));
            row.put("failed_messages", rs.getLong("failed_messages"));
            row.put("message_duration_ms", rs.getBigDecimal("message_duration_ms"));
            return 0;
        }).list();
    }

    private static Map<String, Object> zeroRow() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (String c : Rollups.columns()) m.put(c, 0L);
        return m;
    }

    private static void histogram(StringBuilder sql, String mc, String column, String prefix) {
        for (int i = 0; i < Rollups.BUCKETS; i++) {
            sql.append(", SUM(").append(mc).append(" AND ").append(column).append(" IS NOT NULL");
            if (i > 0) sql.append(" AND ").append(column).append(" > ").append(Rollups.EDGES[i - 1]);
            if (i < Rollups.EDGES.length) sql.append(" AND ").append(column).append(" <= ").append(Rollups.EDGES[i]);
            sql.append(") AS ").append(String.format("%s_%02d", prefix, i));
        }
    }

    static Map<String, Map<String, Object>> collect(Query q) {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        List<String> present = new ArrayList<>();
        q.map((rs, ctx) -> {
            if (present.isEmpty()) { // once per result, not per row
                java.util.Set<String> labels = new java.util.HashSet<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) labels.add(rs.getMetaData().getColumnLabel(i));
                for (String c : Rollups.columns()) if (labels.contains(c)) present.add(c);
                for (String c : Rollups.MAX_COLUMNS) if (labels.contains(c)) present.add(c);
            }
            Map<String, Object> row = new LinkedHashMap<>();
            for (String c : present) {
                BigDecimal v = rs.getBigDecimal(c);
                row.put(c, v == null ? 0L : v.scale() <= 0 || v.stripTrailingZeros().scale() <= 0 ? (Object) v.longValue() : v);
            }
            out.put(rs.getString("k") == null ? "" : rs.getString("k"), row);
            return 0;
        }).list();
        return out;
    }

    // ------------------------------------------------------------------ derived figures

    static long l(Map<String, Object> s, String c) {
        Object v = s.get(c);
        return v == null ? 0 : ((Number) v).longValue();
    }

    static BigDecimal d(Map<String, Object> s, String c) {
        Object v = s.get(c);
        return v == null ? BigDecimal.ZERO : v instanceof BigDecimal b ? b : new BigDecimal(v.toString());
    }

    private static Double ratio(double a, double b, int scale) {
        if (b == 0) return null;
        return BigDecimal.valueOf(a / b).setScale(scale, RoundingMode.HALF_UP).doubleValue();
    }

    static BigDecimal plain(BigDecimal b) {
        return b.signum() == 0 ? BigDecimal.ZERO : b.stripTrailingZeros();
    }

    /** The documented figures of one group of summed rollup columns. */
    static Map<String, Object> metrics(Map<String, Object> s) {
        Map<String, Object> m = new LinkedHashMap<>();
        long requests = l(s, "messages");
        long calls = l(s, "llm_calls");
        long failed = l(s, "failed_llm_calls");
        long tokens = l(s, "total_tokens");
        BigDecimal cost = d(s, "cost");
        m.put("requests", requests);
        m.put("failed_requests", l(s, "failed_messages"));
        m.put("llm_calls", calls);
        m.put("failed_llm_calls", failed);
        m.put("tool_calls", l(s, "tool_calls"));
        m.put("failed_tool_calls", l(s, "failed_tool_calls"));
        m.put("agent_runs", l(s, "agent_calls"));
        m.put("input_tokens", l(s, "input_tokens"));
        m.put("output_tokens", l(s, "output_tokens"));
        m.put("cached_input_tokens", l(s, "cached_input_tokens"));
        m.put("reasoning_tokens", l(s, "reasoning_tokens"));
        m.put("total_tokens", tokens);
        m.put("cost", plain(cost));
        m.put("unpriced_calls", l(s, "unpriced_calls"));
        m.put("llm_duration_ms", plain(d(s, "llm_duration_ms")));
        m.put("avg_llm_latency_ms", ratio(d(s, "llm_duration_ms").doubleValue(), calls, 2));
        m.put("avg_duration_per_request_ms", ratio(d(s, "message_duration_ms").doubleValue(), requests, 2));
        m.put("avg_tokens_per_request", ratio(tokens, requests, 2));
        m.put("avg_cost_per_request", requests == 0 ? null : plain(cost.divide(BigDecimal.valueOf(requests), 10, RoundingMode.HALF_UP)));
        m.put("cost_per_1k_tokens", tokens == 0 ? null : plain(cost.multiply(BigDecimal.valueOf(1000)).divide(BigDecimal.valueOf(tokens), 10, RoundingMode.HALF_UP)));
        m.put("success_rate", calls == 0 ? null : ratio(100.0 * (calls - failed), calls, 2));
        m.put("error_rate", calls == 0 ? null : ratio(100.0 * failed, calls, 2));
        long[] lat = hist(s, "lat");
        long[] ttft = hist(s, "ttft");
        Map<String, Object> latency = new LinkedHashMap<>();
        Double max = d(s, "max_duration_ms").signum() > 0 ? d(s, "max_duration_ms").doubleValue() : null;
        latency.put("p50_ms", Rollups.percentile(lat, 50, max));
        latency.put("p95_ms", Rollups.percentile(lat, 95, max));
        latency.put("p99_ms", Rollups.percentile(lat, 99, max));
        latency.put("ttft_avg_ms", ratio(l(s, "ttft_ms_sum"), l(s, "ttft_count"), 2));
        latency.put("ttft_p50_ms", Rollups.percentile(ttft, 50));
        latency.put("ttft_p95_ms", Rollups.percentile(ttft, 95));
        latency.put("ttft_p99_ms", Rollups.percentile(ttft, 99));
        m.put("latency", latency);
        return m;
    }

    static long[] hist(Map<String, Object> s, String prefix) {
        long[] h = new long[Rollups.BUCKETS];
        String[] columns = Rollups.histogramColumns(prefix);
        for (int i = 0; i < h.length; i++) h[i] = l(s, columns[i]);
        return h;
    }

    /** The column-wise sum of two rows of sums (only the columns they have). */
    static Map<String, Object> plus(Map<String, Object> a, Map<String, Object> b) {
        Map<String, Object> out = new LinkedHashMap<>(a);
        b.forEach((k, v) -> out.merge(k, v, (x, y) -> combine(k, x, y)));
        return out;
    }

    /** Two values of one column added up, or the larger of two maxima. */
    private static Object combine(String column, Object x, Object y) {
        if (Rollups.MAX_COLUMNS.contains(column)) return d(Map.of("x", x), "x").max(d(Map.of("y", y), "y"));
        if (x instanceof BigDecimal || y instanceof BigDecimal) return d(Map.of("x", x), "x").add(d(Map.of("y", y), "y"));
        return ((Number) x).longValue() + ((Number) y).longValue();
    }

    static Map<String, Object> merged(Iterable<Map<String, Object>> rows) {
        Map<String, Object> sum = zeroRow();
        for (Map<String, Object> r : rows) {
            r.forEach((k, v) -> sum.merge(k, v, (a, b) -> combine(k, a, b)));
        }
        return sum;
    }

    /** The {@code limit} most expensive groups (then the busiest), with their figures. */
    private static List<Map<String, Object>> groups(Map<String, Map<String, Object>> sums, String label, int limit) {
        // rank on the sums and derive the figures of the groups shown only (5,000 users, 50 shown)
        List<Map.Entry<String, Map<String, Object>>> ranked = new ArrayList<>(sums.entrySet());
        ranked.sort(Comparator.comparing((Map.Entry<String, Map<String, Object>> e) -> d(e.getValue(), "cost")).reversed()
                .thenComparing(e -> -l(e.getValue(), "llm_calls") - l(e.getValue(), "tool_calls")));
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map.Entry<String, Map<String, Object>> e : ranked.subList(0, Math.min(limit, ranked.size()))) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put(label, e.getKey().isEmpty() ? null : e.getKey());
            m.putAll(metrics(e.getValue()));
            out.add(m);
        }
        return out;
    }

    // ------------------------------------------------------------------ routes

    /**
     * Daily statistics for one UTC date. Under a model, agent or function filter they read the day's
     * matching calls (a few thousand at a million calls a month); that result is kept while the
     * day's rollup counters are unchanged ({@link DayCache}), so asking again for a day that
     * received no row since costs one indexed read.
     */
    public Map<String, Object> daily(LocalDate date, Filters f, int slowMs) {
        Instant from = date.atStartOfDay().toInstant(ZoneOffset.UTC);
        Window w = new Window(from, from.plusSeconds(86_400), null);
        return jdbi.withHandle(h -> hasCallFilter(f)
                ? filteredDays.get(h, date + "|" + f + "|" + slowMs, date, date.plusDays(1), () -> daily(h, date, w, f, slowMs))
                : daily(h, date, w, f, slowMs));
    }

    private Map<String, Object> daily(Handle h, LocalDate date, Window w, Filters f, int slowMs) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("date", date.toString());
        out.put("filters", f.asMap());
        // filters on call attributes leave most breakdowns without rollup rows: then one pass over the
        // day's matching calls gives all of them and the top lists, instead of one read per breakdown
        boolean raw = hasCallFilter(f);
        CallPass.Top costliest = new CallPass.Top(TopCalls.By.COST, null, 10);
        CallPass.Top slowest = new CallPass.Top(TopCalls.By.DURATION, slowMs, 10);
        Map<String, Map<String, Map<String, Object>>> pass = raw
                ? CallPass.read(h, w, f, List.of("all", "agent", "function", "model", "chat_mode", "user"), List.of(costliest, slowest), true)
                : null;
        java.util.function.Function<String, Map<String, Map<String, Object>>> sums =
                dim -> pass != null ? pass.get(dim) : aggregate(h, w, f, dim);
        Map<String, Object> allSums = merged(sums.apply("all").values());
        Map<String, Object> totals = metrics(allSums);
        out.put("totals", totals);
        out.put("by_agent", groups(sums.apply("agent"), "agent", 100));
        out.put("by_function", groups(sums.apply("function"), "function", 100));
        out.put("by_model", groups(sums.apply("model"), "model", 100));
        out.put("by_chat_mode", groups(sums.apply("chat_mode"), "chat_mode", 100));
        out.put("by_user", groups(sums.apply("user"), "user", 50));
        String top = "call_id, conversation_id, message_id, call_type, model, agent, function_name, user_id, total_tokens,"
                + " cost_estimate, duration_ms, success, started_at";
        out.put("top_expensive_calls", raw ? costliest.rows(h, top) : TopCalls.find(h, w, f, TopCalls.By.COST, top, "", null, 10));
        Map<String, Object> slow = new LinkedHashMap<>();
        slow.put("threshold_ms", slowMs);
        int edge = java.util.Arrays.binarySearch(Rollups.EDGES, slowMs);
        if (raw) {
            slow.put("count", slowest.qualified());
        } else if (edge >= 0) { // a bucket edge: the histogram counts it exactly
            long[] lat = hist(allSums, "lat");
            long slowCount = 0;
            for (int i = edge + 1; i < lat.length; i++) slowCount += lat[i];
            slow.put("count", slowCount);
        } else {
            slow.put("count", f.bind(h.createQuery("SELECT COUNT(*) FROM chatbot_llm_calls WHERE started_at >= :from AND started_at < :to"
                            + " AND duration_ms > :slow AND call_type IN ('chat', 'streaming_chat', 'embedding')" + f.rawWhere()))
                    .bind("from", w.fromUtc()).bind("to", w.toUtc()).bind("slow", slowMs).mapTo(Long.class).one());
        }
        slow.put("calls", raw ? slowest.rows(h, top) : TopCalls.find(h, w, f, TopCalls.By.DURATION, top, " AND duration_ms > :slow", slowMs, 10));
        out.put("slow_calls", slow);
        Map<String, Object> errors = new LinkedHashMap<>();
        errors.put("overall", totals.get("error_rate"));
        errors.put("by_agent", errorRates((List<Map<String, Object>>) out.get("by_agent"), "agent"));
        errors.put("by_function", errorRates((List<Map<String, Object>>) out.get("by_function"), "function"));
        errors.put("by_model", errorRates((List<Map<String, Object>>) out.get("by_model"), "model"));
        out.put("error_rates", errors);
        return out;
    }

    private static List<Map<String, Object>> errorRates(List<Map<String, Object>> groups, String label) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> g : groups) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put(label, g.get(label));
            m.put("llm_calls", g.get("llm_calls"));
            m.put("failed_llm_calls", g.get("failed_llm_calls"));
            m.put("error_rate", g.get("error_rate"));
            m.put("tool_calls", g.get("tool_calls"));
            m.put("failed_tool_calls", g.get("failed_tool_calls"));
            out.add(m);
        }
        return out;
    }

    /** A series over the window grouped by day, ISO week (from Monday) or month, with totals. */
    public Map<String, Object> range(Window w, Filters f, String groupBy) {
        return jdbi.withHandle(h -> {
            Map<String, Map<String, Object>> days = aggregate(h, w, f, "day");
            TreeMap<String, List<Map<String, Object>>> periods = new TreeMap<>();
            days.forEach((day, s) -> {
                LocalDate d = LocalDate.parse(day);
                String period = switch (groupBy) {
                    case "week" -> d.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY)).toString();
                    case "month" -> YearMonth.from(d).toString();
                    default -> day;
                };
                periods.computeIfAbsent(period, k -> new ArrayList<>()).add(s);
            });
            List<Map<String, Object>> series = new ArrayList<>();
            periods.forEach((p, rows) -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("period", p);
                m.putAll(metrics(merged(rows)));
                series.add(m);
            });
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("window", window(w));
            out.put("group_by", groupBy);
            out.put("filters", f.asMap());
            out.put("totals", metrics(merged(days.values())));
            out.put("series", series);
            return out;
        });
    }

    static final List<String> COST_COLUMNS = List.of("messages", "llm_calls", "failed_llm_calls", "input_tokens", "output_tokens",
            "total_tokens", "cost", "unpriced_calls");

    /** Cost grouped by day, agent, model or user, and the cost analysis of seed 001. */
    public Map<String, Object> cost(Window w, Filters f, String groupBy, Instant now) {
        return cost(w, f, groupBy, now, 100);
    }

    /** As {@link #cost(Window, Filters, String, Instant)}, with at most {@code limit} groups (the most expensive). */
    public Map<String, Object> cost(Window w, Filters f, String groupBy, Instant now, int limit) {
        return jdbi.withHandle(h -> {
            String dim = groupBy.equals("day") ? "day" : groupBy;
            List<Map<String, Object>> groups = new ArrayList<>();
            aggregate(h, w, f, dim, COST_COLUMNS).forEach((k, s) -> {
                Map<String, Object> m = new LinkedHashMap<>();
                BigDecimal cost = d(s, "cost");
                long tokens = l(s, "total_tokens");
                m.put(groupBy, k.isEmpty() ? null : k);
                m.put("cost", plain(cost));
                m.put("llm_calls", l(s, "llm_calls"));
                m.put("total_tokens", tokens);
                m.put("input_tokens", l(s, "input_tokens"));
                m.put("output_tokens", l(s, "output_tokens"));
                m.put("unpriced_calls", l(s, "unpriced_calls"));
                m.put("cost_per_1k_tokens", tokens == 0 ? null
                        : plain(cost.multiply(BigDecimal.valueOf(1000)).divide(BigDecimal.valueOf(tokens), 10, RoundingMode.HALF_UP)));
                groups.add(m);
            });
            int groupCount = groups.size();
            if (groupBy.equals("day")) {
                groups.sort(Comparator.comparing(m -> String.valueOf(m.get("day"))));
            } else {
                groups.sort(Comparator.comparing((Map<String, Object> m) -> (BigDecimal) m.get("cost")).reversed());
                if (groups.size() > limit) groups.subList(limit, groups.size()).clear();
            }
            Map<String, Object> analysis = costAnalysis(h, w, f, now);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("window", window(w));
            out.put("group_by", groupBy);
            out.put("filters", f.asMap());
            out.put("group_count", groupCount);
            out.put("groups", groups);
            out.put("analysis", analysis);
            return out;
        });
    }

    /**
     * Seed 001's cost analysis of a window: most expensive and most used model, total cost, cost per
     * 1K tokens; and the month so far (whatever the window) projected to the month's end.
     */
    Map<String, Object> costAnalysis(Handle h, Window w, Filters f, Instant now) {
        Map<String, Object> analysis = new LinkedHashMap<>();
        Map<String, Map<String, Object>> models = aggregate(h, w, f, "model", COST_COLUMNS);
        models.entrySet().stream().max(Comparator.comparing(e -> d(e.getValue(), "cost")))
                .ifPresent(e -> analysis.put("most_expensive_model", Map.of("model", e.getKey(), "cost", plain(d(e.getValue(), "cost")))));
        models.entrySet().stream().max(Comparator.comparingLong(e -> l(e.getValue(), "llm_calls")))
                .ifPresent(e -> analysis.put("most_used_model", Map.of("model", e.getKey(), "llm_calls", l(e.getValue(), "llm_calls"))));
        Map<String, Object> total = metrics(merged(models.values()));
        analysis.put("total_cost", total.get("cost"));
        analysis.put("cost_per_1k_tokens", total.get("cost_per_1k_tokens"));
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        Instant monthStart = today.withDayOfMonth(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        Instant tomorrow = today.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        BigDecimal mtd = d(merged(aggregate(h, new Window(monthStart, tomorrow, null), f, "all", COST_COLUMNS).values()), "cost");
        double elapsedDays = Math.max(1.0 / 24, (now.getEpochSecond() - monthStart.getEpochSecond()) / 86_400.0);
        int monthDays = YearMonth.from(today).lengthOfMonth();
        analysis.put("month_to_date_cost", plain(mtd));
        analysis.put("projected_month_end_cost", plain(mtd.multiply(BigDecimal.valueOf(monthDays))
                .divide(BigDecimal.valueOf(elapsedDays), 6, RoundingMode.HALF_UP)));
        analysis.put("projection_basis", "month-to-date cost / days elapsed (" + BigDecimal.valueOf(elapsedDays)
                .setScale(2, RoundingMode.HALF_UP) + ") * days in month (" + monthDays + ")");
        return analysis;
    }

    /** Latency percentiles and time to first token, overall and per model. */
    public Map<String, Object> latency(Window w, Filters f) {
        return jdbi.withHandle(h -> {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("window", window(w));
            out.put("filters", f.asMap());
            Map<String, Object> all = metrics(merged(aggregate(h, w, f, "all").values()));
            Map<String, Object> overall = new LinkedHashMap<>((Map<String, Object>) all.get("latency"));
            overall.put("llm_calls", all.get("llm_calls"));
            overall.put("avg_ms", all.get("avg_llm_latency_ms"));
            out.put("overall", overall);
            List<Map<String, Object>> byModel = new ArrayList<>();
            aggregate(h, w, f, "model").forEach((k, s) -> {
                Map<String, Object> x = metrics(s);
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("model", k);
                m.put("llm_calls", x.get("llm_calls"));
                m.put("avg_ms", x.get("avg_llm_latency_ms"));
                m.putAll((Map<String, Object>) x.get("latency"));
                byModel.add(m);
            });
            byModel.sort(Comparator.comparingLong(m -> -((Number) m.get("llm_calls")).longValue()));
            out.put("by_model", byModel);
            out.put("histogram_edges_ms", Rollups.EDGES);
            return out;
        });
    }

    /** The last {@code minutes} minutes, from the raw rows. */
    public Map<String, Object> realtime(int minutes, Instant now) {
        LocalDateTime from = LocalDateTime.ofInstant(now.minusSeconds(60L * minutes), ZoneOffset.UTC);
        return jdbi.withHandle(h -> {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("minutes", minutes);
            out.put("from", AnalysisQueries.iso(from));
            out.putAll(h.createQuery("""
                    SELECT (SELECT COUNT(*) FROM chatbot_conversation_messages WHERE `timestamp` >= :from) AS requests,
                           COUNT(*) AS llm_calls, COALESCE(SUM(total_tokens), 0) AS total_tokens,
                           COALESCE(SUM(cost_estimate), 0) AS cost, ROUND(COALESCE(AVG(duration_ms), 0), 2) AS avg_duration_ms,
                           COALESCE(SUM(NOT success), 0) AS failed_llm_calls
                    FROM chatbot_llm_calls WHERE started_at >= :from AND call_type IN ('chat', 'streaming_chat', 'embedding')""")
                    .bind("from", from).map((rs, ctx) -> AnalysisQueries.row(rs)).one());
            out.put("calls_per_minute", ratio(((Number) out.get("llm_calls")).doubleValue(), minutes, 2));
            out.put("active_agents", h.createQuery("""
                    SELECT agent, COUNT(*) AS calls FROM chatbot_llm_calls WHERE started_at >= :from AND agent IS NOT NULL
                    GROUP BY agent ORDER BY calls DESC LIMIT 50""").bind("from", from).map((rs, ctx) -> AnalysisQueries.row(rs)).list());
            out.put("active_models", h.createQuery("""
                    SELECT model, COUNT(*) AS calls FROM chatbot_llm_calls WHERE started_at >= :from AND model IS NOT NULL
                    GROUP BY model ORDER BY calls DESC LIMIT 50""").bind("from", from).map((rs, ctx) -> AnalysisQueries.row(rs)).list());
            return out;
        });
    }

    private static Map<String, Object> window(Window w) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("from", w.from().toString());
        m.put("to", w.to().toString());
        if (w.session()) m.put("conversation_id", w.conversationId());
        return m;
    }
}
