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
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the insights of a window without computing them on every request: each window's report is kept until it is
 * {@link InsightsSettings#refresh()} old, and the windows asked for in the last day (at most {@link #MAX_KEPT}, the
 * default {@code 7d} always) are computed again on a background thread before then. A window is keyed by its length
 * ({@code 24h} and {@code 1d} are one); concurrent requests for a window not yet computed wait for one computation, run
 * outside any lock, and at most {@link #MAX_RUNNING} analyses run at once. {@link #latest()} is the default window's
 * report: what the meter and the alert rule read.
 */
public final class InsightsRuntime implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(InsightsRuntime.class);
    public static final Insights.InsightsWindow DEFAULT_WINDOW = Insights.InsightsWindow.parse("7d");
    /** Windows kept fresh in the background besides the default one; others asked for are computed when asked. */
    static final int MAX_KEPT = 8;
    /** Analyses running at once (each reads the window's rows): more requests wait their turn. */
    static final int MAX_RUNNING = 2;

    private final Insights insights;
    private final Clock clock;
    private final Map<Duration, CompletableFuture<InsightsReport>> reports = new ConcurrentHashMap<>();
    private final Map<Duration, Instant> asked = new ConcurrentHashMap<>();
    private final Map<Duration, Insights.InsightsWindow> windows = new ConcurrentHashMap<>();
    private final Semaphore running = new Semaphore(MAX_RUNNING, true);
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "chatlog-insights");
        t.setDaemon(true);
        return t;
    });

    public InsightsRuntime(Insights insights, Clock clock) {
        this.insights = Objects.requireNonNull(insights);
        this.clock = Objects.requireNonNull(clock);
        asked.put(DEFAULT_WINDOW.length(), Instant.MAX); // always kept fresh
        windows.put(DEFAULT_WINDOW.length(), DEFAULT_WINDOW);
    }

    /** Computes the default window at once and keeps the windows asked for fresh, every half refresh. */
    public InsightsRuntime start() {
        long every = Math.max(1, insights.settings().refresh().toMillis() / 2);
        timer.scheduleWithFixedDelay(this::refreshDue, 0, every, TimeUnit.MILLISECONDS);
        return this;
    }

    /** The report of {@code window}: the kept one while fresh, else computed now (once, however many ask). */
    public InsightsReport report(Insights.InsightsWindow window) {
        Duration key = window.length();
        remember(key, window);
        CompletableFuture<InsightsReport> mine = new CompletableFuture<>();
        CompletableFuture<InsightsReport> f = reports.compute(key, (k, kept) -> kept != null && (!kept.isDone() || fresh(kept)) ? kept : mine);
        if (f == mine) compute(window, mine);
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the insights were computed", e);
        } catch (ExecutionException e) {
            reports.remove(key, f);
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException("the insights could not be computed", e.getCause());
        }
    }

    private void remember(Duration key, Insights.InsightsWindow window) {
        Instant now = clock.instant();
        if (asked.containsKey(key) || asked.size() <= MAX_KEPT) {
            windows.putIfAbsent(key, window); // first: a key in asked always has its window
            asked.merge(key, now, (a, b) -> a.isAfter(b) ? a : b);
        }
    }

    /** Thrown when {@link #MAX_RUNNING} analyses have been running for {@link #WAIT} and this one could not start. */
    public static final class Busy extends RuntimeException {
        Busy() {
            super("the insights of other windows are being computed: ask again in a minute");
        }
    }

    /** How long a request waits for an analysis to start before it is refused ({@link Busy}). */
    static final Duration WAIT = Duration.ofSeconds(30);

    private void compute(Insights.InsightsWindow window, CompletableFuture<InsightsReport> into) {
        try {
            if (!running.tryAcquire(WAIT.toMillis(), TimeUnit.MILLISECONDS)) throw new Busy();
            try {
                into.complete(insights.analyse(window));
            } finally {
                running.release();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            into.completeExceptionally(e);
        } catch (Throwable t) {
            into.completeExceptionally(t);
        }
        if (!asked.containsKey(window.length())) reports.remove(window.length(), into); // not kept: computed for its request only
    }

    /** The default window's last report, or null before the first one is computed. */
    public InsightsReport latest() {
        CompletableFuture<InsightsReport> f = reports.get(DEFAULT_WINDOW.length());
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
            Duration key = e.getKey();
            try { // one window failing, whatever the failure, leaves the others to refresh (and the next run to come)
                if (e.getValue().isBefore(now.minus(Duration.ofDays(1)))) { // not asked for in a day: let it go
                    asked.remove(key);
                    reports.remove(key);
                    windows.remove(key);
                    continue;
                }
                Insights.InsightsWindow window = windows.get(key);
                if (window == null) continue;
                CompletableFuture<InsightsReport> kept = reports.get(key);
                // computed again when older than half its refresh: a request then still finds a fresh one
                if (kept == null || kept.isDone() && (kept.isCompletedExceptionally()
                        || Duration.between(kept.join().computedAt(), now).compareTo(insights.settings().refresh().dividedBy(2)) >= 0)) {
                    CompletableFuture<InsightsReport> next = new CompletableFuture<>();
                    compute(window, next);
                    if (next.isCompletedExceptionally()) {
                        next.exceptionally(t -> {
                            log.warn("insights: the window {} could not be computed: {}", window.label(), t.toString());
                            return null;
                        });
                        continue; // a kept report stays until one is computed
                    }
                    reports.put(key, next);
                }
            } catch (Throwable t) {
                log.warn("insights: a background refresh failed: {}", t.toString());
            }
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
