package dev.chatlog.experiments;

import dev.chatlog.budgets.BudgetStatus;
import dev.chatlog.experiments.analysis.Analyses;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A deployment's experiments, put together once for the server and the Spring Boot starter: the store, the router the
 * application assigns turns with, the analyses, and the guard checked every {@link ExperimentSettings#checkInterval()}
 * on its own daemon thread. At start the settings' definitions are put (a started experiment whose definition changed
 * is kept as it is, and said so) and the named ones started. {@code onStop} runs after the guard stops an experiment
 * (the server asks its alert engine to evaluate at once).
 */
public final class ExperimentRuntime implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ExperimentRuntime.class);
    private final Experiments store;
    private final ExperimentRouter router;
    private final Analyses analyses;
    private final ExperimentGuard guard;
    private final ScheduledExecutorService checks;

    public ExperimentRuntime(Jdbi jdbi, ExperimentSettings settings, Supplier<List<BudgetStatus>> budgets, Runnable onStop, Clock clock) {
        this.store = new Experiments(jdbi, clock);
        for (Experiment e : settings.definitions()) {
            try {
                store.put(e);
            } catch (Experiments.Conflict c) {
                LOG.warn("chatlog: experiment {} is configured but not put: {}", e.name(), c.getMessage());
            }
        }
        for (String name : settings.start()) {
            try {
                if (store.start(name).isEmpty()) LOG.warn("chatlog: experiment {} is to be started but is defined nowhere", name);
            } catch (Experiments.Conflict c) {
                LOG.warn("chatlog: experiment {} is not started: {}", name, c.getMessage());
            }
        }
        this.router = new ExperimentRouter(store, clock, settings.refresh());
        this.analyses = new Analyses(jdbi, clock);
        this.guard = new ExperimentGuard(store, analyses, budgets, clock);
        this.checks = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "chatlog-experiment-guard");
            t.setDaemon(true);
            return t;
        });
        long every = settings.checkInterval().toMillis();
        checks.scheduleWithFixedDelay(() -> {
            try {
                if (!guard.check().isEmpty()) {
                    router.refresh();
                    onStop.run();
                }
            } catch (RuntimeException x) { // the next check runs all the same
                LOG.warn("chatlog: after an experiment stop: {}", x.toString());
            }
        }, every, every, TimeUnit.MILLISECONDS);
    }

    public Experiments store() {
        return store;
    }

    public ExperimentRouter router() {
        return router;
    }

    public Analyses analyses() {
        return analyses;
    }

    public ExperimentGuard guard() {
        return guard;
    }

    @Override
    public void close() {
        checks.shutdownNow();
        try { // a check under way finishes before the database it reads closes
            checks.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        router.close();
    }
}
