package dev.chatlog.alerts;

import dev.chatlog.alerts.observe.BudgetObservations;
import dev.chatlog.alerts.observe.ExperimentObservations;
import dev.chatlog.alerts.observe.QualityObservations;

import dev.chatlog.sql.Utc;


import dev.chatlog.core.LoggerStats;
import dev.chatlog.budgets.BudgetStatus;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates every enabled rule: its figure per subject ({@link AlertEvaluator} for the call
 * rules, the budgets' status, this instance's logger health), the state each subject is in, and
 * for each change of state, in one transaction, the conditional update of its state row and the
 * notifications it causes written to the outbox. Any number of instances may evaluate the same
 * rules: the sequence number in the state row lets exactly one write each change.
 */
public final class AlertEngine {
    private static final Logger log = LoggerFactory.getLogger(AlertEngine.class);

    /** A change of state this evaluation wrote; {@code notified}: it put a notification in the outbox (not suppressed). */
    public record Transition(String rule, String subject, AlertState from, AlertState to, BigDecimal value, boolean notified, String key) {}

    private final Jdbi jdbi;
    private final AlertRules rules;
    private final AlertEvaluator evaluator;
    private final QualityObservations quality;
    private final java.util.function.Function<AlertRule, AlertEvaluator.Snapshot> insights;
    private final Supplier<List<String>> channels;
    private final Supplier<List<BudgetStatus>> budgets;
    private final Supplier<LoggerStats> logger;
    private final String instance;
    private final String dashboardUrl;
    private final Clock clock;
    private final Runnable written;
    private final AlertNotifications notifications;
    private final LoggerHealthWatch health;

    private AlertEngine(Builder b) {
        this.jdbi = b.jdbi;
        this.rules = new AlertRules(b.jdbi);
        this.evaluator = new AlertEvaluator(b.jdbi);
        this.quality = new QualityObservations(b.jdbi);
        this.insights = b.insights;
        this.channels = b.channels;
        this.budgets = b.budgets;
        this.logger = b.logger;
        this.instance = b.instance;
        this.dashboardUrl = b.dashboardUrl.endsWith("/") ? b.dashboardUrl.substring(0, b.dashboardUrl.length() - 1) : b.dashboardUrl;
        this.clock = b.clock;
        this.written = b.written;
        this.notifications = new AlertNotifications(dashboardUrl);
        this.health = new LoggerHealthWatch(b.logger, b.instance);
    }

    public static Builder builder(Jdbi jdbi) {
        return new Builder(jdbi);
    }

    public AlertRules rules() {
        return rules;
    }

    /** Records that the database could not be reached now (the health rules report it once it can be written again). */
    public void databaseDown() {
        health.databaseDown(clock.instant());
    }

    /** Evaluates every enabled rule now; returns the changes of state this instance wrote. */
    public List<Transition> evaluate() {
        Instant now = clock.instant();
        List<AlertRule> all;
        try {
            all = rules.list();
        } catch (RuntimeException e) {
            if (dev.chatlog.sql.SqlFailures.unreachable(e)) {
                if (health.downSince() == null) log.warn("alerts: the database is unreachable ({}); health rules notify once it is back", e.toString());
                databaseDown();
                return List.of();
            }
            throw e;
        }
        if (health.downSince() != null && health.downAt() != null) {
            log.info("alerts: the database is reachable again (unreachable from {} for about {} s)", health.downSince(),
                    Duration.between(health.downSince(), health.downAt()).toSeconds());
        }
        LoggerStats stats = health.sample(now);
        List<Transition> out = new ArrayList<>();
        List<BudgetStatus> budgetStates = null;
        for (AlertRule r : all) {
            if (!r.enabled()) continue;
            try {
                Instant asOf = null; // a snapshot's time: subjects missing from it are resolved only if older than it
                List<AlertEvaluator.Observation> obs = switch (r.kind()) {
                    case BUDGET -> {
                        if (budgetStates == null) budgetStates = budgets.get();
                        yield BudgetObservations.of(r, budgetStates);
                    }
                    case LOGGER_HEALTH -> List.of(health.observe(r, stats, now));
                    case QUALITY_DROP -> quality.observe(r, now);
                    case EXPERIMENT -> ExperimentObservations.of(jdbi, r);
                    case INSIGHTS -> {
                        AlertEvaluator.Snapshot snap = insights.apply(r); // null: no report yet, nothing known
                        if (snap != null) asOf = snap.asOf();
                        yield snap == null ? null : snap.observations();
                    }
                    default -> evaluator.observe(r, now);
                };
                if (obs == null) continue;
                out.addAll(apply(r, obs, asOf, now));
            } catch (RuntimeException e) {
                log.warn("alert rule '{}' could not be evaluated: {}", r.name(), e.toString());
            }
        }
        health.reachable();
        if (out.stream().anyMatch(Transition::notified)) written.run();
        return out;
    }

