package dev.chatlog.spring;

import dev.chatlog.alerts.Alerts;
import dev.chatlog.budgets.Budgets;
import dev.chatlog.experiments.ExperimentRouter;
import dev.chatlog.experiments.ExperimentRuntime;
import dev.chatlog.sql.Database;
import java.time.Clock;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Experiments in a Spring Boot application ({@code chatlog.experiments.*}, on by default): the {@link ExperimentRuntime}
 * the server runs — the configured definitions put and started, the guard checking every running experiment — and its
 * {@link ExperimentRouter} as a bean, to put turns in their arm ({@code router.enter(turn, "checkout-model",
 * conversationId)}) and to build an {@code ArmChatModel}. The guard reads the budgets when they are on, and an automatic
 * stop has the alert engine evaluate at once.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(prefix = "chatlog.experiments", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(ChatlogExperimentsProperties.class)
class ChatlogExperiments {
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    ExperimentRuntime chatlogExperimentRuntime(Database chatlogDatabase, ChatlogExperimentsProperties props, ObjectProvider<Budgets> budgets,
                                               ObjectProvider<Alerts> alerts) {
        return new ExperimentRuntime(chatlogDatabase.jdbi(), props.settings(), () -> {
            Budgets b = budgets.getIfAvailable();
            return b == null ? List.of() : b.current();
        }, () -> alerts.ifAvailable(Alerts::evaluateSoon), Clock.systemUTC());
    }

    @Bean
    @ConditionalOnMissingBean
    ExperimentRouter chatlogExperimentRouter(ExperimentRuntime chatlogExperimentRuntime) {
        return chatlogExperimentRuntime.router();
    }
}
