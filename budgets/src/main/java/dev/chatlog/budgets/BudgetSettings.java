package dev.chatlog.budgets;

import dev.chatlog.core.InvalidDefinitionException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything {@link Budgets} and the listener's budget guard run by, its defaults written once here; the server maps
 * its {@code CHATLOG_BUDGET*} variables onto it, the Spring Boot starter its {@code chatlog.budgets.*} properties.
 *
 * @param definitions      budgets defined (created or replaced) at start
 * @param lease            how long a reservation is held before any instance may release it
 * @param failClosed       refuse enforced calls while the database is unreachable (default: let them through, counted)
 * @param admissionWait    how long a call refused only because of other calls' reservations waits for them to settle
 * @param defaultMaxTokens the {@code max_tokens} a request without one is sent with, and reserved for
 * @param clamp            lower {@code max_tokens} to an enforced budget's headroom instead of refusing
 * @param imageTokens      what one image in a prompt is reserved for
 * @param otherPartTokens  what an audio, video or PDF part is reserved for (0: such a call is refused by an enforced
 *                         budget: its cost cannot be bounded)
 * @param spikeMinCalls    calls in the hour, and in the 24 before it, for a spike to count
 * @param checkInterval    how often the budgets' events (warning, exceeded, projected, spike) are evaluated
 */
public record BudgetSettings(List<Budget> definitions, Duration lease, boolean failClosed, Duration admissionWait,
                             int defaultMaxTokens, boolean clamp, int imageTokens, int otherPartTokens, int spikeMinCalls,
                             Duration checkInterval) {
    public BudgetSettings {
        definitions = List.copyOf(definitions);
        Objects.requireNonNull(lease, "lease");
        Objects.requireNonNull(admissionWait, "admissionWait");
        Objects.requireNonNull(checkInterval, "checkInterval");
    }

    public static BudgetSettings defaults() {
        return new BudgetSettings(List.of(), Duration.ofMinutes(10), false, Duration.ofSeconds(2), 4096, false, 2500, 0, 20,
                Duration.ofSeconds(30));
    }

    public BudgetSettings withDefinitions(List<Budget> v) { return new BudgetSettings(v, lease, failClosed, admissionWait, defaultMaxTokens, clamp, imageTokens, otherPartTokens, spikeMinCalls, checkInterval); }
    public BudgetSettings withGate(Duration lease, boolean failClosed, Duration admissionWait) { return new BudgetSettings(definitions, lease, failClosed, admissionWait, defaultMaxTokens, clamp, imageTokens, otherPartTokens, spikeMinCalls, checkInterval); }
    public BudgetSettings withGuard(int maxTokens, boolean clamp, int imageTokens, int otherPartTokens) { return new BudgetSettings(definitions, lease, failClosed, admissionWait, maxTokens, clamp, imageTokens, otherPartTokens, spikeMinCalls, checkInterval); }
    public BudgetSettings withMonitor(int spikeMinCalls, Duration checkInterval) { return new BudgetSettings(definitions, lease, failClosed, admissionWait, defaultMaxTokens, clamp, imageTokens, otherPartTokens, spikeMinCalls, checkInterval); }

    /** These settings if every value is in range; else an {@link InvalidDefinitionException} naming the field. */
    public BudgetSettings validate() {
        InvalidDefinitionException.requireBetween("lease", lease.toSeconds(), 5, 86_400);
        InvalidDefinitionException.requireBetween("admissionWait", admissionWait.toMillis(), 0, 60_000);
        InvalidDefinitionException.requireBetween("defaultMaxTokens", defaultMaxTokens, 1, 10_000_000);
        InvalidDefinitionException.requireBetween("imageTokens", imageTokens, 1, 1_000_000);
        InvalidDefinitionException.requireBetween("otherPartTokens", otherPartTokens, 0, 10_000_000);
        InvalidDefinitionException.requireBetween("spikeMinCalls", spikeMinCalls, 1, 1_000_000);
        InvalidDefinitionException.requireBetween("checkInterval", checkInterval.toSeconds(), 1, 3600);
        return this;
    }

}
