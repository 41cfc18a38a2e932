package dev.chatlog.alerts;

import dev.chatlog.budgets.BudgetStatus;
import dev.chatlog.core.LoggerStats;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The alerts of one application instance, assembled once for the server and the Spring Boot starter: built, it has
 * put the rules of its {@link AlertSettings} (the defaults and the configured ones) and made the outbox's sender over
 * the configured channels; {@link #start} starts sending and evaluates every rule each {@code checkInterval} on a thread
 * of its own ({@code chatlog-alert-rules}); {@link #close} stops both.
 */
public final class Alerts implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Alerts.class);

    private final AlertSettings settings;
    private final Jdbi jdbi;
    private final AlertRules rules;
    private final AlertDispatcher dispatcher;
    private final ScheduledExecutorService timer;
    private volatile AlertEngine engine;

    public Alerts(Jdbi jdbi, AlertSettings settings) {
        this.settings = settings.validate();
        this.jdbi = jdbi;
        this.rules = new AlertRules(jdbi);
        if (settings.defaultRules()) rules.putDefaults();
        for (AlertRule r : settings.rules()) rules.put(r); // defined at start
        this.dispatcher = AlertDispatcher.builder(jdbi, settings.channels()).lease(settings.lease())
                .maxBackoff(settings.maxBackoff()).maxAge(settings.maxAge()).build();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "chatlog-alert-rules");
            t.setDaemon(true);
            return t;
        });
    }

    private volatile java.util.function.Function<AlertRule, AlertEvaluator.Snapshot> insights = r -> null;

    /** What {@code insights} rules observe (the open findings of this process's insights); set before {@link #start}. */
    public void observeInsights(java.util.function.Function<AlertRule, AlertEvaluator.Snapshot> v) {
        this.insights = java.util.Objects.requireNonNull(v);
    }

    /**
     * Starts sending and evaluating. {@code logger} and {@code budgets} are read by the rules on the logger's health
     * and the budgets; {@code dashboardUrl} and {@code instance} are used unless the settings name their own.
     */
    public synchronized void start(Supplier<LoggerStats> logger, Supplier<List<BudgetStatus>> budgets, String dashboardUrl, String instance) {
        if (engine != null) return;
        this.engine = AlertEngine.builder(jdbi).channels(dispatcher.channelNames()).budgets(budgets).insights(insights)
                .logger(logger, settings.instance() != null ? settings.instance() : instance)
                .dashboardUrl(settings.publicUrl() != null ? settings.publicUrl() : dashboardUrl).onWritten(dispatcher::wake).build();
        dispatcher.start(java.time.Duration.ofSeconds(1));
        long every = settings.checkInterval().toMillis();
        timer.scheduleWithFixedDelay(this::evaluate, every, every, TimeUnit.MILLISECONDS);
    }

    /** One evaluation of every rule now, on the caller's thread (nothing before {@link #start}). */
    public void evaluate() {
        AlertEngine e = engine;
        if (e == null) return;
        try {
            e.evaluate();
        } catch (RuntimeException x) {
            log.warn("alert evaluation failed: {}", x.toString());
        }
    }

    /** An evaluation soon, on the alerts' thread (after a rule changed). */
    public void evaluateSoon() {
        if (!timer.isShutdown()) timer.execute(this::evaluate);
    }

    public AlertRules rules() {
        return rules;
    }

    public AlertStates states() {
        return new AlertStates(jdbi);
    }

    public AlertOutbox outbox() {
        return new AlertOutbox(jdbi);
    }

    public List<String> channelNames() {
        return dispatcher.channelNames();
    }

    /** The engine (null before {@link #start}). */
    public AlertEngine engine() {
        return engine;
    }

    /** One line for a start-up banner. */
    public String describe() {
        AlertSettings.Webhook w = settings.webhook();
        return rules.list().size() + " rules, evaluated every " + settings.checkInterval().toSeconds() + " s; channels "
                + String.join(", ", dispatcher.channelNames())
                + (w == null ? "" : " (webhook " + w.url().getHost() + (w.secret() == null ? ", unsigned" : ", signed") + ")");
    }

    /** The host name, for the instance's name in notifications ({@code localhost} when it cannot be read). */
    public static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }

    @Override
    public synchronized void close() {
        timer.shutdownNow();
        dispatcher.close();
    }
}
