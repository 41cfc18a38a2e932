package dev.chatlog.alerts;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The alert rules ({@code chatbot_alert_rules}), shared by every instance on the database. */
public final class AlertRules {
    private static final Logger log = LoggerFactory.getLogger(AlertRules.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The default rules, as a rules JSON object: a model's call over 8 s (seed 002's target), a
     * model's failures over 5% (warning) or 20% (critical) with at least 10 calls, the last hour's
     * cost over 3x the 24 before it, every budget's state, every experiment stopped automatically, the insights' new findings (a weekly digest), this instance's logger.
     */
    public static final String DEFAULTS = """
            {"slow-calls":    {"kind": "slow_calls", "by": "model", "window": "5m", "alert_above": 8000, "severity": "warning"},
             "failure-rate":  {"kind": "failure_rate", "by": "model", "window": "10m", "alert_above": 0.2, "warn_above": 0.05,
                               "min_calls": 10, "severity": "critical"},
             "cost-spike":    {"kind": "cost_spike", "window": "1h", "baseline": "24h", "alert_above": 3, "min_calls": 20},
             "budgets":       {"kind": "budget", "severity": "warning"},
             "experiments":   {"kind": "experiment", "severity": "critical"},
             "insights":      {"kind": "insights", "severity": "info", "digest": "7d"},
             "logger-health": {"kind": "logger_health", "window": "5m", "severity": "critical"}}""";

    private final Jdbi jdbi;

    /** {@link #DEFAULTS} as rules. */
    public static List<AlertRule> defaults() {
        try {
            return AlertRuleParser.parseAll(JSON.readTree(DEFAULTS), "the default rules");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Puts each default rule whose name is not defined (an edited one is kept); returns how many were put. */
    public int putDefaults() {
        int n = 0;
        for (AlertRule r : defaults()) {
            if (get(r.name()).isEmpty()) {
                put(r);
                n++;
            }
        }
        return n;
    }

    public AlertRules(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** Creates or replaces {@code r}; true when there was no rule of that name. */
    public boolean put(AlertRule r) {
        String def;
        try {
            def = JSON.writeValueAsString(r.definition());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return dev.chatlog.sql.SqlFailures.retryingLockConflicts(() -> jdbi.inTransaction(h -> {
            boolean existed = h.createQuery("SELECT COUNT(*) FROM chatbot_alert_rules WHERE name = :n FOR UPDATE").bind("n", r.name())
                    .mapTo(Integer.class).one() > 0;
            h.createUpdate("INSERT INTO chatbot_alert_rules (name, definition) VALUES (:n, :d) ON DUPLICATE KEY UPDATE definition = VALUES(definition)")
                    .bind("n", r.name()).bind("d", def).execute();
            return !existed;
        }));
    }

    /** Deletes the rule and its states (its notifications stay in the outbox's history); false when there was none. */
    public boolean delete(String name) {
        return dev.chatlog.sql.SqlFailures.retryingLockConflicts(() -> jdbi.inTransaction(h -> {
            h.createUpdate("DELETE FROM chatbot_alert_states WHERE rule_name = :n").bind("n", name).execute();
            return h.createUpdate("DELETE FROM chatbot_alert_rules WHERE name = :n").bind("n", name).execute() > 0;
        }));
    }

    public Optional<AlertRule> get(String name) {
        return jdbi.withHandle(h -> h.createQuery("SELECT name, definition FROM chatbot_alert_rules WHERE name = :n").bind("n", name)
                .map((rs, ctx) -> parse(rs.getString(1), rs.getString(2))).findOne()).filter(r -> r != null);
    }

    /** Every rule, by name; one whose stored definition no longer parses is skipped with a warning. */
    public List<AlertRule> list() {
        List<AlertRule> out = new ArrayList<>();
        jdbi.useHandle(h -> h.createQuery("SELECT name, definition FROM chatbot_alert_rules ORDER BY name")
                .map((rs, ctx) -> parse(rs.getString(1), rs.getString(2))).forEach(r -> {
                    if (r != null) out.add(r);
                }));
        return out;
    }

    private static AlertRule parse(String name, String definition) {
        try {
            return AlertRuleParser.parse(name, JSON.readTree(definition));
        } catch (Exception e) {
            log.warn("alert rule '{}' is skipped: its stored definition is not valid any more: {}", name, e.getMessage());
            return null;
        }
    }
}
