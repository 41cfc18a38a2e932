package dev.chatlog.insights;

import dev.chatlog.alerts.AlertEvaluator;
import dev.chatlog.alerts.AlertRule;
import dev.chatlog.alerts.AlertState;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The open findings as an {@code insights} alert rule observes them: one subject per finding ({@code kind:by:value}),
 * ALERT while it is open with a saving of at least the rule's {@code alert_above} USD a month (a finding whose gain is
 * time, or a budget's run-out, whatever its figure), OK once it is gone. Each finding is so notified once when it
 * appears, whichever instance evaluates first; the default rule holds them for its weekly digest.
 */
public final class InsightObservations {
    private InsightObservations() {}

    public static List<AlertEvaluator.Observation> of(InsightsReport report, AlertRule r) {
        if (report == null) return List.of();
        List<AlertEvaluator.Observation> out = new ArrayList<>();
        for (Finding f : report.findings()) {
            String subject = subject(f);
            if (r.match() != null && !r.match().equals(subject)) continue;
            BigDecimal saving = f.savingPerMonthUsd();
            boolean open = saving == null || r.alertAbove() == null || saving.compareTo(r.alertAbove()) >= 0;
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("title", f.title());
            figures.put("saving_per_month_usd", saving == null ? null : saving.setScale(2, java.math.RoundingMode.HALF_UP).toPlainString());
            figures.put("confidence", f.confidence().label());
            figures.put("action", f.action());
            figures.put("window", report.window());
            out.add(new AlertEvaluator.Observation(subject, saving == null ? BigDecimal.ZERO : saving, f.evidence().rows(), figures,
                    open ? AlertState.ALERT : AlertState.OK));
        }
        return out;
    }

    /** A finding's subject in the alert states: {@code kind:by:value}, at most 255 characters. */
    public static String subject(Finding f) {
        String s = f.kind().label() + ":" + f.subject().by() + ":" + f.subject().value();
        return s.length() > 255 ? s.substring(0, 255) : s;
    }
}
