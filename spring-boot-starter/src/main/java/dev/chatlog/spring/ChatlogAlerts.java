package dev.chatlog.spring;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatlog.alerts.AlertRule;
import dev.chatlog.alerts.AlertRuleParser;
import dev.chatlog.alerts.AlertDispatcher;
import dev.chatlog.alerts.AlertEngine;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Runs the alerts with the application context: at start the default and configured rules are put,
 * the outbox's sender starts and the rules are evaluated every {@code chatlog.alerts.check-interval}
 * on a thread of its own ({@code chatlog-alert-rules}); at stop both end.
 */
public final class ChatlogAlerts implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(ChatlogAlerts.class);

    private final AlertEngine engine;
    private final AlertDispatcher dispatcher;
    private final ChatlogProperties.Alerts props;
    private ScheduledExecutorService timer;

    public ChatlogAlerts(AlertEngine engine, AlertDispatcher dispatcher, ChatlogProperties.Alerts props) {
        this.engine = engine;
        this.dispatcher = dispatcher;
        this.props = props;
    }

    @Override
    public synchronized void start() {
        if (props.isDefaults()) engine.rules().putDefaults();
        if (props.getRules() != null && !props.getRules().isBlank()) {
            try {
                for (AlertRule r : AlertRuleParser.parseAll(new ObjectMapper().readTree(props.getRules()), "chatlog.alerts.rules")) engine.rules().put(r);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalArgumentException("chatlog.alerts.rules is not JSON: " + e.getOriginalMessage());
            }
        }
        dispatcher.start(Duration.ofSeconds(1));
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "chatlog-alert-rules");
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(1, props.getCheckInterval().toMillis());
        timer.scheduleWithFixedDelay(this::evaluate, every, every, TimeUnit.MILLISECONDS);
    }

    /** One evaluation of every rule now (what the timer runs). */
    public void evaluate() {
        try {
            engine.evaluate();
        } catch (RuntimeException e) {
            log.warn("alert evaluation failed: {}", e.toString());
        }
    }

    @Override
    public synchronized void stop() {
        if (timer != null) timer.shutdownNow();
        timer = null;
        dispatcher.close();
    }

    @Override
    public synchronized boolean isRunning() {
        return timer != null;
    }
}
