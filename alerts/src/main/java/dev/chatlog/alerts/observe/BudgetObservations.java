package dev.chatlog.alerts.observe;

import dev.chatlog.alerts.AlertEvaluator;
import dev.chatlog.alerts.AlertRule;
import dev.chatlog.alerts.AlertState;

import dev.chatlog.budgets.BudgetStatus;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What a {@code budget} alert rule observes: each budget's state in its current window, as the budgets report it. */
public final class BudgetObservations {
    private BudgetObservations() {}

    public static List<AlertEvaluator.Observation> of(AlertRule r, List<BudgetStatus> states) {
        List<AlertEvaluator.Observation> out = new ArrayList<>();
        for (BudgetStatus s : states) {
            if (r.match() != null && !r.match().equals(s.budget().name())) continue;
            AlertState st = s.state() == BudgetStatus.State.EXCEEDED ? AlertState.ALERT
                    : s.state() == BudgetStatus.State.WARNING || s.projectedToExceed() ? AlertState.WARNING : AlertState.OK;
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("limit_usd", s.budget().limitUsd().toPlainString());
            f.put("spent_usd", s.spent().stripTrailingZeros().toPlainString());
            f.put("reserved_usd", s.reserved().stripTrailingZeros().toPlainString());
            f.put("projected_usd", s.projected().stripTrailingZeros().toPlainString());
            f.put("projected_to_exceed", s.projectedToExceed());
            f.put("window_index", s.window().index());
            f.put("window_start", s.window().start().toString());
            f.put("window_end", s.window().end().toString());
            BigDecimal fraction = s.spent().divide(s.budget().limitUsd(), 4, RoundingMode.HALF_UP);
            out.add(new AlertEvaluator.Observation(s.budget().name(), fraction, 0, f, st));
        }
        return out;
    }

}
