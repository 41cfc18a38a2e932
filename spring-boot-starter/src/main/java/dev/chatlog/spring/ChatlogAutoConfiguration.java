package dev.chatlog.spring;

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
import dev.chatlog.budgets.BudgetSettings;
import dev.chatlog.budgets.Budgets;
import dev.chatlog.alerts.Alerts;
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
@org.springframework.context.annotation.Import({ChatlogJudge.class, ChatlogExperiments.class, ChatlogInsights.class})
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
        ChatlogDatasource own = props.getDatasource();
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

    /**
     * {@code chatlog.datasource.read.url}: a read replica of chatlog's database for the read side (insights), its lag in
     * the health indicator; the writes, budgets and alerts stay on chatlog's database.
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "chatlog.datasource.read", name = "url")
    public dev.chatlog.sql.ReadReplica chatlogReadReplica(Database chatlogDatabase, ChatlogProperties props) {
        return dev.chatlog.sql.ReadReplica.open(props.getDatasource().readReplica(), chatlogDatabase);
    }

    /** The prices calls are logged at, and budgets reserve at: the bundled data with the properties' overrides (read once). */
    @Bean
    @ConditionalOnMissingBean
    public PriceCatalog chatlogPrices(ChatlogProperties props) {
        return props.priceSettings().catalog();
    }

    @Bean(destroyMethod = "close") // drains what is queued into the database when the context closes
    @ConditionalOnMissingBean
    public ChatLogger chatLogger(Database chatlogDatabase, ChatlogProperties props, PriceCatalog prices) {
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

    /**
     * chatlog.budgets.enabled=true: the budgets in chatlog's database, shared with every instance: defined at start, the
     * gate calls are admitted by, the events' monitor ({@link Budgets}, as the server runs them).
     */
    @Bean(initMethod = "start", destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "chatlog.budgets", name = "enabled", havingValue = "true")
    public Budgets chatlogBudgets(Database chatlogDatabase, ChatlogProperties props) {
        return new Budgets(chatlogDatabase.jdbi(), props.getBudgets().settings());
    }

    @Bean(destroyMethod = "") // closed with the budgets
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "chatlog.budgets", name = "enabled", havingValue = "true")
    public JdbcBudgetGate chatlogBudgetGate(Budgets chatlogBudgets) {
        return chatlogBudgets.gate();
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "chatlog.budgets", name = "enabled", havingValue = "true")
    public BudgetGuard chatlogBudgetGuard(JdbcBudgetGate chatlogBudgetGate, Budgets chatlogBudgets, ChatlogProperties props,
                                          PriceCatalog prices) {
        BudgetSettings s = chatlogBudgets.settings();
        BudgetGuard.Builder b = BudgetGuard.builder(chatlogBudgetGate, prices).defaultMaxTokens(s.defaultMaxTokens())
                .clampToHeadroom(s.clamp()).imageTokens(s.imageTokens()).otherPartTokens(s.otherPartTokens());
        if (props.getProvider() != null) b.provider(props.getProvider());
        return b.build();
    }

    /** chatlog.alerts.enabled=true: the rules, their evaluation and the outbox's sender ({@link Alerts}, as the server runs them). */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "chatlog.alerts", name = "enabled", havingValue = "true")
    public Alerts chatlogAlertService(Database chatlogDatabase, ChatlogProperties props) {
        return new Alerts(chatlogDatabase.jdbi(), props.getAlerts().settings());
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "chatlog.alerts", name = "enabled", havingValue = "true")
    public ChatlogAlerts chatlogAlerts(Alerts chatlogAlertService, ChatLogger chatLogger, ObjectProvider<Budgets> budgets) {
        return new ChatlogAlerts(chatlogAlertService, chatLogger, budgets);
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
        ChatlogHealthIndicator chatlogHealthIndicator(ChatLogger chatLogger, Database chatlogDatabase, ChatlogProperties props,
                                                      ObjectProvider<dev.chatlog.sql.ReadReplica> replica) {
            return new ChatlogHealthIndicator(chatLogger, chatlogDatabase, replica.getIfAvailable(), props.getQueueCapacity());
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