    private List<Transition> apply(AlertRule r, List<AlertEvaluator.Observation> observations, Instant asOf, Instant now) {
        record Row(String subject, AlertState state, long seq, AlertState notified, AlertState alerted, Instant alertedAt, Instant since) {}
        Map<String, Row> rows = new HashMap<>();
        jdbi.useHandle(h -> h.createQuery("SELECT subject, state, seq, notified_state, alerted_state, alerted_at, since FROM chatbot_alert_states WHERE rule_name = :r")
                .bind("r", r.name()).map((rs, ctx) -> new Row(rs.getString(1), AlertState.parse(rs.getString(2)), rs.getLong(3),
                        rs.getString(4) == null ? null : AlertState.parse(rs.getString(4)),
                        rs.getString(5) == null ? null : AlertState.parse(rs.getString(5)),
                        Utc.instant(rs.getObject(6, LocalDateTime.class)), Utc.instant(rs.getObject(7, LocalDateTime.class))))
                .forEach(row -> rows.put(row.subject(), row)));
        Map<String, AlertEvaluator.Observation> bySubject = new LinkedHashMap<>();
        for (AlertEvaluator.Observation o : observations) bySubject.put(o.subject(), o);
        for (Row row : rows.values()) { // a subject no longer seen is OK: its calls stopped, its budget is gone
            if (r.kind() == AlertKind.LOGGER_HEALTH) break; // each instance evaluates its own health only
            // a snapshot older than a subject's state (another instance's report, computed before that change) resolves nothing
            if (asOf != null && (row.since() == null || !row.since().isBefore(asOf))) continue;
            if (row.state() != AlertState.OK) bySubject.putIfAbsent(row.subject(), new AlertEvaluator.Observation(row.subject(), null, 0, Map.of()));
        }
        List<Transition> out = new ArrayList<>();
        AlertEvaluator.Window w = AlertEvaluator.Window.ending(now, r.window());
        for (AlertEvaluator.Observation o : bySubject.values()) {
            String subject = o.subject().length() > 255 ? o.subject().substring(0, 255) : o.subject();
            AlertState next = o.stateUnder(r);
            Row row = rows.get(subject);
            AlertState was = row == null ? AlertState.OK : row.state();
            if (next == was) {
                if (row != null && next != AlertState.OK) {
                    dev.chatlog.sql.SqlFailures.retryingLockConflicts(() -> jdbi.withHandle(h -> h.createUpdate("UPDATE chatbot_alert_states SET value = :v, calls = :c, evaluated_at = :now "
                            + "WHERE rule_name = :r AND subject = :s").bind("v", o.value()).bind("c", o.calls()).bind("now", Utc.time(now))
                            .bind("r", r.name()).bind("s", subject).execute()));
                }
                continue;
            }
            long seq = row == null ? 0 : row.seq();
            boolean notify;
            if (next == AlertState.OK) {
                notify = row != null && row.notified() != null && row.notified() != AlertState.OK;
            } else {
                boolean recent = row != null && row.alertedAt() != null && row.alerted() == next
                        && Duration.between(row.alertedAt(), now).compareTo(r.suppress()) < 0;
                notify = !recent;
            }
            final boolean n = notify;
            // instances race for the same change: a deadlock between them is retried, the loser then finds it written
            Transition t = dev.chatlog.sql.SqlFailures.retryingLockConflicts(() -> jdbi.inTransaction(h -> {
                if (row == null) {
                    h.createUpdate("INSERT IGNORE INTO chatbot_alert_states (rule_name, subject, state, seq, since, evaluated_at) "
                            + "VALUES (:r, :s, 'OK', 0, :now, :now)").bind("r", r.name()).bind("s", subject).bind("now", Utc.time(now)).execute();
                }
                int moved = h.createUpdate("""
                        UPDATE chatbot_alert_states SET state = :next, seq = seq + 1, since = :now, evaluated_at = :now, value = :v, calls = :c
                        WHERE rule_name = :r AND subject = :s AND seq = :seq AND state = :was""")
                        .bind("next", next.name()).bind("now", Utc.time(now)).bind("v", o.value()).bind("c", o.calls())
                        .bind("r", r.name()).bind("s", subject).bind("seq", seq).bind("was", was.name()).execute();
                if (moved == 0) return null; // another instance wrote this change (or another one) first
                String key = null;
                if (n) {
                    key = AlertDispatcher.hash(r.name() + "|" + subject + "|" + (seq + 1) + "|" + now.toEpochMilli());
                    Notification note = notifications.of(h, r, key, subject, was, next, o, w, now);
                    List<String> to = targets(h, r, now);
                    Instant held = r.digest() != null && r.severity() != Severity.CRITICAL ? digestTime(now, r.digest()) : null;
                    AlertOutbox.enqueue(h, note, to, held);
                    h.createUpdate("UPDATE chatbot_alert_states SET notified_state = :st"
                            + (next == AlertState.OK ? "" : ", alerted_state = :st, alerted_at = :now") + " WHERE rule_name = :r AND subject = :s")
                            .bind("st", next.name()).bind("now", Utc.time(now)).bind("r", r.name()).bind("s", subject).execute();
                }
                return new Transition(r.name(), subject, was, next, o.value(), n, key);
            }));
            if (t != null) out.add(t);
        }
        return out;
    }

