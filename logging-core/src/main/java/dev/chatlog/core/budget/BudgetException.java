package dev.chatlog.core.budget;

/**
 * The one root of what a budget raises into the application's call, before anything was sent to the model: a refusal
 * ({@link BudgetExceededException}: the budget has no room for the call) or, with fail-closed budgets, an outage
 * ({@link BudgetUnavailableException}: the budget cannot be checked). Catch this to handle both.
 */
public abstract sealed class BudgetException extends RuntimeException permits BudgetExceededException, BudgetUnavailableException {
    private final String budget;

    BudgetException(String budget, String message, Throwable cause, boolean stackTrace) {
        super(message, cause, false, stackTrace);
        this.budget = budget;
    }

    /** The budget's name. */
    public String budget() {
        return budget;
    }
}
