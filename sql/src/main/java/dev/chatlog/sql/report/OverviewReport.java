package dev.chatlog.sql.report;

import dev.chatlog.sql.query.Breakdowns;
import dev.chatlog.sql.query.Filter;
import dev.chatlog.sql.query.Planner;
import dev.chatlog.sql.query.Window;
import dev.chatlog.sql.rollup.Dimension;
import dev.chatlog.sql.rollup.Measure;
import dev.chatlog.sql.rollup.Sums;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/**
 * {@code overview}: totals, breakdowns, a time series (hourly up to 7 days, daily beyond), the
 * latency histogram and the cost analysis of the window. The filter narrows the call figures; the
 * message figures (conversations, messages, by_intent) count every message.
 */
final class OverviewReport {
    private static final List<Dimension> GROUPS = List.of(Dimension.MODEL, Dimension.FUNCTION, Dimension.AGENT, Dimension.CHAT_MODE, Dimension.ARM);
    private static final List<Dimension> GROUPS_BUT_ARM = GROUPS.stream().filter(d -> d != Dimension.ARM).toList();

    private final Jdbi jdbi;
    private final Planner planner;

    OverviewReport(Jdbi jdbi, Planner planner) {
        this.jdbi = jdbi;
        this.planner = planner;
    }

    /** Whether a row of the window's hours (or days, where the hours are gone) is in an experiment arm: the arm rollups say. */
    static boolean armedRows(org.jdbi.v3.core.Handle h, Window w) {
        return h.createQuery("""
                SELECT 1 FROM chatbot_usage_rollup WHERE granularity IN ('h', 'd') AND dimension = 'arm' AND dim_value <> ''
                  AND bucket_start >= :from AND bucket_start < :to LIMIT 1""")
                .bind("from", w.fromUtc().truncatedTo(java.time.temporal.ChronoUnit.DAYS)).bind("to", w.toUtc())
                .mapTo(Integer.class).findOne().isPresent();
    }

    Map<String, Object> overview(Window w, Filter f, Instant now) {
        return jdbi.withHandle(h -> {
            Map<String, Object> out = Shapes.hoursHeader(w);
            out.put("filters", Shapes.callFilters(f));
            Sums messages = planner.total(h, w, Filter.NONE, Sums.Columns.MESSAGES);
            Map<String, Object> totals = new LinkedHashMap<>();
            // a conversation had a message in a window that ends now iff its last message is in it
            totals.put("conversations", h.createQuery("""
                    SELECT COUNT(*) FROM chatbot_conversation_summary WHERE last_message_at >= :from AND last_message_at < :to""")
                    .bind("from", w.fromUtc()).bind("to", w.toUtc()).mapTo(Long.class).one());
            totals.put("messages", messages.count(Measure.MESSAGES));
            totals.put("successful_messages", messages.count(Measure.MESSAGES) - messages.count(Measure.FAILED_MESSAGES));
            Sums all = planner.total(h, w, f, Sums.Columns.ALL);
            totals.putAll(Figures.of(all).callTotals());
            out.put("totals", totals);
            // by arm under another filter has no pair rollup: it reads the calls. When no row of the window is in an arm
            // (the hourly and daily arm rollups say so), every call is in the no-arm group: the filtered totals
            boolean arms = f.arm() != null || armedRows(h, w);
            Breakdowns b = Breakdowns.read(planner, h, w, f, arms ? GROUPS : GROUPS_BUT_ARM, List.of());
            out.put("by_model", CallGroups.calls(b, Dimension.MODEL, "model"));
            out.put("by_function", CallGroups.calls(b, Dimension.FUNCTION, "function_name"));
            out.put("by_agent", CallGroups.calls(b, Dimension.AGENT, "agent"));
            out.put("by_chat_mode", CallGroups.calls(b, Dimension.CHAT_MODE, "chat_mode"));
            out.put("by_arm", arms ? CallGroups.calls(b, Dimension.ARM, "arm") : CallGroups.calls(Map.of("", all), Dimension.ARM, "arm"));
            out.put("by_tool", CallGroups.tools(planner, h, w, f));
            out.put("by_step", CallGroups.steps(planner, h, w, f));
            out.put("by_intent", CallGroups.intents(planner, h, w));
            boolean hourly = !w.allTime() && w.hours() <= 24 * 7;
            String bucket = hourly ? "hour" : "day";
            List<Map<String, Object>> series = new ArrayList<>();
            planner.sums(h, w, f, hourly ? Dimension.HOUR : Dimension.DAY).forEach((k, sums) -> {
                Figures x = Figures.of(sums);
                if (x.llmCalls() == 0) return;
                Map<String, Object> m = new LinkedHashMap<>();
                m.put(bucket, k);
                m.put("llm_calls", x.llmCalls());
                m.put("input_tokens", x.inputTokens());
                m.put("output_tokens", x.outputTokens());
                m.put("total_tokens", x.totalTokens());
                m.put("cost", x.cost());
                m.put("failed_calls", x.failedLlmCalls());
                m.put("avg_duration_ms", x.avgLlmLatencyMs());
                series.add(m);
            });
            series.sort(Comparator.comparing(m -> (String) m.get(bucket)));
            out.put("series_bucket", bucket);
            out.put(hourly ? "hourly" : "daily", series);
            out.put("latency_histogram", CallGroups.histogram(all));
            out.put("cost_analysis", CostReport.analysis(planner, h, w, f, now));
            return out;
        });
    }
}
