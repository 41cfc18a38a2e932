package dev.chatlog.alerts;

import dev.chatlog.sql.Utc;


import dev.chatlog.budgets.BudgetReport;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;

/**
 * What a notification says: its summary in words, the three calls or conversations behind a change
 * to WARNING or ALERT (read from the calls of the window, only when a subject changes state), and
 * the links into the dashboard, all under {@code dashboardUrl}.
 */
final class AlertNotifications {
    private static final int CAUSES = 3;

    private final String dashboardUrl;

    AlertNotifications(String dashboardUrl) {
        this.dashboardUrl = dashboardUrl;
    }

    Notification of(Handle h, AlertRule r, String key, String subject, AlertState was, AlertState next,
                                      AlertEvaluator.Observation o, AlertEvaluator.Window w, Instant now) {
        List<Map<String, Object>> causes = next == AlertState.OK ? List.of() : causes(h, r, subject, o, w);
        Map<String, String> links = new LinkedHashMap<>();
        links.put("alerts", dashboardUrl + "/dashboard#alerts");
        links.put("alerts_json", dashboardUrl + "/logging-dashboard/alerts");
        if (r.by().equals("model") && !subject.isEmpty()) links.put("dashboard", dashboardUrl + "/dashboard#range=1&model=" + enc(subject));
        else links.put("dashboard", dashboardUrl + "/dashboard#range=1");
        if (r.kind() == AlertKind.BUDGET) links.put("budget", dashboardUrl + "/logging-dashboard/budgets/" + enc(subject));
        if (r.kind() == AlertKind.EXPERIMENT) links.put("experiment", dashboardUrl + "/logging-dashboard/experiments/" + enc(subject));
        if (r.kind() == AlertKind.INSIGHTS) links.put("insights", dashboardUrl + "/logging-dashboard/insights");
        boolean windowed = !r.kind().followsState();
        return new Notification(key, r.name(), r.kind(), r.severity(), r.by(), subject, next, was, o.value(),
                windowed ? r.alertAbove() : null, windowed ? r.warnAbove() : null, o.calls(),
                windowed ? AlertRule.show(r.window()) : null, windowed ? w.from() : null, windowed ? w.to() : null,
                summary(r, subject, was, next, o), causes, links, now);
    }

    private String summary(AlertRule r, String subject, AlertState was, AlertState next, AlertEvaluator.Observation o) {
        String who = r.by().equals("all") ? "all calls" : r.by() + " " + (subject.isEmpty() ? "(none)" : subject);
        String v = o.value() == null ? "no figure" : o.value().stripTrailingZeros().toPlainString();
        String limits = "alert above " + plain(r.alertAbove()) + (r.warnAbove() == null ? "" : ", warning above " + plain(r.warnAbove()));
        String head = switch (r.kind()) {
            case SLOW_CALLS -> r.stat() + " " + (r.metric().equals("ttft") ? "time to first token" : "duration") + " of " + who + " is " + v
                    + " ms over the last " + AlertRule.show(r.window()) + " (" + calls(o.calls()) + "; " + limits + " ms)";
            case TOKEN_USAGE -> (r.stat().equals("max") ? "the most tokens of one call" : "average " + r.metric() + " tokens per call")
                    + " of " + who + " is " + v + " over the last " + AlertRule.show(r.window()) + " (" + calls(o.calls()) + "; " + limits + ")";
            case FAILURE_RATE -> "failure rate of " + who + " is " + pct(o.value()) + " over the last " + AlertRule.show(r.window()) + " ("
                    + o.figures().getOrDefault("failed", 0) + " of " + o.calls() + " calls failed; alert above " + pct(r.alertAbove())
                    + (r.warnAbove() == null ? "" : ", warning above " + pct(r.warnAbove())) + ", at least " + r.minCalls() + " calls)";
            case COST_SPIKE -> "cost of " + who + " over the last " + AlertRule.show(r.window()) + " is $" + o.figures().getOrDefault("cost_usd", "0")
                    + ", " + v + "x the average of such a window in the " + o.figures().getOrDefault("baseline", "") + " before it ($"
                    + o.figures().getOrDefault("baseline_cost_per_window_usd", "?") + "; " + limits + ")";
            case BUDGET -> "budget " + subject + " has spent $" + o.figures().getOrDefault("spent_usd", "?") + " of $"
                    + o.figures().getOrDefault("limit_usd", "?") + " (" + pct(o.value()) + ")"
                    + (Boolean.TRUE.equals(o.figures().get("projected_to_exceed")) ? ", projected to reach $" + o.figures().get("projected_usd") : "");
            case EXPERIMENT -> "experiment " + subject + (next == AlertState.ALERT ? " was stopped automatically, its traffic back on the control: "
                    + o.figures().getOrDefault("stop_reason", "") : " is no longer stopped automatically");
            case LOGGER_HEALTH -> "logger of instance " + subject + ": " + (o.figures().get("reasons") instanceof List<?> l && !l.isEmpty()
                    ? String.join("; ", l.stream().map(Object::toString).toList()) : "healthy");
            case QUALITY_DROP -> "average " + r.metric() + " of " + who + " is " + v + " over the last " + AlertRule.show(r.window())
                    + " (" + o.calls() + " scores" + (o.figures().get("drop") == null ? "" : "; " + o.figures().get("drop") + " below its "
                    + o.figures().get("baseline_average") + " of the " + AlertRule.show(r.baseline()) + " before, p = "
                    + (o.figures().get("p_value") instanceof Number p ? String.format(java.util.Locale.ROOT, "%.4f", p.doubleValue()) : "n/a"))
                    + (r.alertBelow() == null ? "" : "; alert below " + r.alertBelow().toPlainString())
                    + (r.alertAbove() == null ? "" : "; alert at a real drop above " + r.alertAbove().toPlainString()) + ")";
            case CACHE_MISS_RATE -> "miss rate of cache " + subject + " is " + pct(o.value()) + " over the last " + AlertRule.show(r.window())
                    + " (" + o.figures().getOrDefault("misses", 0) + " of " + o.calls() + " lookups missed; alert above " + pct(r.alertAbove())
                    + (r.warnAbove() == null ? "" : ", warning above " + pct(r.warnAbove())) + ", at least " + r.minCalls() + " lookups)";
            case INSIGHTS -> "insight " + subject + ": " + o.figures().getOrDefault("title", "") + (o.figures().get("saving_per_month_usd") == null ? ""
                    : " (saving about $" + o.figures().get("saving_per_month_usd") + " a month, " + o.figures().getOrDefault("confidence", "?")
                    + " confidence)") + ". What to do: " + o.figures().getOrDefault("action", "see the insights");
            case ERROR_CATEGORY -> v + " call(s) failed as " + subject + " over the last " + AlertRule.show(r.window()) + " (in "
                    + o.figures().getOrDefault("conversations", 0) + " conversation(s); " + limits + "). What to do: "
                    + o.figures().getOrDefault("suggestion", "see the error messages");
        };
        if (next == AlertState.OK) return "resolved (was " + was + "): " + head;
        return head;
    }