    /**
     * The rule's channels among the deployment's (all of them when it names none): the channels this
     * instance has and those any instance's sender announced within {@link DeploymentChannels#TTL}.
     * So the instance that wins a change does not decide where it goes by what it has itself.
     */
    private List<String> targets(org.jdbi.v3.core.Handle h, AlertRule r, Instant now) {
        java.util.Set<String> deployment = new java.util.LinkedHashSet<>(channels.get());
        deployment.addAll(DeploymentChannels.announced(h, now));
        if (r.channels().isEmpty()) return List.copyOf(deployment);
        return r.channels().stream().filter(deployment::contains).toList();
    }

    /**
     * The end of the digest period {@code now} is in (periods counted from the epoch, in UTC; a period of several whole
     * days from the first Monday after it, 1970-01-05, so a weekly digest goes out on Mondays at 00:00 UTC).
     */
    static Instant digestTime(Instant now, Duration digest) {
        long p = digest.toMillis();
        long origin = digest.toDays() > 1 && digest.toMillis() % 86_400_000L == 0 ? Duration.ofDays(4).toMillis() : 0;
        return Instant.ofEpochMilli(Math.floorDiv(now.toEpochMilli() - origin, p) * p + p + origin);
    }

    public static final class Builder {
        private final Jdbi jdbi;
        private Supplier<List<String>> channels = () -> List.of("log");
        private Supplier<List<BudgetStatus>> budgets = List::of;
        private java.util.function.Function<AlertRule, AlertEvaluator.Snapshot> insights = r -> null;
        private Supplier<LoggerStats> logger = () -> null;
        private String instance = "chatlog";
        private String dashboardUrl = "http://localhost:8080";
        private Clock clock = Clock.systemUTC();
        private Runnable written = () -> {};

        private Builder(Jdbi jdbi) {
            this.jdbi = jdbi;
        }

        /** The channel names notifications can go to (a rule naming others has them left out). */
        public Builder channels(List<String> names) {
            List<String> copy = List.copyOf(names);
            this.channels = () -> copy;
            return this;
        }

        /** What an {@code insights} rule observes: the open findings (none unless the insights run in this process). */
        public Builder insights(java.util.function.Function<AlertRule, AlertEvaluator.Snapshot> v) {
            this.insights = java.util.Objects.requireNonNull(v);
            return this;
        }

        public Builder budgets(Supplier<List<BudgetStatus>> budgets) {
            this.budgets = budgets;
            return this;
        }

        /** This instance's logger, for the logger_health rules, under the subject {@code instance}. */
        public Builder logger(Supplier<LoggerStats> logger, String instance) {
            this.logger = logger;
            this.instance = instance;
            return this;
        }

        /** The base of the links notifications carry ({@code http://host:port}). */
        public Builder dashboardUrl(String url) {
            this.dashboardUrl = url;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** Run after an evaluation wrote notifications (the dispatcher's wake-up). */
        public Builder onWritten(Runnable written) {
            this.written = written;
            return this;
        }

        public AlertEngine build() {
            return new AlertEngine(this);
        }
    }
}
