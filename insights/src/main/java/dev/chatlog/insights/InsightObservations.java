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
 * The open findings as an {@code insights} alert rule observes them: one subject per finding ({@link Finding#key()}),
 * ALERT while it is open with a saving of at least the rule's {@code alert_above} USD a month (a finding whose gain is
 * time, or a budget's run-out, whatever its figure), OK when a report holds it below that or a report computed after
 * it went ALERT no longer has it (instances compute their reports at different times: an older report, one that has not
 * seen a finding yet, resolves nothing). Each finding is so notified once when it appears, whichever instance evaluates
 * first; the default rule holds them for its weekly digest.
 */
public final class InsightObservations {
    private InsightObservations() {}

    /** Null while there is no report yet: nothing is known, so no finding is resolved (the rule is not evaluated). */
    public static AlertEvaluator.Snapshot of(InsightsReport report, AlertRule r) {
        if (report == null) return null;
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
        return new AlertEvaluator.Snapshot(out, report.computedAt());
    }

    /** A finding's subject in the alert states: its {@link Finding#key()}; past 255 characters, cut with a hash of the whole. */
    public static String subject(Finding f) {
        String s = f.key();
        if (s.length() <= 255) return s;
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return s.substring(0, 222) + "#" + java.util.HexFormat.of().formatHex(d, 0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
