package dev.chatlog.spring;

import dev.chatlog.alerts.channel.AlertChannel;
import dev.chatlog.alerts.channel.EmailChannel;
import dev.chatlog.alerts.channel.LogChannel;
import dev.chatlog.alerts.channel.WebhookChannel;
import dev.chatlog.alerts.AlertDispatcher;
import dev.chatlog.alerts.AlertEngine;
import dev.chatlog.budgets.BudgetReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.price.PriceCatalog;
import dev.chatlog.langchain4j.BudgetGuard;
import dev.chatlog.langchain4j.ChatLogAiServices;
import dev.chatlog.langchain4j.ChatLogEmbeddingListener;
import dev.chatlog.langchain4j.ChatLogListener;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.DatabaseConfig;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.chatlog.budgets.JdbcBudgetGate;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * chatlog in a Spring Boot application, from one dependency: the schema migrated into the
 * application's database (or {@code chatlog.datasource.*}), a {@link ChatLogger} closed (drained)
 * with the context, and its listener attached to every LangChain4j model bean. Off with
 * {@code chatlog.enabled=false}. Every bean backs off when the application defines its own.
 */
@AutoConfiguration(after = DataSourceAutoConfiguration.class, afterName = {
        "org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration",
        "org.springframework.boot.autoconfigure.liquibase.LiquibaseAutoConfiguration"})
