package dev.chatlog.experiments;

import dev.chatlog.budgets.Budget;
import dev.chatlog.budgets.BudgetStatus;
import dev.chatlog.experiments.analysis.Analyses;
import dev.chatlog.experiments.analysis.Analysis;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops running experiments that must not go on, sending their traffic back to the control: one whose analysis finds a
 * guardrail metric significantly worse in an arm (read sequentially: valid however often this runs), or one with an
 * arm whose {@code arm} budget is spent — its window at its limit, or, for an enforced budget (which refuses calls before
 * spending reaches the limit), at {@link #ENFORCED_SPENT} of it. The stop is stored with who made it
 * ({@link Experiments.StoppedBy}), which the {@code experiment} alert rule notifies once. Any instance may run it: a stop
 * is one conditional update.
 */
public final class ExperimentGuard {
    /** The share of an enforced arm budget spent at which the arm counts as out of money. */
    public static final BigDecimal ENFORCED_SPENT = new BigDecimal("0.95");
    private static final Logger LOG = LoggerFactory.getLogger(ExperimentGuard.class);
    private final Experiments store;
    private final Analyses analyses;
    private final Supplier<List<BudgetStatus>> budgets;
    private final Clock clock;

    /** One experiment stopped by a check. */
    public record Stop(String experiment, Experiments.StoppedBy by, String reason) {}

    public ExperimentGuard(Experiments store, Analyses analyses, Supplier<List<BudgetStatus>> budgets, Clock clock) {
        this.store = store;
        this.analyses = analyses;
        this.budgets = budgets;
        this.clock = clock;
    }

    /** Checks every running experiment once; returns those it stopped. Never throws: a failure is logged and retried next time. */
    public List<Stop> check() {
        List<Stop> stops = new ArrayList<>();
        try {
            List<BudgetStatus> states = budgets.get();
            for (Experiment e : store.list()) {
                if (!e.running(clock.instant())) continue;
                try { // one experiment's failure does not keep the others unchecked
                    Stop s = spent(e, states);
                    if (s == null) {
                        Analysis.Verdict v = analyses.of(e).verdict();
                        if (v.stop()) s = new Stop(e.name(), Experiments.StoppedBy.GUARDRAIL, v.stopReason());
                    }
                    if (s != null && store.stop(e.name(), s.reason(), s.by()).map(x -> x.stoppedAt() != null).orElse(false)) {
                        LOG.warn("chatlog: experiment {} stopped, its traffic back on the control: {}", e.name(), s.reason());
                        stops.add(s);
                    }
                } catch (RuntimeException x) {
                    LOG.warn("chatlog: experiment {} could not be checked ({}); trying again at the next check", e.name(), x.toString());
                }
            }
        } catch (RuntimeException x) {
            LOG.warn("chatlog: experiments could not be checked ({}); trying again at the next check", x.toString());
        }
        return stops;
    }

    private static Stop spent(Experiment e, List<BudgetStatus> states) {
        for (BudgetStatus s : states) {
            Budget b = s.budget();
            if (b.scope() != Budget.Scope.ARM || !b.value().startsWith(e.name() + '/')) continue;
            boolean out = s.state() == BudgetStatus.State.EXCEEDED
                    || b.enforced() && s.spent().compareTo(b.limitUsd().multiply(ENFORCED_SPENT)) >= 0;
            if (out) {
                return new Stop(e.name(), Experiments.StoppedBy.BUDGET, "arm " + b.value() + " has spent its budget " + b.name() + " ($"
                        + s.spent().stripTrailingZeros().toPlainString() + " of $" + b.limitUsd().toPlainString() + ")");
            }
        }
        return null;
    }
}
