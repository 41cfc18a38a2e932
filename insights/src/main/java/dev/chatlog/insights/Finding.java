package dev.chatlog.insights;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * One thing to change, with what it rests on: what kind of waste or risk ({@link Kind}), where ({@link Subject}), the
 * rows behind it ({@link Evidence}), what acting on it would save per day and per 30-day month at the volume of the
 * window read (USD; null when the gain is time, not money, or cannot be priced), how sure the estimate is and why, and
 * the action suggested. {@code detail} holds the figures the estimate was made from, named per kind (docs/insights.md).
 */
public record Finding(Kind kind, Subject subject, String title, BigDecimal savingPerDayUsd, BigDecimal savingPerMonthUsd,
                      Double savingMsPerDay, Confidence confidence, String confidenceReason, String action, Evidence evidence,
                      Map<String, Object> detail) {
    public Finding {
        detail = detail == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(detail));
    }

    /** The detail fields that tell two findings of one kind and subject apart (a function's repeats on two models...). */
    static final java.util.List<String> KEY_FIELDS = java.util.List.of("model", "repeated_in", "error_category", "prefix_hash");

    /**
     * What identifies this finding from one report to the next: its kind, its subject and the detail fields that tell
     * two findings of that kind and subject apart ({@code redundant_calls:function:classify:gpt-4o-mini:turn}). The alert
     * rule {@code insights} keys its states on it.
     */
    public String key() {
        StringBuilder sb = new StringBuilder(kind.label()).append(':').append(subject.by()).append(':').append(subject.value());
        for (String f : KEY_FIELDS) if (detail.get(f) != null) sb.append(':').append(detail.get(f));
        return sb.toString();
    }

    /** The kinds of finding. {@link #label()} is the name in the JSON and the meter's tag. */
    public enum Kind {
        /** Identical requests (same model, prompt and parameters) sent again within a turn, a conversation or a cache's lifetime. */
        REDUNDANT_CALLS,
        /** A long prefix (system prompt, tool specifications) sent uncached to a model whose provider caches prompts. */
        PROMPT_CACHE,
        /** Where prompt caching works, its hit ratio fell from one half of the window to the other. */
        PROMPT_CACHE_FALLING,
        /** A cheaper model for a function, with the quality evidence the log holds for it (or an experiment to gather it). */
        CHEAPER_MODEL,
        /** A function's prompt grows with the conversation: the history is not trimmed. */
        GROWING_HISTORY,
        /** Long answers from calls that set no maximum output. */
        UNBOUNDED_OUTPUT,
        /** The same request failing and sent again, several times in a row. */
        RETRY_STORM,
        /** A tool called again with the same arguments within one turn. */
        TOOL_LOOP,
        /** What the slowest turns wait for: the step with the largest share of their critical path. */
        SLOW_TURNS,
        /** A budget that will run out before its period ends at the current rate. */
        BUDGET_RUNOUT;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** How sure the estimate is; the finding's {@code confidenceReason} says why. */
    public enum Confidence {
        HIGH, MEDIUM, LOW;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** What the finding is about: {@code by} a dimension (function, model, tool, prefix, budget...) and its value. */
    public record Subject(String by, String value) {}

    /**
     * The rows behind a finding: how many calls (or turns), what they cost, a few of their call and conversation ids, and
     * links to the dashboard's routes that list them.
     */
    public record Evidence(long rows, BigDecimal costUsd, List<String> callIds, List<String> conversationIds, Map<String, String> links) {
        public Evidence {
            callIds = callIds == null ? List.of() : List.copyOf(callIds);
            conversationIds = conversationIds == null ? List.of() : List.copyOf(conversationIds);
            links = links == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(links));
        }
    }
}
