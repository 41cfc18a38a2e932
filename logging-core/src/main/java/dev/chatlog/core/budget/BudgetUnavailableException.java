package dev.chatlog.core.budget;

/** An enforced budget that cannot be checked (its database is unreachable) while budgets fail closed: the call is refused. */
public final class BudgetUnavailableException extends BudgetException {
    public BudgetUnavailableException(String budget, Throwable cause) {
        super(budget, "budget '" + budget + "' cannot be checked (its database is unreachable), and budgets fail closed", cause, true);
    }
}