    private List<Map<String, Object>> causes(Handle h, AlertRule r, String subject, AlertEvaluator.Observation o, AlertEvaluator.Window w) {
        List<Map<String, Object>> out = new ArrayList<>();
        if (r.kind() == AlertKind.BUDGET) {
            Object idx = o.figures().get("window_index");
            if (idx instanceof Long index) {
                for (var c : BudgetReport.topConversations(h, subject, index, CAUSES)) {
                    out.add(conversation(c.conversationId(), c.cost(), c.calls()));
                }
            }
            return out;
        }
        if (r.kind() == AlertKind.LOGGER_HEALTH || r.kind() == AlertKind.EXPERIMENT || r.kind() == AlertKind.INSIGHTS) return out;
        if (r.kind() == AlertKind.QUALITY_DROP) { // the conversations with the lowest of the score in the window, to read first
            String group = r.by().equals("all") ? "" : " AND COALESCE(" + (r.by().equals("function") ? "function_name" : r.by()) + ", '') = :v";
            h.createQuery("SELECT conversation_id, AVG(value) a, COUNT(*) n FROM chatbot_scores WHERE name = :name AND value IS NOT NULL "
                            + "AND target_at >= :from AND target_at < :to" + group + " GROUP BY conversation_id ORDER BY a, conversation_id LIMIT " + CAUSES)
                    .bind("name", r.metric()).bind("from", Utc.time(qualityFrom(w, r))).bind("to", Utc.time(w.to())).bind("v", subject)
                    .map((rs, ctx) -> {
                        Map<String, Object> c = new LinkedHashMap<>();
                        c.put("type", "conversation");
                        c.put("conversation_id", rs.getString(1));
                        c.put("average", rs.getBigDecimal(2).stripTrailingZeros().toPlainString());
                        c.put("scores", rs.getInt(3));
                        c.put("description", "conversation " + rs.getString(1) + ": average " + r.metric() + " "
                                + rs.getBigDecimal(2).setScale(2, java.math.RoundingMode.HALF_UP).toPlainString() + " of " + rs.getInt(3) + " score(s)");
                        c.put("link", dashboardUrl + "/dashboard#conversation=" + enc(rs.getString(1)));
                        return out.add(c);
                    }).list();
            return out;
        }
        String filter = switch (r.by()) {
            case "model" -> dev.chatlog.sql.rollup.RawSql.MODEL_CALL + " AND COALESCE(model, '') = :v";
            case "function" -> dev.chatlog.sql.rollup.RawSql.MODEL_CALL + " AND COALESCE(function_name, '') = :v";
            case "tool" -> "call_type = 'tool' AND COALESCE(function_name, '') = :v";
            case "step" -> dev.chatlog.sql.rollup.RawSql.STEP_CALL + " AND " + dev.chatlog.sql.rollup.Dimension.STEP.callGroupSql() + " = :v";
            case "cache" -> "call_type = 'cache' AND COALESCE(function_name, '') = :v";
            case "category" -> "COALESCE(error_category, 'other') = :v AND call_type <> 'agent'";
            default -> dev.chatlog.sql.rollup.RawSql.MODEL_CALL;
        };
        String range = "started_at >= :from AND started_at < :to AND ";
        if (r.kind() == AlertKind.COST_SPIKE) {
            h.createQuery("SELECT conversation_id, SUM(cost_estimate) c, COUNT(*) n FROM chatbot_llm_calls WHERE " + range + filter
                            + " GROUP BY conversation_id ORDER BY c DESC LIMIT " + CAUSES)
                    .bind("from", Utc.time(w.from())).bind("to", Utc.time(w.to())).bind("v", subject)
                    .map((rs, ctx) -> out.add(conversation(rs.getString(1), rs.getBigDecimal(2), rs.getInt(3)))).list();
            return out;
        }
        String order = switch (r.kind()) {
            case SLOW_CALLS -> r.metric().equals("ttft") ? "time_to_first_token_ms DESC" : "duration_ms DESC";
            case TOKEN_USAGE -> "total_tokens DESC";
            default -> "started_at DESC";
        };
        String which = r.kind() == AlertKind.FAILURE_RATE || r.kind() == AlertKind.ERROR_CATEGORY ? " AND success = 0" : r.kind() == AlertKind.CACHE_MISS_RATE ? " AND finish_reason = 'miss'" : "";
        h.createQuery("SELECT call_id, conversation_id, model, function_name, duration_ms, time_to_first_token_ms, total_tokens, cost_estimate, "
                        + "success, error_type, started_at FROM chatbot_llm_calls WHERE " + range + filter + which + " ORDER BY " + order
                        + " LIMIT " + CAUSES)
                .bind("from", Utc.time(w.from())).bind("to", Utc.time(w.to())).bind("v", subject)
                .map((rs, ctx) -> {
                    Map<String, Object> c = new LinkedHashMap<>();
                    c.put("type", "call");
                    c.put("call_id", rs.getString(1));
                    c.put("conversation_id", rs.getString(2));
                    c.put("model", rs.getString(3));
                    c.put("function", rs.getString(4));
                    c.put("duration_ms", rs.getBigDecimal(5));
                    c.put("time_to_first_token_ms", rs.getObject(6));
                    c.put("total_tokens", rs.getLong(7));
                    c.put("cost_usd", rs.getBigDecimal(8));
                    c.put("success", rs.getBoolean(9));
                    c.put("error_type", rs.getString(10));
                    c.put("started_at", Utc.instant(rs.getObject(11, LocalDateTime.class)).toString());
                    c.put("description", "call " + rs.getString(1) + " (" + (rs.getString(3) == null ? rs.getString(4) : rs.getString(3)) + ") "
                            + rs.getBigDecimal(5).stripTrailingZeros().toPlainString() + " ms, " + rs.getLong(7) + " tokens"
                            + (rs.getBoolean(9) ? "" : ", failed: " + rs.getString(10)));
                    c.put("link", dashboardUrl + "/dashboard#conversation=" + enc(rs.getString(2)));
                    return out.add(c);
                }).list();
        return out;
    }

    /** A quality_drop window's start: whole hours, as its scores roll up. */
    private static java.time.Instant qualityFrom(AlertEvaluator.Window w, AlertRule r) {
        return w.to().minus(1, java.time.temporal.ChronoUnit.MINUTES).minus(r.window()).truncatedTo(java.time.temporal.ChronoUnit.HOURS); // as observed
    }

    private Map<String, Object> conversation(String id, BigDecimal cost, int calls) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("type", "conversation");
        c.put("conversation_id", id);
        c.put("cost_usd", cost == null ? null : cost.stripTrailingZeros().toPlainString());
        c.put("calls", calls);
        c.put("description", "conversation " + id + ": $" + (cost == null ? "?" : cost.stripTrailingZeros().toPlainString()) + " in " + calls + " calls");
        c.put("link", dashboardUrl + "/dashboard#conversation=" + enc(id));
        return c;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s == null ? "" : s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String calls(long n) {
        return n == 1 ? "1 call" : n + " calls";
    }

    private static String plain(BigDecimal b) {
        return b == null ? "none" : b.stripTrailingZeros().toPlainString();
    }

    private static String pct(BigDecimal fraction) {
        return fraction == null ? "-" : fraction.movePointRight(2).setScale(1, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString() + "%";
    }
}
