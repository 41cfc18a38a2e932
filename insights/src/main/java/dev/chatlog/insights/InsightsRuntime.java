package dev.chatlog.insights;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the insights of a window without computing them on every request: each window's report is kept until it is
 * {@link InsightsSettings#refresh()} old, the windows asked for in the last day (and the default {@code 7d}) are
 * computed again on a background thread before then, and concurrent requests for a window not yet computed wait for
 * one computation. {@link #latest()} is the default window's report: what the meter and the alert rule read.
 */
public final class InsightsRuntime implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(InsightsRuntime.class);
    public static final Insights.InsightsWindow DEFAULT_WINDOW = Insights.InsightsWindow.parse("7d");

    private final Insights insights;
    private final Clock clock;
    private final Map<String, CompletableFuture<InsightsReport>> reports = new ConcurrentHashMap<>();
    private final Map<String, Instant> asked = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "chatlog-insights");
        t.setDaemon(true);
        return t;
    });

    public InsightsRuntime(Insights insights, Clock clock) {
        this.insights = Objects.requireNonNull(insights);
        this.clock = Objects.requireNonNull(clock);
        asked.put(DEFAULT_WINDOW.label(), Instant.MAX); // always kept fresh
    }

    /** Computes the default window at once and keeps the windows asked for fresh, every half refresh. */
    public InsightsRuntime start() {
        long every = Math.max(1, insights.settings().refresh().toMillis() / 2);
        timer.scheduleWithFixedDelay(this::refreshDue, 0, every, TimeUnit.MILLISECONDS);
        return this;
    }

    /** The report of {@code window}: the kept one while fresh, else computed now (once, however many ask). */
    public InsightsReport report(Insights.InsightsWindow window) {
        asked.merge(window.label(), clock.instant(), (a, b) -> a.isAfter(b) ? a : b);
        CompletableFuture<InsightsReport> f = reports.compute(window.label(), (k, kept) -> kept != null && (!kept.isDone() || fresh(kept))
                ? kept : CompletableFuture.supplyAsync(() -> insights.analyse(window), Runnable::run));
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the insights were computed", e);
        } catch (ExecutionException e) {
            reports.remove(window.label(), f);
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    /** The default window's last report, or null before the first one is computed. */
    public InsightsReport latest() {
        CompletableFuture<InsightsReport> f = reports.get(DEFAULT_WINDOW.label());
        return f != null && f.isDone() && !f.isCompletedExceptionally() ? f.join() : null;
    }

    /** The open savings of {@link #latest()} per kind of finding, USD per month (0 for kinds with none open). */
    public Map<Finding.Kind, BigDecimal> openSavingsByKind() {
        Map<Finding.Kind, BigDecimal> out = new LinkedHashMap<>();
        for (Finding.Kind k : Finding.Kind.values()) out.put(k, BigDecimal.ZERO);
        InsightsReport r = latest();
        if (r != null) {
            for (Finding f : r.findings()) if (f.savingPerMonthUsd() != null) out.merge(f.kind(), f.savingPerMonthUsd(), BigDecimal::add);
        }
        return out;
    }

    private boolean fresh(CompletableFuture<InsightsReport> f) {
        if (f.isCompletedExceptionally()) return false;
        return Duration.between(f.join().computedAt(), clock.instant()).compareTo(insights.settings().refresh()) < 0;
    }

    private void refreshDue() {
        Instant now = clock.instant();
        for (var e : asked.entrySet()) {
            try {
                if (e.getValue().isBefore(now.minus(Duration.ofDays(1)))) { // not asked for in a day: let it go
                    asked.remove(e.getKey());
                    reports.remove(e.getKey());
                    continue;
                }
                Insights.InsightsWindow w = Insights.InsightsWindow.parse(e.getKey());
                CompletableFuture<InsightsReport> kept = reports.get(e.getKey());
                // computed again when older than half its refresh: a request then still finds a fresh one
                if (kept == null || kept.isDone() && (kept.isCompletedExceptionally()
                        || Duration.between(kept.join().computedAt(), now).compareTo(insights.settings().refresh().dividedBy(2)) >= 0)) {
                    InsightsReport r = insights.analyse(w);
                    reports.put(e.getKey(), CompletableFuture.completedFuture(r));
                }
            } catch (RuntimeException x) {
                log.warn("insights: the window {} could not be computed: {}", e.getKey(), x.toString());
            }
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
