package dev.chatlog.server.budgets;

import dev.chatlog.budgets.Budget;
import dev.chatlog.budgets.BudgetSettings;
import dev.chatlog.core.InvalidDefinitionException;
import dev.chatlog.server.Settings;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The server's environment mapped onto the budgets' settings ({@link BudgetSettings}: defaults and ranges are theirs):
 * {@code CHATLOG_BUDGETS} / {@code CHATLOG_BUDGETS_FILE} (a JSON object of name to definition, the {@code PUT} body's
 * shape, defined at start), {@code CHATLOG_BUDGET_MAX_TOKENS}, {@code CHATLOG_BUDGET_CLAMP},
 * {@code CHATLOG_BUDGET_LEASE_SECONDS}, {@code CHATLOG_BUDGET_FAIL_CLOSED}, {@code CHATLOG_BUDGET_SPIKE_MIN_CALLS},
 * {@code CHATLOG_BUDGET_CHECK_SECONDS}, {@code CHATLOG_BUDGET_ADMISSION_WAIT_MS}, {@code CHATLOG_BUDGET_IMAGE_TOKENS},
 * {@code CHATLOG_BUDGET_OTHER_PART_TOKENS}.
 */
public final class BudgetVariables {
    private static final Map<String, String> NAMES = Map.of("lease", "CHATLOG_BUDGET_LEASE_SECONDS", "admissionWait",
            "CHATLOG_BUDGET_ADMISSION_WAIT_MS", "defaultMaxTokens", "CHATLOG_BUDGET_MAX_TOKENS", "imageTokens", "CHATLOG_BUDGET_IMAGE_TOKENS",
            "otherPartTokens", "CHATLOG_BUDGET_OTHER_PART_TOKENS", "spikeMinCalls", "CHATLOG_BUDGET_SPIKE_MIN_CALLS",
            "checkInterval", "CHATLOG_BUDGET_CHECK_SECONDS");

    private BudgetVariables() {}

    public static BudgetSettings from(Map<String, String> env) {
        List<Budget> budgets = Settings.definitions(env, "CHATLOG_BUDGETS", "CHATLOG_BUDGETS_FILE", BudgetJson::parseAll);
        BudgetSettings d = BudgetSettings.defaults();
        return InvalidDefinitionException.naming(NAMES, () -> d.withDefinitions(budgets)
                .withGate(Duration.ofSeconds(Settings.integer(env, "CHATLOG_BUDGET_LEASE_SECONDS", (int) d.lease().toSeconds())),
                        Settings.onOff(env, "CHATLOG_BUDGET_FAIL_CLOSED", d.failClosed()),
                        Duration.ofMillis(Settings.integer(env, "CHATLOG_BUDGET_ADMISSION_WAIT_MS", (int) d.admissionWait().toMillis())))
                .withGuard(Settings.integer(env, "CHATLOG_BUDGET_MAX_TOKENS", d.defaultMaxTokens()),
                        Settings.onOff(env, "CHATLOG_BUDGET_CLAMP", d.clamp()),
                        Settings.integer(env, "CHATLOG_BUDGET_IMAGE_TOKENS", d.imageTokens()),
                        Settings.integer(env, "CHATLOG_BUDGET_OTHER_PART_TOKENS", d.otherPartTokens()))
                .withMonitor(Settings.integer(env, "CHATLOG_BUDGET_SPIKE_MIN_CALLS", d.spikeMinCalls()),
                        Duration.ofSeconds(Settings.integer(env, "CHATLOG_BUDGET_CHECK_SECONDS", (int) d.checkInterval().toSeconds())))
                .validate());
    }
}
