package dev.chatlog.budgets;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The budgets of one application instance, assembled once for the server and the Spring Boot starter: built, it has
 * defined the budgets of its {@link BudgetSettings} and holds the gate every guarded call is admitted by;
 * {@link #start} evaluates the budgets' events (warning, exceeded, projected, spike: {@link BudgetMonitor}) each
 * {@code checkInterval} on a thread of its own ({@code chatlog-budget-events}); {@link #close} stops it and the gate.
 */
public final class Budgets implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Budgets.class);

    private final BudgetSettings settings;
    private final BudgetDefinitions definitions;
    private final BudgetReport report;
    private final BudgetMonitor monitor;
    private final JdbcBudgetGate gate;
    private final ScheduledExecutorService timer;

    public Budgets(Jdbi jdbi, BudgetSettings settings) {
        this.settings = settings.validate();
        this.definitions = new BudgetDefinitions(jdbi);
        for (Budget b : settings.definitions()) definitions.put(b); // defined at start
        this.report = new BudgetReport(jdbi);
        this.monitor = new BudgetMonitor(jdbi, settings.spikeMinCalls());
        this.gate = JdbcBudgetGate.builder(jdbi).lease(settings.lease()).failClosed(settings.failClosed())
                .admissionWait(settings.admissionWait()).build();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "chatlog-budget-events");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts evaluating the budgets' events every {@code checkInterval}. */
    public void start() {
        long every = settings.checkInterval().toMillis();
        timer.scheduleWithFixedDelay(this::evaluate, every, every, TimeUnit.MILLISECONDS);
    }

    /** One evaluation of the budgets' events now, on the caller's thread; each new event is logged (WARN). */
    public List<BudgetMonitor.Recorded> evaluate() {
        try {
            List<BudgetMonitor.Recorded> events = monitor.evaluate(gate.budgets(), Instant.now());
            for (BudgetMonitor.Recorded e : events) {
                log.warn("budget '{}': {}{} (spent ${})", e.budget(), e.kind(),
                        e.threshold().signum() > 0 && e.threshold().compareTo(BigDecimal.ONE) < 0
                                ? " at " + e.threshold().movePointRight(2).stripTrailingZeros().toPlainString() + "%" : "",
                        e.spent().stripTrailingZeros().toPlainString());
            }
            return events;
        } catch (RuntimeException e) {
            log.warn("budget evaluation failed: {}", e.toString());
            return List.of();
        }
    }

    /** Where each budget stands now (what the {@code budget} alert rule and the gauges read). */
    public List<BudgetStatus> current() {
        return report.current(gate.budgets(), Instant.now());
    }

    public JdbcBudgetGate gate() {
        return gate;
    }

    public BudgetDefinitions definitions() {
        return definitions;
    }

    public BudgetReport report() {
        return report;
    }

    public BudgetSettings settings() {
        return settings;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        gate.close();
    }
}