@ConditionalOnProperty(prefix = "chatlog", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(ChatlogProperties.class)
public class ChatlogAutoConfiguration {

    /**
     * chatlog's database: its own pool when {@code chatlog.datasource.url} is set, else the
     * application's DataSource. Made after the application's own schema tools (Flyway, Liquibase,
     * {@code spring.sql.init}) have run: on an empty database they find it empty, as they expect.
     */
    @Bean
    @ConditionalOnMissingBean
    @DependsOnDatabaseInitialization
    public Database chatlogDatabase(ChatlogProperties props, ObjectProvider<DataSource> appDataSource) {
        ChatlogProperties.Datasource own = props.getDatasource();
        if (own.getUrl() != null && !own.getUrl().isBlank()) {
            return Database.open(new DatabaseConfig(own.getUrl(), own.getUsername(), own.getPassword()), own.getMaxPoolSize());
        }
        DataSource ds = appDataSource.getIfAvailable();
        if (ds == null) {
            throw new IllegalStateException("chatlog needs a database: define a DataSource (spring.datasource.*) or set "
                    + "chatlog.datasource.url, or turn chatlog off with chatlog.enabled=false");
        }
        return Database.on(ds);
    }

    /** The prices calls are logged at, and budgets reserve at: the bundled data with the properties' overrides. */
    static PriceCatalog prices(ChatlogProperties props) {
        return props.priceSettings().catalog();
    }

    @Bean(destroyMethod = "close") // drains what is queued into the database when the context closes
    @ConditionalOnMissingBean
    public ChatLogger chatLogger(Database chatlogDatabase, ChatlogProperties props) {
        PriceCatalog prices = prices(props);
        return ChatLogger.builder(new JdbcChatLogStore(chatlogDatabase.jdbi())).prices(prices)
                .settings(props.loggerSettings()).spool(props.spoolSettings()).build();
    }

    @Bean
    @ConditionalOnMissingBean
    public ChatLogListener chatLogListener(ChatLogger chatLogger, ChatlogProperties props) {
        ChatLogListener.Builder b = ChatLogListener.builder(chatLogger).baseUrl(props.getBaseUrl());
        if (props.getProvider() != null) b.provider(props.getProvider()); // a named provider wins over the URL's
        return b.build();
    }

    @Bean
    @ConditionalOnMissingBean
    public ChatLogEmbeddingListener chatLogEmbeddingListener(ChatLogger chatLogger) {
        return new ChatLogEmbeddingListener(chatLogger);
    }

    /**
     * Retention and the minute rows' purge, hourly, as the server runs them (the same {@code Housekeeping}):
     * {@code chatlog.retention.days} (30; 0 keeps everything), {@code .content-days}, {@code .first-run}.
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public dev.chatlog.sql.Housekeeping chatlogHousekeeping(Database chatlogDatabase, ChatlogProperties props) {
        dev.chatlog.sql.Housekeeping.Settings settings = props.getRetention().settings();
        org.slf4j.LoggerFactory.getLogger(ChatlogAutoConfiguration.class).info("chatlog housekeeping: {} (chatlog.retention.*)",
                settings.describe());
        return dev.chatlog.sql.Housekeeping.start(chatlogDatabase.jdbi(), settings);
    }

    /**
     * Every AI service of the application — LangChain4j's {@code @AiService} beans included, which its starter builds
     * itself — is one agent row with its chat, embedding and tool rows ({@code chatlog.attach.ai-services}, on by
     * default). Closed before the logger: invocations after it are not observed.
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnClass(name = "dev.langchain4j.service.AiServices")
    @ConditionalOnProperty(prefix = "chatlog.attach", name = "ai-services", matchIfMissing = true)
    public AutoCloseable chatlogAiServices(ChatLogger chatLogger) {
        return ChatLogAiServices.observeAll(chatLogger);
    }

    /** chatlog.budgets.enabled=true: the gate over the budgets in chatlog's database, shared with every instance. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "chatlog.budgets", name = "enabled", havingValue = "true")
    public JdbcBudgetGate chatlogBudgetGate(Database chatlogDatabase, ChatlogProperties props) {
        String defined = props.getBudgets().getDefinitions();
        if (defined != null && !defined.isBlank()) { // the same parser as the server's CHATLOG_BUDGETS and PUT route
            com.fasterxml.jackson.databind.JsonNode json;
            try {
                json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(defined);
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("chatlog.budgets.definitions is not JSON: " + e.getMessage());
            }
            var store = new dev.chatlog.budgets.BudgetDefinitions(chatlogDatabase.jdbi());
            for (var b : dev.chatlog.budgets.BudgetParser.parseAll(json, "chatlog.budgets.definitions")) store.put(b);
        }
        return JdbcBudgetGate.builder(chatlogDatabase.jdbi()).lease(props.getBudgets().getLease())
                .failClosed(props.getBudgets().isFailClosed()).admissionWait(props.getBudgets().getAdmissionWait()).build();
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "chatlog.budgets", name = "enabled", havingValue = "true")
    public BudgetGuard chatlogBudgetGuard(JdbcBudgetGate chatlogBudgetGate, ChatlogProperties props) {
        BudgetGuard.Builder b = BudgetGuard.builder(chatlogBudgetGate, prices(props)).defaultMaxTokens(props.getBudgets().getDefaultMaxTokens())
                .clampToHeadroom(props.getBudgets().isClamp()).imageTokens(props.getBudgets().getImageTokens())
                .otherPartTokens(props.getBudgets().getOtherPartTokens());
        if (props.getProvider() != null) b.provider(props.getProvider());
        return b.build();
    }

    /** chatlog.alerts.enabled=true: the outbox's sender, over the channels the properties configure. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "chatlog.alerts", name = "enabled", havingValue = "true")
    public AlertDispatcher chatlogAlertDispatcher(Database chatlogDatabase, ChatlogProperties props) {
        ChatlogProperties.Alerts a = props.getAlerts();
        List<AlertChannel> channels = new ArrayList<>();
        if (a.isLog()) channels.add(new LogChannel());
        Duration longest = Duration.ofSeconds(1);
        if (a.getWebhook().getUrl() != null) {
            channels.add(new WebhookChannel(a.getWebhook().getUrl(), a.getWebhook().getSecret(), a.getWebhook().getTimeout()));
            longest = a.getWebhook().getTimeout();
        }
        ChatlogProperties.Alerts.Email e = a.getEmail();
        if (e.getHost() != null && !e.getHost().isBlank()) {
            if (e.getTo().isEmpty()) throw new IllegalArgumentException("chatlog.alerts.email.host is set: chatlog.alerts.email.to must name the recipients");
            EmailChannel.Builder b = EmailChannel.builder(e.getHost(), e.getPort()).security(e.getSecurity()).from(e.getFrom()).to(e.getTo())
                    .timeout(e.getTimeout());
            if (e.getUsername() != null) b.login(e.getUsername(), e.getPassword());
            channels.add(b.build());
            if (e.getTimeout().compareTo(longest) > 0) longest = e.getTimeout();
        }
        return AlertDispatcher.builder(chatlogDatabase.jdbi(), channels).lease(longest.multipliedBy(2).plusSeconds(5))
                .maxBackoff(a.getMaxBackoff()).maxAge(a.getMaxAge()).build();
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "chatlog.alerts", name = "enabled", havingValue = "true")
    public AlertEngine chatlogAlertEngine(Database chatlogDatabase, ChatlogProperties props, AlertDispatcher chatlogAlertDispatcher,
                                          ChatLogger chatLogger, ObjectProvider<JdbcBudgetGate> budgets) {
        ChatlogProperties.Alerts a = props.getAlerts();
        BudgetReport report = new BudgetReport(chatlogDatabase.jdbi());
        String instance = a.getInstance();
        if (instance == null || instance.isBlank()) {
            try {
                instance = java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException x) {
                instance = "localhost";
            }
        }
        return AlertEngine.builder(chatlogDatabase.jdbi()).channels(chatlogAlertDispatcher.channelNames())
                .budgets(() -> {
                    JdbcBudgetGate gate = budgets.getIfAvailable();
                    return gate == null ? List.of() : report.current(gate.budgets(), java.time.Instant.now());
                })
                .logger(chatLogger::stats, instance).dashboardUrl(a.getPublicUrl()).onWritten(chatlogAlertDispatcher::wake).build();
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "chatlog.alerts", name = "enabled", havingValue = "true")
    public ChatlogAlerts chatlogAlerts(AlertEngine chatlogAlertEngine, AlertDispatcher chatlogAlertDispatcher, ChatlogProperties props) {
        return new ChatlogAlerts(chatlogAlertEngine, chatlogAlertDispatcher, props.getAlerts());
    }

    @Bean
    public static ChatlogModelPostProcessor chatlogModelPostProcessor(ObjectProvider<ChatLogListener> chat,
                                                                      ObjectProvider<ChatLogEmbeddingListener> embedding,
                                                                      ObjectProvider<ChatlogProperties> props,
                                                                      ObjectProvider<BudgetGuard> budgets) {
        return new ChatlogModelPostProcessor(chat, embedding, props, budgets);
    }

    /** With Micrometer on the class path: chatlog's meters, a MeterBinder Spring Boot binds to the application's registry. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.binder.MeterBinder")
    static class Meters {
        @Bean
        @ConditionalOnMissingBean
        dev.chatlog.micrometer.ChatLogMeters chatLogMeters(ChatLogger chatLogger) {
            return new dev.chatlog.micrometer.ChatLogMeters(chatLogger);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthIndicator")
    static class Health {
        @Bean
        @ConditionalOnMissingBean(name = "chatlogHealthIndicator")
        ChatlogHealthIndicator chatlogHealthIndicator(ChatLogger chatLogger, Database chatlogDatabase, ChatlogProperties props) {
            return new ChatlogHealthIndicator(chatLogger, chatlogDatabase, props.getQueueCapacity());
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnClass(name = "jakarta.servlet.Filter")
    @Conditional(TurnPathsCondition.class)
    static class Web {
        @Bean
        FilterRegistrationBean<ChatlogTurnFilter> chatlogTurnFilter(ChatLogger chatLogger, ChatlogProperties props) {
            FilterRegistrationBean<ChatlogTurnFilter> r = new FilterRegistrationBean<>(new ChatlogTurnFilter(chatLogger,
                    props.getWeb().getConversationHeader(), props.getWeb().getUserHeader()));
            r.setUrlPatterns(props.getWeb().getTurnPaths());
            r.setOrder(Ordered.LOWEST_PRECEDENCE - 100); // after security filters: the principal is known
            r.setName("chatlogTurnFilter");
            return r;
        }
    }
}
