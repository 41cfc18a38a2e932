package dev.chatlog.budgets;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;

/**
 * A budget in its current window, as the routes and the dashboard show it: what is spent
 * (settled), reserved (calls in flight), remaining (limit - spent - reserved, never below 0), the
 * percent of the limit spent, the projected spend at the window's end ({@link BudgetPeriod.Window#project}),
 * and the state: {@code exceeded} once spent reaches the limit, {@code warning} once it reaches the
 * lowest warning threshold, else {@code ok}.
 */
public record BudgetStatus(Budget budget, BudgetPeriod.Window window, BigDecimal spent, BigDecimal reserved, BigDecimal remaining,
                           BigDecimal percent, BigDecimal projected, boolean projectedToExceed, State state) {
    public enum State { OK, WARNING, EXCEEDED }

    public static BudgetStatus of(Budget b, BudgetPeriod.Window w, BigDecimal spent, BigDecimal reserved, Instant now) {
        BigDecimal limit = b.limitUsd();
        BigDecimal remaining = limit.subtract(spent).subtract(reserved).max(BigDecimal.ZERO);
        BigDecimal percent = spent.multiply(BigDecimal.valueOf(100)).divide(limit, 2, RoundingMode.HALF_UP);
        BigDecimal projected = w.project(spent, now).setScale(6, RoundingMode.HALF_UP);
        BigDecimal lowestWarning = b.warnAt().stream().min(BigDecimal::compareTo).orElseThrow().multiply(limit);
        State state = spent.compareTo(limit) >= 0 ? State.EXCEEDED : spent.compareTo(lowestWarning) >= 0 ? State.WARNING : State.OK;
        boolean toExceed = state != State.EXCEEDED && w.projectionSettled(now) && projected.compareTo(limit) > 0;
        return new BudgetStatus(b, w, spent, reserved, remaining, percent, projected, toExceed, state);
    }
}
