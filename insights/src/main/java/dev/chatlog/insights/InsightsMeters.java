package dev.chatlog.insights;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.math.BigDecimal;

/**
 * {@code chatlog.insights.savings.open} (USD per month, tag {@code kind}): the estimated savings of the open findings
 * of the default window's latest report, 0 before the first one. Needs Micrometer on the class path (the server has
 * it; the Spring Boot starter binds it when the application has it).
 */
public final class InsightsMeters implements MeterBinder {
    private final InsightsRuntime runtime;

    public InsightsMeters(InsightsRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (Finding.Kind k : Finding.Kind.values()) {
            Gauge.builder("chatlog.insights.savings.open", runtime, r -> r.openSavingsByKind().getOrDefault(k, BigDecimal.ZERO).doubleValue())
                    .tag("kind", k.label()).baseUnit("usd").description("estimated savings of the open insights, USD per month")
                    .strongReference(true) // a gauge holds its object weakly: this binder may be the runtime's only other holder
                    .register(registry);
        }
    }
}
