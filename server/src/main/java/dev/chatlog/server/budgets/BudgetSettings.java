package dev.chatlog.server.budgets;

import dev.chatlog.budgets.Budget;
import dev.chatlog.server.Settings;
import java.util.List;
import java.util.Map;

/**
 * The server's budget settings, from its environment:
 * {@code CHATLOG_BUDGETS} (a JSON object of name to definition, the {@code PUT} body's shape) and
 * {@code CHATLOG_BUDGETS_FILE} (the same in a file), defined (created or replaced) at start;
 * {@code CHATLOG_BUDGET_MAX_TOKENS} (the {@code max_tokens} a request without one is sent with and
 * reserved for, default 4096); {@code CHATLOG_BUDGET_CLAMP} ({@code on}: lower {@code max_tokens} to
 * the headroom instead of refusing; default off); {@code CHATLOG_BUDGET_LEASE_SECONDS} (how long a
 * reservation is held before any instance may release it, default 600);
 * {@code CHATLOG_BUDGET_FAIL_CLOSED} ({@code on}: refuse enforced calls while the database is
 * unreachable; default off); {@code CHATLOG_BUDGET_SPIKE_MIN_CALLS} (calls an hour, and in the 24
 * before it, for a spike to count, default 20); {@code CHATLOG_BUDGET_CHECK_SECONDS} (how often
 * events are evaluated, default 30); {@code CHATLOG_BUDGET_ADMISSION_WAIT_MS} (how long a call refused
 * only because of other calls' reservations waits for them to settle, default 2000; 0: refuse at once);
 * {@code CHATLOG_BUDGET_IMAGE_TOKENS} (what one image in a prompt is reserved for, default 2500);
 * {@code CHATLOG_BUDGET_OTHER_PART_TOKENS} (what an audio, video or PDF part is reserved for; default 0:
 * such a call is refused by an enforced budget, its cost cannot be bounded).
 */
public record BudgetSettings(List<Budget> budgets, int defaultMaxTokens, boolean clamp, int leaseSeconds, boolean failClosed,
                             int spikeMinCalls, int checkSeconds, int admissionWaitMs, int imageTokens,
                             int otherPartTokens) {
    public static BudgetSettings from(Map<String, String> env) {
        List<Budget> budgets = Settings.definitions(env, "CHATLOG_BUDGETS", "CHATLOG_BUDGETS_FILE", BudgetJson::parseAll);
        return new BudgetSettings(List.copyOf(budgets),
                Settings.intIn(env, "CHATLOG_BUDGET_MAX_TOKENS", 4096, 1, 10_000_000),
                Settings.onOff(env, "CHATLOG_BUDGET_CLAMP", false),
                Settings.intIn(env, "CHATLOG_BUDGET_LEASE_SECONDS", 600, 5, 86_400),
                Settings.onOff(env, "CHATLOG_BUDGET_FAIL_CLOSED", false),
                Settings.intIn(env, "CHATLOG_BUDGET_SPIKE_MIN_CALLS", 20, 1, 1_000_000),
                Settings.intIn(env, "CHATLOG_BUDGET_CHECK_SECONDS", 30, 1, 3600),
                Settings.intIn(env, "CHATLOG_BUDGET_ADMISSION_WAIT_MS", 2000, 0, 60_000),
                Settings.intIn(env, "CHATLOG_BUDGET_IMAGE_TOKENS", 2500, 1, 1_000_000),
                Settings.intIn(env, "CHATLOG_BUDGET_OTHER_PART_TOKENS", 0, 0, 10_000_000));
    }
}
