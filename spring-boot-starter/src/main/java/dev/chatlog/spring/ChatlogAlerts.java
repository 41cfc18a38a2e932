package dev.chatlog.spring;

import dev.chatlog.alerts.Alerts;
import dev.chatlog.budgets.Budgets;
import dev.chatlog.core.ChatLogger;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.SmartLifecycle;

/**
 * Runs the {@link Alerts} with the application context: at start the outbox's sender starts and the rules are
 * evaluated every {@code chatlog.alerts.check-interval} on the alerts' own thread ({@code chatlog-alert-rules}); at stop
 * both end. The instance is named by its host name unless {@code chatlog.alerts.instance} names it.
 */
public final class ChatlogAlerts implements SmartLifecycle {
    private final Alerts alerts;
    private final ChatLogger logger;
    private final ObjectProvider<Budgets> budgets;
    private boolean running;

    public ChatlogAlerts(Alerts alerts, ChatLogger logger, ObjectProvider<Budgets> budgets) {
        this.alerts = alerts;
        this.logger = logger;
        this.budgets = budgets;
    }

    @Override
    public synchronized void start() {
        alerts.start(logger::stats, () -> {
            Budgets b = budgets.getIfAvailable();
            return b == null ? List.of() : b.current();
        }, "", Alerts.hostName());
        running = true;
    }

    /** One evaluation of every rule now (what the timer runs). */
    public void evaluate() {
        alerts.evaluate();
    }

    @Override
    public synchronized void stop() {
        alerts.close();
        running = false;
    }

    @Override
    public synchronized boolean isRunning() {
        return running;
    }
}
