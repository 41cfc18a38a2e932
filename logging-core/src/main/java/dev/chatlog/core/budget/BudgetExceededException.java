package dev.chatlog.core.budget;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;

/**
 * A call refused by an enforced budget before anything was sent to the model (a {@link BudgetException}, with
 * {@link BudgetUnavailableException} the only exceptions chatlog raises into the application's call). It says which budget refused, its limit, what
 * is spent and reserved in the current window, what this call could have cost at most, and when
 * the window ends (the budget then has its whole limit again). An unpriced model under an enforced
 * budget is refused too ({@link #unpriced()}): its cost cannot be bounded.
 */
public final class BudgetExceededException extends BudgetException {
    private final BigDecimal limit;
    private final BigDecimal spent;
    private final BigDecimal reserved;
    private final BigDecimal requested;
    private final Instant resetsAt;

    public BudgetExceededException(String budget, BigDecimal limit, BigDecimal spent, BigDecimal reserved, BigDecimal requested,
                                   Instant resetsAt) {
        super(budget, message(budget, limit, spent, reserved, requested, resetsAt), null, false);
        this.limit = limit;
        this.spent = spent;
        this.reserved = reserved;
        this.requested = requested;
        this.resetsAt = resetsAt;
    }

    private static String message(String budget, BigDecimal limit, BigDecimal spent, BigDecimal reserved, BigDecimal requested,
                                  Instant resetsAt) {
        if (requested == null) {
            return "budget '" + budget + "' is enforced and this call's cost cannot be bounded (its model has no price, or its prompt "
                    + "holds audio, video or a file with no token bound set), so the call is refused";
        }
        return "budget '" + budget + "' exceeded: $" + usd(spent) + " spent and $" + usd(reserved) + " reserved of $" + usd(limit)
                + "; this call could cost up to $" + usd(requested) + "; resets at " + resetsAt;
    }

    private static String usd(BigDecimal v) {
        return v == null ? "?" : v.setScale(6, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    }

    /** The budget that refused. */
    /** Its limit in USD. */
    public BigDecimal limit() { return limit; }
    /** USD spent (settled) in the current window. */
    public BigDecimal spent() { return spent; }
    /** USD held by calls in flight in the current window. */
    public BigDecimal reserved() { return reserved; }
    /** The worst-case cost of the refused call; null when it cannot be bounded (no price, or an unbounded audio, video or file part). */
    public BigDecimal requested() { return requested; }
    /** The end of the current window. */
    public Instant resetsAt() { return resetsAt; }
    /** Refused because the call's cost cannot be bounded (no price, or an unbounded part), not because the budget is spent. */
    public boolean unpriced() { return requested == null; }
}
