package dev.chatlog.server.telemetry;

import dev.chatlog.core.ChatLogger;
import dev.chatlog.budgets.BudgetStatus;
import dev.chatlog.micrometer.ChatLogMeters;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micrometer.registry.otlp.OtlpMeterRegistry;
import java.math.BigDecimal;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The server's meters: chatlog's ({@link ChatLogMeters}) plus the database-up gauge and each
 * budget's limit / spent / remaining gauges, in a Prometheus registry (what {@code GET /metrics}
 * answers) and, with {@code OTEL_EXPORTER_OTLP_*} set, an OTLP registry that pushes them.
 */
public final class ServerMeters implements AutoCloseable {
    private final PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final OtlpSettings otlpSettings;
    private final OtlpMeterRegistry otlp; // null unless OTLP push is configured
    private final CompositeMeterRegistry registry = new CompositeMeterRegistry();
    private final AtomicBoolean databaseUp = new AtomicBoolean(true);
    private final Map<String, BigDecimal[]> budgets = new ConcurrentHashMap<>();

    public ServerMeters(ChatLogger logger, Map<String, String> env) {
        registry.add(prometheus);
        this.otlpSettings = OtlpSettings.from(env);
        this.otlp = otlpSettings == null ? null : OtlpSettings.registry(otlpSettings);
        if (otlp != null) registry.add(otlp);
        new ChatLogMeters(logger).bindTo(registry);
        Gauge.builder("chatlog.database.up", databaseUp, b -> b.get() ? 1 : 0)
                .description("1 while the database answers (checked every 15 s and on /health)").register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The meters in the Prometheus text format. */
    public String scrape() {
        return prometheus.scrape();
    }

    /** Where the OTLP push goes, or null when it is off. */
    public String otlpUrl() {
        return otlpSettings == null ? null : otlpSettings.url();
    }

    public void databaseUp(boolean up) {
        databaseUp.set(up);
    }

    /** Budgets with gauges at most: budgets made per user through the API must not grow the series without bound. */
    static final int MAX_BUDGET_GAUGES = 200;
    private final Map<String, List<Meter>> budgetMeters = new ConcurrentHashMap<>();

    /**
     * Each budget's current figures: a budget's gauges appear with it and are removed with it (a
     * deleted budget leaves no series behind); past {@value #MAX_BUDGET_GAUGES} budgets, the others
     * have none (the budgets route lists them all).
     */
    public void budgets(List<BudgetStatus> current) {
        Set<String> defined = new HashSet<>();
        for (BudgetStatus s : current) defined.add(s.budget().name());
        for (String gone : new java.util.ArrayList<>(budgetMeters.keySet())) { // first: their room goes to new budgets
            if (defined.contains(gone)) continue;
            for (Meter m : budgetMeters.remove(gone)) registry.remove(m); // from the composite and the registries under it
            budgets.remove(gone);
        }
        for (BudgetStatus s : current) {
            String name = s.budget().name();
            if (budgets.containsKey(name)) {
                budgets.put(name, new BigDecimal[] {s.budget().limitUsd(), s.spent(), s.remaining()});
                continue;
            }
            if (budgetMeters.size() >= MAX_BUDGET_GAUGES) continue;
            budgets.put(name, new BigDecimal[] {s.budget().limitUsd(), s.spent(), s.remaining()});
            String[] meter = {"chatlog.budget.limit", "chatlog.budget.spent", "chatlog.budget.remaining"};
            List<Meter> registered = new java.util.ArrayList<>();
            for (int i = 0; i < meter.length; i++) {
                int k = i;
                registered.add(Gauge.builder(meter[i], budgets, m -> {
                    BigDecimal[] v = m.get(name);
                    return v == null ? Double.NaN : v[k].doubleValue();
                }).baseUnit("usd").tag("budget", name).description("the budget's current window").register(registry));
            }
            budgetMeters.put(name, registered);
        }
    }

    @Override
    public void close() {
        if (otlp != null) otlp.close(); // pushes what it has
    }
}
