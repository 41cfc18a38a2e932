package dev.chatlog.server.alerts;

import dev.chatlog.core.LoggerStats;
import dev.chatlog.alerts.AlertRule;
import dev.chatlog.budgets.BudgetStatus;
import dev.chatlog.alerts.AlertDispatcher;
import dev.chatlog.alerts.AlertEngine;
import dev.chatlog.alerts.AlertOutbox;
import dev.chatlog.alerts.AlertRules;
import dev.chatlog.alerts.AlertStates;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's alerts: the rules put at start (defaults, {@code CHATLOG_ALERT_RULES}), the outbox's
 * sender over the configured channels, the routes, and, once the server's address is known
 * ({@link #start}), the engine evaluated on the housekeeping thread.
 */
public final class ServerAlerts implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ServerAlerts.class);

    private final AlertSettings settings;
    private final Jdbi jdbi;
    private final ScheduledExecutorService housekeeping;
    private final AlertDispatcher dispatcher;
    private final AlertController routes;
    private final int ruleCount;
    private volatile AlertEngine engine;

    public ServerAlerts(AlertSettings settings, Jdbi jdbi, ScheduledExecutorService housekeeping) {
        this.settings = settings;
        this.jdbi = jdbi;
        this.housekeeping = housekeeping;
        this.dispatcher = AlertDispatcher.builder(jdbi, settings.channels()).lease(settings.lease())
                .maxBackoff(Duration.ofSeconds(settings.maxBackoffSeconds())).maxAge(Duration.ofHours(settings.maxAgeHours())).build();
        AlertRules rules = new AlertRules(jdbi);
        if (settings.defaults()) rules.putDefaults();
        for (AlertRule r : settings.rules()) rules.put(r); // CHATLOG_ALERT_RULES: defined at start
        this.ruleCount = rules.list().size();
        this.routes = new AlertController(rules, new AlertStates(jdbi), new AlertOutbox(jdbi), dispatcher.channelNames(),
                () -> housekeeping.execute(this::evaluate), Clock.systemUTC());
    }

    /** Starts evaluating and sending; {@code baseUrl} is the server's own address (links, unless CHATLOG_PUBLIC_URL). */
    public void start(Supplier<LoggerStats> logger, Supplier<List<BudgetStatus>> budgets, String baseUrl, int port) {
        String instance = settings.instance() != null ? settings.instance() : hostName() + ":" + port;
        this.engine = AlertEngine.builder(jdbi).channels(dispatcher.channelNames()).budgets(budgets).logger(logger, instance)
                .dashboardUrl(settings.publicUrl() != null ? settings.publicUrl() : baseUrl).onWritten(dispatcher::wake).build();
        dispatcher.start(Duration.ofSeconds(1));
        housekeeping.scheduleWithFixedDelay(this::evaluate, settings.checkSeconds(), settings.checkSeconds(), TimeUnit.SECONDS);
    }

    /** One evaluation of every rule now (nothing before {@link #start}). */
    public void evaluate() {
        AlertEngine e = engine;
        if (e == null) return;
        try {
            e.evaluate();
        } catch (RuntimeException x) {
            log.warn("alert evaluation failed: {}", x.toString());
        }
    }

    public AlertController routes() {
        return routes;
    }

    /** The engine (null before {@link #start}). */
    public AlertEngine engine() {
        return engine;
    }

    /** The banner's line. */
    public String describe() {
        return ruleCount + " rules, evaluated every " + settings.checkSeconds() + " s; channels " + String.join(", ", dispatcher.channelNames())
                + (settings.webhookUrl() == null ? "" : " (webhook " + settings.webhookUrl().getHost()
                + (settings.webhookSecret() == null ? ", unsigned" : ", signed") + ")");
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }

    @Override
    public void close() {
        dispatcher.close();
    }
}
