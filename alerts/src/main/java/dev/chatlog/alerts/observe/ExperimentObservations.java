package dev.chatlog.alerts.observe;

import dev.chatlog.alerts.AlertEvaluator;
import dev.chatlog.alerts.AlertRule;
import dev.chatlog.alerts.AlertState;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/**
 * What an {@code experiment} alert rule observes: each started experiment, ALERT when it was stopped automatically (by
 * a guardrail or an arm's budget: {@code stopped_by} in {@code chatbot_experiments}), OK otherwise. A stop is notified
 * once, as every state change is, whichever instance stopped it.
 */
public final class ExperimentObservations {
    private ExperimentObservations() {}

    public static List<AlertEvaluator.Observation> of(Jdbi jdbi, AlertRule r) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT name, stopped_by, stop_reason, stopped_at FROM chatbot_experiments WHERE start_at IS NOT NULL ORDER BY name""")
                .map((rs, ctx) -> {
                    String by = rs.getString("stopped_by");
                    boolean automatic = "guardrail".equals(by) || "budget".equals(by);
                    Map<String, Object> f = new LinkedHashMap<>();
                    if (by != null) f.put("stopped_by", by);
                    if (rs.getString("stop_reason") != null) f.put("stop_reason", rs.getString("stop_reason"));
                    if (rs.getObject("stopped_at") != null) f.put("stopped_at", rs.getObject("stopped_at").toString());
                    return new AlertEvaluator.Observation(rs.getString("name"), automatic ? BigDecimal.ONE : BigDecimal.ZERO, 0, f,
                            automatic ? AlertState.ALERT : AlertState.OK);
                }).list()).stream().filter(o -> r.match() == null || r.match().equals(o.subject())).toList();
    }
}
