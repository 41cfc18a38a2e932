package dev.chatlog.sql.report;

import dev.chatlog.sql.query.Breakdowns;
import dev.chatlog.sql.query.Filter;
import dev.chatlog.sql.query.Planner;
import dev.chatlog.sql.query.Rows;
import dev.chatlog.sql.query.Window;
import dev.chatlog.sql.rollup.Dimension;
import dev.chatlog.sql.rollup.StepKey;
import dev.chatlog.sql.rollup.Histogram;
import dev.chatlog.sql.rollup.Measure;
import dev.chatlog.sql.rollup.Sums;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jdbi.v3.core.Handle;

/** The breakdown lists the overview and the call analysis share: model calls, tools, intents, the latency histogram. */
final class CallGroups {
    private CallGroups() {}

    /** Model calls grouped by one dimension (a pair: both sides), busiest first, groups without model calls left out. */
    static List<Map<String, Object>> calls(Breakdowns b, Dimension group, String label) {
        return calls(b.sums(group), group, label);
    }

    /** As {@link #calls(Breakdowns, Dimension, String)}, from sums already read. */
    static List<Map<String, Object>> calls(Map<String, Sums> byKey, Dimension group, String label) {
        List<Map<String, Object>> out = new ArrayList<>();
        byKey.forEach((k, sums) -> {
            Figures x = Figures.of(sums);
            if (x.llmCalls() == 0) return;
            Map<String, Object> g = new LinkedHashMap<>();
            if (group.isPair()) {
                int bar = k.indexOf(Dimension.PAIR_SEPARATOR);
                g.put("model", bar <= 0 ? null : k.substring(0, bar));
                g.put("function_name", bar < 0 || bar == k.length() - 1 ? null : k.substring(bar + 1));
            } else {
                g.put(label, k.isEmpty() ? null : k);
            }
            Map<String, Object> fig = x.callTotals();
            fig.remove("success_rate");
            g.putAll(fig);
            out.add(g);
        });
        out.sort((a, c) -> Long.compare(((Number) c.get("llm_calls")).longValue(), ((Number) a.get("llm_calls")).longValue()));
        return out;
    }

    /**
     * Tool executions by tool: executions, failures, average duration (exact) and p95 (from the
     * duration histogram). From the tool rollups, paired with the agent or the chat mode under one of
     * those filters; with both, from the tool rows of the window.
     */
    static List<Map<String, Object>> tools(Planner planner, Handle h, Window w, Filter f) {
        Map<String, Sums> groups = planner.sums(h, w, new Filter(null, f.agent(), null, f.chatMode(), null, null).withArm(f.arm()), Dimension.TOOL);
        if (f.function() != null) groups.keySet().retainAll(Set.of(f.function()));
        List<Map<String, Object>> out = new ArrayList<>();
        groups.forEach((tool, s) -> {
            long executions = s.count(Measure.TOOL_CALLS);
            if (executions == 0) return;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("tool", tool.isEmpty() ? null : tool);
            m.put("executions", executions);
            m.put("failures", s.count(Measure.FAILED_TOOL_CALLS));
            m.put("avg_duration_ms", round2(s.amount(Measure.TOOL_DURATION_MS).doubleValue() / executions));
            BigDecimal max = s.amount(Measure.MAX_DURATION_MS);
            m.put("p95_duration_ms", Histogram.percentile(s.latency(), 95, max.signum() > 0 ? max.doubleValue() : null));
            out.add(m);
        });
        out.sort(Comparator.comparing((Map<String, Object> m) -> -((Number) m.get("executions")).longValue())
                .thenComparing(m -> String.valueOf(m.get("tool"))));
        return out;
    }

    /**
     * Steps other than tools (retrievals, guardrails, stages, cache lookups, external services) by kind and name:
     * executions, failures, cost (services the application priced), average duration (exact) and p95 (from the step histogram), busiest first. From the {@code step} rollups; under an agent or
     * chat-mode filter, from the step rows that match it (a step has no model, and its name is not a function: like
     * the tools, those two filters do not apply).
     */
    static List<Map<String, Object>> steps(Planner planner, Handle h, Window w, Filter f) {
        List<Map<String, Object>> out = new ArrayList<>();
        planner.sums(h, w, new Filter(null, f.agent(), null, f.chatMode(), null, null).withArm(f.arm()), Dimension.STEP).forEach((key, s) -> {
            long executions = s.count(Measure.STEP_CALLS);
            if (executions == 0) return;
            StepKey step = StepKey.parse(key);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kind", step.kind());
            m.put("name", step.name());
            m.put("executions", executions);
            m.put("failures", s.count(Measure.FAILED_STEP_CALLS));
            m.put("avg_duration_ms", round2(s.amount(Measure.STEP_DURATION_MS).doubleValue() / executions));
            m.put("cost", Rows.plain(s.amount(Measure.STEP_COST))); // an external service's, where the application priced it
            BigDecimal max = s.amount(Measure.MAX_DURATION_MS);
            m.put("p95_duration_ms", Histogram.percentile(s.latency(), 95, max.doubleValue()));
            out.add(m);
        });
        out.sort(Comparator.comparing((Map<String, Object> m) -> -((Number) m.get("executions")).longValue())
                .thenComparing(m -> m.get("kind") + ":" + m.get("name")));
        return out;
    }

    /** Messages by intent, with the model calls in their totals, from the {@code intent} rollups. */
    static List<Map<String, Object>> intents(Planner planner, Handle h, Window w) {
        List<Map<String, Object>> out = new ArrayList<>();
        planner.sums(h, w, Filter.NONE, Dimension.INTENT, Sums.Columns.INTENT).forEach((intent, s) -> {
            long messages = s.count(Measure.MESSAGES);
            if (messages == 0) return;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("intent", intent.isEmpty() ? null : intent);
            m.put("messages", messages);
            m.put("successful_messages", messages - s.count(Measure.FAILED_MESSAGES));
            m.put("llm_calls", s.count(Measure.LLM_CALLS));
            m.put("tokens", s.count(Measure.TOTAL_TOKENS));
            m.put("cost", Rows.plain(s.amount(Measure.COST)));
            m.put("avg_response_time_ms", round2(s.amount(Measure.MESSAGE_DURATION_MS).doubleValue() / messages));
            out.add(m);
        });
        out.sort(Comparator.comparing((Map<String, Object> m) -> -((Number) m.get("messages")).longValue())
                .thenComparing(m -> String.valueOf(m.get("intent"))));
        return out;
    }

    /** Model calls per latency bucket: {@code le_ms} is the bucket's upper bound (null: above the last edge). */
    static List<Map<String, Object>> histogram(Sums sums) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < Histogram.BUCKETS; i++) {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("gt_ms", Histogram.lowerBound(i));
            b.put("le_ms", Histogram.upperBound(i));
            b.put("llm_calls", sums.latency(i));
            out.add(b);
        }
        return out;
    }

    static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
