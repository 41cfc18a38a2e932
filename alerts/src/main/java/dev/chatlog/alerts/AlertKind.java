package dev.chatlog.alerts;

import java.util.Locale;

/**
 * What a rule watches. The unit of its thresholds ({@code alert_above}, {@code warn_above}) is the
 * kind's: milliseconds, tokens, a fraction of calls, a multiple of the baseline, a fraction of the
 * spool's cap.
 */
public enum AlertKind {
    /** A call statistic of duration or time to first token (ms) over the window, per model, function or tool. */
    SLOW_CALLS("ms"),
    /** Tokens of one call (most, or the average), over the window. */
    TOKEN_USAGE("tokens"),
    /** Failed calls over calls in the window, once the window has {@code min_calls}. */
    FAILURE_RATE("fraction"),
    /** Cost in the window over the average cost of a window of that length in the baseline before it. */
    COST_SPIKE("x baseline"),
    /** A budget's state: near its limit or projected past it (WARNING), at its limit (ALERT). */
    BUDGET("fraction of limit"),
    /** This instance's logger: records dropped, rejected or lost in the window, the spool near its cap, the database down. */
    LOGGER_HEALTH("fraction of spool cap"),
    /**
     * A score's average ({@code metric}: its name) over the window, per group: ALERT below {@code alert_below}, or when
     * it is more than {@code alert_above} (WARNING: {@code warn_above}) below its baseline's average and Welch's one-sided
     * t-test says the drop is real (p &lt; 0.05), once the window has {@code min_calls} scores. From the hourly score rollups.
     */
    QUALITY_DROP("score"),
    /**
     * Misses over lookups of one of the application's caches in the window, once it has {@code min_calls} lookups: a
     * hit-rate target of 40% is a miss rate above 0.6.
     */
    CACHE_MISS_RATE("fraction"),
    /**
     * Failed calls of one error category ({@code rate_limited}, {@code context_length_exceeded}...) in the window, per
     * category: every failed row counts, model calls and steps alike. Read from the failed rows (indexed), not the rollups.
     */
    ERROR_CATEGORY("failed calls"),
    /**
     * An experiment's state: ALERT when it was stopped automatically — a guardrail metric significantly worse in an arm,
     * or an arm's budget spent — so that its traffic went back to the control; OK otherwise. Like a budget rule, it
     * follows the experiment's own guardrails: no thresholds of its own.
     */
    EXPERIMENT("state"),
    /**
     * The insights' open findings (issue 34), one subject each ({@code kind:by:value}): ALERT while a finding is open whose
     * saving is at least {@code alert_above} USD per month (a finding whose gain is time, or a budget's run-out, always),
     * OK when a report holds it below that or a report computed after it went ALERT no longer has it (an older report,
     * another instance's, resolves nothing). With a {@code digest} (the default rule's is 7d), the new findings of a week go out as one digest.
     */
    INSIGHTS("USD per month");

    private final String unit;

    AlertKind(String unit) {
        this.unit = unit;
    }

    public String unit() {
        return unit;
    }

    /** Whether the rule follows a state kept elsewhere (a budget's, an experiment's): no window and no thresholds of its own. */
    public boolean followsState() {
        return this == BUDGET || this == EXPERIMENT;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static AlertKind parse(String s) {
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
    }
}
