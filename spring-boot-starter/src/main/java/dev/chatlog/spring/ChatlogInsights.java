package dev.chatlog.spring;

import dev.chatlog.alerts.Alerts;
import dev.chatlog.budgets.Budgets;
import dev.chatlog.core.price.PriceCatalog;
import dev.chatlog.insights.InsightObservations;
import dev.chatlog.insights.Insights;
import dev.chatlog.insights.InsightsMeters;
import dev.chatlog.insights.InsightsRuntime;
import dev.chatlog.sql.Database;
import java.time.Clock;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Insights in a Spring Boot application ({@code chatlog.insights.*}, on by default): the {@link InsightsRuntime} the
 * server runs, as a bean (read {@code runtime.report(Insights.InsightsWindow.parse("7d"))}), its findings observed by
 * the alert rule {@code insights} (the weekly digest) and, with Micrometer, the gauge of the savings open.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(prefix = "chatlog.insights", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(ChatlogInsightsProperties.class)
class ChatlogInsights {
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    InsightsRuntime chatlogInsightsRuntime(Database chatlogDatabase, PriceCatalog prices, ChatlogInsightsProperties props,
                                           ObjectProvider<Budgets> budgets, ObjectProvider<Alerts> alerts,
                                           ObjectProvider<dev.chatlog.sql.ReadReplica> replica) {
        dev.chatlog.sql.ReadReplica reads = replica.getIfAvailable(); // the analyses read the replica when there is one
        InsightsRuntime runtime = new InsightsRuntime(new Insights(reads == null ? chatlogDatabase.jdbi() : reads.jdbi(), prices, props.settings(), () -> {
            Budgets b = budgets.getIfAvailable();
            return b == null ? List.of() : b.current();
        }, Clock.systemUTC()), Clock.systemUTC());
        alerts.ifAvailable(a -> a.observeInsights(r -> InsightObservations.of(runtime.latest(), r))); // before the alerts start
        return runtime.start();
    }

    /** With Micrometer on the class path: the savings gauge, bound to the application's registry. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.binder.MeterBinder")
    static class Meters {
        @Bean
        @ConditionalOnMissingBean
        InsightsMeters chatlogInsightsMeters(InsightsRuntime chatlogInsightsRuntime) {
            return new InsightsMeters(chatlogInsightsRuntime);
        }
    }
}
