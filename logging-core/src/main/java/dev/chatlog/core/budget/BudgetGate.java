package dev.chatlog.core.budget;

import java.math.BigDecimal;
import java.util.Optional;

/**
 * Admits LLM calls against the budgets that cover them. Before a call, {@link #reserve} holds its
 * worst-case cost in every covering budget (an enforced one refuses with a
 * {@link BudgetExceededException} when the call could take it past its limit); after the call, the
 * {@link Hold} is settled to the real cost or released. A hold that is never settled nor released
 * (its process died) is released by any instance once its lease ends.
 */
public interface BudgetGate {
    /**
     * Holds {@code worstCaseUsd} for a call of {@code subject} in every budget that covers it.
     * {@code worstCaseUsd} is null when the model has no price: enforced budgets refuse such a call.
     *
     * @throws BudgetExceededException when an enforced budget has no room for it (nothing stays held)
     */
    Hold reserve(BudgetSubject subject, BigDecimal worstCaseUsd);

    /** Whether any budget covers a call of {@code subject}: when none does, there is nothing to estimate or reserve. */
    boolean covers(BudgetSubject subject);

    /** The least room left (limit - spent - reserved) among the enforced budgets covering {@code subject}; empty when none enforces. */
    Optional<BigDecimal> headroom(BudgetSubject subject);

    /** What a reservation holds until the call ends. Neither method throws; each acts once. */
    interface Hold {
        /** The call ended and cost {@code costUsd} (null: unpriced, counted as nothing): the rest of the reservation is released. */
        void settle(BigDecimal costUsd);

        /** The call failed or was cancelled: nothing is spent. */
        void release();
    }

    /** The hold of a call no budget covers. */
    Hold NONE = new Hold() {
        @Override public void settle(BigDecimal costUsd) {}
        @Override public void release() {}
    };
}
