package dev.chatlog.insights;

import dev.chatlog.budgets.BudgetStatus;
import dev.chatlog.core.price.PriceCatalog;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Computes the insights of a window ending now: every analysis over the stored rows, the findings ranked, the spend
 * forecasts. One analysis failing (a query a database refuses) leaves the others' findings and is logged; it does not
 * fail the report. Reads only: safe on any instance, at any time.
 */
public final class Insights {
    private static final Logger log = LoggerFactory.getLogger(Insights.class);

    private final Jdbi jdbi;
    private final PriceCatalog prices;
    private final InsightsSettings settings;
    private final Supplier<List<BudgetStatus>> budgets;
    private final Clock clock;

    /**
     * @param budgets where each budget stands now (for the day it runs out); {@code List::of} without budgets
     */
    public Insights(Jdbi jdbi, PriceCatalog prices, InsightsSettings settings, Supplier<List<BudgetStatus>> budgets, Clock clock) {
        this.jdbi = Objects.requireNonNull(jdbi);
        this.prices = Objects.requireNonNull(prices);
        this.settings = Objects.requireNonNull(settings);
        this.budgets = Objects.requireNonNull(budgets);
        this.clock = Objects.requireNonNull(clock);
    }

    public InsightsSettings settings() {
        return settings;
    }

    /** The insights of the {@code window} that ends now ({@link InsightsWindow#parse}: {@code 24h}, {@code 7d}, {@code 30d}...). */
    public InsightsReport analyse(InsightsWindow window) {
        long t0 = System.nanoTime();
        Instant to = clock.instant();
        Instant from = to.minus(window.length());
        Scan scan = new Scan(jdbi, from, to, prices, settings);
        List<Finding> findings = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        run("redundant calls", scan, RedundantCalls::find, findings, failed);
        run("prompt caching", scan, PromptCaching::find, findings, failed);
        run("cheaper models", scan, CheaperModels::find, findings, failed);
        run("cost drivers", scan, CostDrivers::find, findings, failed);
        run("slow turns", scan, SlowTurns::find, findings, failed);
        List<InsightsReport.ScopeForecast> forecasts = new ArrayList<>();
        try {
            Forecasts.Result f = Forecasts.of(jdbi, to, budgets.get());
            forecasts.addAll(f.forecasts());
            findings.addAll(f.findings());
        } catch (RuntimeException e) {
            log.warn("insights: the forecasts failed: {}", e.toString());
            failed.add("forecasts"); // the error is in the log, not in the answer (it may hold SQL and host names)
        }
        findings.sort(RANKING);
        BigDecimal open = findings.stream().map(Finding::savingPerMonthUsd).filter(Objects::nonNull).reduce(BigDecimal.ZERO, BigDecimal::add);
        return new InsightsReport(window.label(), from, to, clock.instant(), (System.nanoTime() - t0) / 1_000_000, findings, forecasts, open, failed);
    }

    /** By saving per month, then (time-only findings) by time saved per day, then by kind. */
    static final Comparator<Finding> RANKING = Comparator
            .comparing((Finding f) -> f.savingPerMonthUsd() == null ? BigDecimal.valueOf(-1) : f.savingPerMonthUsd()).reversed()
            .thenComparing(Comparator.comparing((Finding f) -> f.savingMsPerDay() == null ? -1.0 : f.savingMsPerDay()).reversed())
            .thenComparing(f -> f.kind().ordinal());

    private static void run(String what, Scan scan, Function<Scan, List<Finding>> analysis, List<Finding> into, List<String> failed) {
        try {
            into.addAll(analysis.apply(scan));
        } catch (RuntimeException e) {
            log.warn("insights: the analysis of {} failed: {}", what, e.toString());
            failed.add(what); // the error is in the log, not in the answer (it may hold SQL and host names)
        }
    }

    /** A window of insights: its length and its name. */
    public record InsightsWindow(String label, Duration length) {
        /** {@code Nh} (1 to 2160 hours) or {@code Nd} (1 to 90 days); bad input names the field {@code window}. */
        public static InsightsWindow parse(String v) {
            if (v == null || v.isBlank()) return new InsightsWindow("7d", Duration.ofDays(7));
            String t = v.trim();
            if (t.matches("[1-9][0-9]{0,3}h")) {
                long h = Long.parseLong(t.substring(0, t.length() - 1));
                if (h <= 2160) return new InsightsWindow(t, Duration.ofHours(h));
            } else if (t.matches("[1-9][0-9]?d")) {
                long d = Long.parseLong(t.substring(0, t.length() - 1));
                if (d <= 90) return new InsightsWindow(t, Duration.ofDays(d));
            }
            throw new dev.chatlog.core.InvalidDefinitionException("window", "window is a number of hours (1h to 2160h) or days (1d to 90d), got '"
                    + (t.length() > 20 ? t.substring(0, 20) + "..." : t) + "'");
        }
    }
}
