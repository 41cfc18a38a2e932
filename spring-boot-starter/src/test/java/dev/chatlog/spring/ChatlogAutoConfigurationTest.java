package dev.chatlog.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.core.ChatLogger;
import dev.chatlog.embedded.EmbeddedMariaDb;
import dev.chatlog.langchain4j.ChatLogModels;
import dev.chatlog.langchain4j.OpenAiStub;
import dev.chatlog.sql.TestDatabase;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The auto-configuration's switches, properties and shutdown, each in a fresh application context. */
class ChatlogAutoConfigurationTest {
    private static OpenAiStub stub;

    @BeforeAll
    static void start() throws Exception {
        stub = new OpenAiStub();
        stub.respond(r -> OpenAiStub.Reply.text("a fairly long answer from the model: " + "z".repeat(400), OpenAiStub.Usage.of(1_000, 1_000)));
    }

    @AfterAll
    static void stop() {
        stub.close();
    }

    @Configuration(proxyBeanMethods = false)
    static class Models {
        @Bean
        ChatModel chatModel() {
            return OpenAiChatModel.builder().baseUrl(stub.baseUrl()).apiKey("k").modelName("gpt-4o-mini").maxRetries(0).build();
        }
    }

    private static ApplicationContextRunner runner(String schema) {
        EmbeddedMariaDb db = TestDatabase.server();
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, FlywayAutoConfiguration.class,
                        ChatlogAutoConfiguration.class))
                .withUserConfiguration(Models.class)
                .withPropertyValues("spring.datasource.url=" + db.jdbcUrl(schema), "spring.datasource.username=" + db.user(),
                        "spring.datasource.password=" + db.password());
    }

    private static Jdbi jdbi(String schema) {
        EmbeddedMariaDb db = TestDatabase.server();
        return Jdbi.create(db.jdbcUrl(schema), db.user(), db.password());
    }

    private static long count(String schema, String sql) {
        return jdbi(schema).withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }

    @Test
    void should_leave_every_bean_untouched_when_switched_off() {
        String schema = TestDatabase.createSchema();
        runner(schema).withPropertyValues("chatlog.enabled=false").run(ctx -> {
            assertFalse(ctx.containsBean("chatLogger"));
            assertTrue(ctx.getBeansOfType(ChatLogger.class).isEmpty());
            assertTrue(ctx.getBean(ChatModel.class) instanceof OpenAiChatModel, "the application's own bean, not a wrapper");
            ctx.getBean(ChatModel.class).chat("hello");
        });
        assertEquals(0, count(schema, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '" + schema
                + "' AND table_name LIKE 'chatbot%'"), "no chatlog tables either");
    }

    @Test
    void should_flush_everything_when_the_context_closes() {
        String schema = TestDatabase.createSchema();
        runner(schema).run(ctx -> {
            ChatModel model = ctx.getBean(ChatModel.class);
            for (int i = 0; i < 40; i++) model.chat("question " + i);
        }); // closed here, with no flush of ours
        assertEquals(40, count(schema, "SELECT COUNT(*) FROM chatbot_llm_calls"));
    }

    @Test
    void should_take_its_settings_from_properties() {
        String schema = TestDatabase.createSchema();
        runner(schema).withPropertyValues("chatlog.max-text-length=120", "chatlog.prices=gpt-4o-mini=10:20", "chatlog.masking=false",
                "chatlog.attach.chat-models=true").run(ctx -> {
            ctx.getBean(ChatModel.class).chat("my mail is someone@example.com");
            assertTrue(ctx.getBean(ChatLogger.class).flush(Duration.ofSeconds(10)));
        });
        Map<String, Object> row = jdbi(schema).withHandle(h -> h.createQuery(
                "SELECT input_text, output_text, cost_estimate FROM chatbot_llm_calls").mapToMap().one());
        assertTrue(((String) row.get("output_text")).length() <= 140, "cut near 120 characters: " + row.get("output_text"));
        assertTrue(((String) row.get("input_text")).contains("someone@example.com"), "masking off: " + row.get("input_text"));
        // 1,000 tokens in at $10/M + 1,000 out at $20/M = $0.03
        assertEquals(0, new BigDecimal("0.03").compareTo((BigDecimal) row.get("cost_estimate")), row.toString());
    }

    @Test
    void should_leave_chat_models_unwrapped_when_told_and_use_a_separate_database_when_given() {
        String app = TestDatabase.createSchema();
        String own = TestDatabase.createSchema();
        EmbeddedMariaDb db = TestDatabase.server();
        runner(app).withPropertyValues("chatlog.attach.chat-models=false", "chatlog.datasource.url=" + db.jdbcUrl(own),
                "chatlog.datasource.username=" + db.user(), "chatlog.datasource.password=" + db.password()).run(ctx -> {
            ChatModel model = ctx.getBean(ChatModel.class);
            assertSame(model, ChatLogModels.unwrap(model));
            assertTrue(model instanceof OpenAiChatModel);
        });
        assertEquals(1, count(own, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '" + own
                + "' AND table_name = 'chatbot_llm_calls'"), "migrated into chatlog's own database");
        assertEquals(0, count(app, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '" + app
                + "' AND table_name LIKE 'chatbot%'"), "and not into the application's");
    }

    @Test
    void should_guard_the_chat_model_beans_with_the_budgets_when_enabled() {
        String schema = TestDatabase.createSchema();
        runner(schema).withPropertyValues("chatlog.budgets.enabled=true").run(ctx -> {
            var gate = ctx.getBean(dev.chatlog.budgets.JdbcBudgetGate.class);
            var definitions = new dev.chatlog.budgets.BudgetDefinitions(ctx.getBean(dev.chatlog.sql.Database.class).jdbi());
            definitions.put(new dev.chatlog.budgets.Budget("app-day", dev.chatlog.budgets.Budget.Scope.GLOBAL, null,
                    dev.chatlog.budgets.BudgetPeriod.DAY, null, new BigDecimal("0.01"), null, dev.chatlog.budgets.Budget.Action.ENFORCE));
            gate.refresh();
            ChatModel model = ctx.getBean(ChatModel.class);
            model.chat("hello"); // 1,000 in + 1,000 out of gpt-4o-mini: $0.00075
            var window = new dev.chatlog.budgets.BudgetLedger(ctx.getBean(dev.chatlog.sql.Database.class).jdbi())
                    .window(definitions.get("app-day").orElseThrow(), java.time.Instant.now());
            assertEquals(0, new BigDecimal("0.00075").compareTo(window.spent()), window.toString());
            definitions.put(new dev.chatlog.budgets.Budget("app-day", dev.chatlog.budgets.Budget.Scope.GLOBAL, null,
                    dev.chatlog.budgets.BudgetPeriod.DAY, null, new BigDecimal("0.002"), null, dev.chatlog.budgets.Budget.Action.ENFORCE));
            gate.refresh();
            assertThrows(dev.chatlog.core.budget.BudgetExceededException.class, () -> model.chat("hello"),
                    "4,096 output tokens at $0.60 / M do not fit in what is left of $0.002");
            assertTrue(ctx.getBean(ChatLogger.class).flush(Duration.ofSeconds(10)));
        });
        assertEquals(1, count(schema, "SELECT COUNT(*) FROM chatbot_llm_calls"), "the refused call was never sent, so never logged");
    }

    @Test
    void should_define_budgets_from_properties_as_the_server_does_from_CHATLOG_BUDGETS() {
        String schema = TestDatabase.createSchema();
        runner(schema).withPropertyValues("chatlog.budgets.enabled=true", "chatlog.budgets.definitions={\"tiny\": {\"scope\": \"global\", "
                + "\"period\": \"day\", \"limit_usd\": 0.002, \"action\": \"enforce\", \"warn_at\": [0.5, 0.9]}}").run(ctx -> {
            assertTrue(ctx.getStartupFailure() == null, String.valueOf(ctx.getStartupFailure()));
            var tiny = new dev.chatlog.budgets.BudgetDefinitions(ctx.getBean(dev.chatlog.sql.Database.class).jdbi()).get("tiny");
            assertTrue(tiny.isPresent(), "defined at start");
            assertEquals(0, new BigDecimal("0.002").compareTo(tiny.get().limitUsd()));
            assertThrows(dev.chatlog.core.budget.BudgetExceededException.class, () -> ctx.getBean(ChatModel.class).chat("hello"),
                    "enforced: 4,096 output tokens at $0.60 / M do not fit in $0.002");
        });
        runner(schema).withPropertyValues("chatlog.budgets.enabled=true",
                "chatlog.budgets.definitions={\"bad\": {\"scope\": \"global\", \"period\": \"fortnight\", \"limit_usd\": 1}}")
                .run(ctx -> {
                    String failure = String.valueOf(ctx.getStartupFailure());
                    assertTrue(failure.contains("chatlog.budgets.definitions: budget 'bad', field period"), failure);
                });
    }

    @Test
    void should_evaluate_alert_rules_and_post_their_notifications_to_the_webhook_when_enabled() throws Exception {
        String schema = TestDatabase.createSchema();
        try (dev.chatlog.core.testing.HttpReceiver hook = dev.chatlog.core.testing.HttpReceiver.start()) {
            runner(schema).withPropertyValues("chatlog.alerts.enabled=true", "chatlog.alerts.defaults=false", "chatlog.alerts.check-interval=1h",
                    "chatlog.alerts.webhook.url=" + hook.url("/hook"),
                    "chatlog.alerts.public-url=https://chatlog.example.com",
                    "chatlog.alerts.rules={\"big\": {\"kind\": \"token_usage\", \"by\": \"model\", \"alert_above\": 1500, \"channels\": [\"webhook\"]}}")
                    .run(ctx -> {
                        ctx.getBean(ChatModel.class).chat("hello"); // 2,000 tokens
                        assertTrue(ctx.getBean(ChatLogger.class).flush(Duration.ofSeconds(10)));
                        ctx.getBean(ChatlogAlerts.class).evaluate();
                        long until = System.nanoTime() + 10_000_000_000L;
                        while (hook.requests("/hook").isEmpty() && System.nanoTime() < until) Thread.sleep(50);
                        assertEquals(1, hook.requests("/hook").size(), hook.requests().toString());
                        var body = new com.fasterxml.jackson.databind.ObjectMapper().readTree(hook.requests("/hook").get(0).text());
                        assertEquals("big", body.get("rule").asText());
                        assertEquals("gpt-4o-mini", body.at("/subject/value").asText());
                        assertEquals(2000, body.get("value").asInt());
                        assertTrue(body.at("/links/alerts").asText().startsWith("https://chatlog.example.com/"), body.toString());
                    });
        }
    }

    @Test
    void should_bind_its_meters_to_the_applications_registry() {
        String schema = TestDatabase.createSchema();
        runner(schema).withConfiguration(AutoConfigurations.of(
                        org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration.class,
                        org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration.class))
                .run(ctx -> {
                    ctx.getBean(ChatModel.class).chat("hello");
                    assertTrue(ctx.getBean(ChatLogger.class).flush(Duration.ofSeconds(10)));
                    var registry = ctx.getBean(io.micrometer.core.instrument.MeterRegistry.class);
                    var usage = registry.find("gen_ai.client.token.usage").tag("gen_ai.token.type", "input").summary();
                    assertTrue(usage != null, "the token meter is in the application's registry");
                    assertEquals(1000, (long) usage.totalAmount());
                    assertEquals("gpt-4o-mini", usage.getId().getTag("gen_ai.request.model"));
                    assertEquals(1, (long) registry.get("gen_ai.client.operation.duration").timer().count());
                });
    }

    @Test
    void should_keep_its_migrations_out_of_the_applications_flyway() {
        String schema = TestDatabase.createSchema();
        runner(schema).run(ctx -> assertTrue(ctx.getStartupFailure() == null, String.valueOf(ctx.getStartupFailure())));
        // chatlog brings Flyway, so Boot's own Flyway runs too: it finds no migrations of the application's and
        // applies none of chatlog's (they live under db/chatlog/migration, with their own history table)
        assertEquals(0, count(schema, "SELECT COUNT(*) FROM flyway_schema_history WHERE script LIKE '%.sql'"));
        long migrations;
        try {
            migrations = new org.springframework.core.io.support.PathMatchingResourcePatternResolver()
                    .getResources("classpath*:db/chatlog/migration/V*__*.sql").length;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertTrue(migrations >= 20, "chatlog's migrations on the class path: " + migrations);
        assertEquals(migrations, count(schema, "SELECT COUNT(*) FROM chatlog_schema_history WHERE success = 1 AND version <> '0'"),
                "every one of chatlog's migrations ran, in its own history");
    }
    @Test
    void should_run_retention_and_purge_old_minute_rows_as_the_server_does() throws Exception {
        String schema = TestDatabase.createSchema();
        java.time.Instant now = java.time.Instant.now();
        try (dev.chatlog.sql.Database db = dev.chatlog.sql.Database.open(new dev.chatlog.sql.DatabaseConfig(
                TestDatabase.server().jdbcUrl(schema), TestDatabase.server().user(), TestDatabase.server().password()), 2)) {
            var store = new dev.chatlog.sql.JdbcChatLogStore(db.jdbi());
            for (int days : new int[] {45, 10, 3, 0}) {
                store.write(new dev.chatlog.core.Batch(List.of(dev.chatlog.core.LlmCall.builder().callId("age-" + days)
                        .conversationId("c-" + days).model("gpt-4o-mini").inputTokens(10).outputTokens(1).userId("u")
                        .inputText("text of " + days + " days ago").startedAt(now.minus(java.time.Duration.ofDays(days))).durationMs(5)
                        .build()), List.of()));
            }
        }
        runner(schema).withPropertyValues("spring.flyway.enabled=false", "chatlog.retention.days=30", "chatlog.retention.content-days=7",
                "chatlog.retention.first-run=0s").run(ctx -> {
            assertTrue(ctx.getStartupFailure() == null, String.valueOf(ctx.getStartupFailure()));
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
            // one run deletes, then clears texts, then purges minute rows: wait for the whole run, not its first step
            while ((count(schema, "SELECT COUNT(*) FROM chatbot_llm_calls WHERE call_id = 'age-45'") > 0
                    || count(schema, "SELECT COUNT(*) FROM chatbot_llm_calls WHERE input_text IS NULL") == 0
                    || count(schema, "SELECT COUNT(*) FROM chatbot_usage_rollup WHERE granularity = 'm' "
                            + "AND bucket_start < UTC_TIMESTAMP() - INTERVAL 2 DAY") > 0) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertEquals(0, count(schema, "SELECT COUNT(*) FROM chatbot_llm_calls WHERE call_id = 'age-45'"), "past retention: deleted");
            assertEquals(3, count(schema, "SELECT COUNT(*) FROM chatbot_llm_calls"), "within retention: kept");
            assertEquals(1, count(schema, "SELECT COUNT(*) FROM chatbot_llm_calls WHERE input_text IS NULL"),
                    "the 10-day-old call's text is cleared (content kept 7 days), its figures stay");
            assertEquals(0, count(schema, "SELECT COUNT(*) FROM chatbot_usage_rollup WHERE granularity = 'm' "
                    + "AND bucket_start < UTC_TIMESTAMP() - INTERVAL 2 DAY"), "minute rows kept two days");
            assertTrue(count(schema, "SELECT COUNT(*) FROM chatbot_usage_rollup WHERE granularity = 'm'") > 0, "today's minute rows stay");
        });
        runner(schema).withPropertyValues("spring.flyway.enabled=false", "chatlog.retention.days=30", "chatlog.retention.content-days=40")
                .run(ctx -> assertTrue(String.valueOf(ctx.getStartupFailure()).contains("chatlog.retention.content-days"),
                        "a bad setting names itself: " + ctx.getStartupFailure()));
    }

    @Test
    void should_take_the_spool_settings_and_refuse_a_bad_one_naming_its_property(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        String schema = TestDatabase.createSchema();
        runner(schema).withPropertyValues("spring.flyway.enabled=false", "chatlog.spool-dir=" + dir.resolve("spool"), "chatlog.spool-max-mb=3",
                "chatlog.fsync-every=1", "chatlog.fsync-interval=5ms", "chatlog.checkpoint-lag=0s").run(ctx -> {
            assertTrue(ctx.getStartupFailure() == null, String.valueOf(ctx.getStartupFailure()));
            dev.chatlog.core.ChatLogger logger = ctx.getBean(dev.chatlog.core.ChatLogger.class);
            assertEquals(3L << 20, logger.stats().spoolMaxBytes());
            logger.logCall(dev.chatlog.core.LlmCall.builder().callId("fsynced").conversationId("c").model("gpt-4o-mini").build());
            assertTrue(logger.awaitDurable(java.time.Duration.ofSeconds(10)));
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(5).toNanos();
            while (logger.stats().synced() < 1 && System.nanoTime() < deadline) Thread.sleep(5);
            assertEquals(1, logger.stats().synced(), "fsync after every record");
        });
        for (String[] bad : new String[][] {{"chatlog.fsync-every=0", "chatlog.fsync-every"}, {"chatlog.batch-size=0", "chatlog.batch-size"},
                {"chatlog.mask-patterns=(open", "chatlog.mask-patterns"}, {"chatlog.price-discounts=openai=20%", "chatlog.price-discounts"}}) {
            runner(schema).withPropertyValues("spring.flyway.enabled=false", "chatlog.spool-dir=" + dir.resolve("spool2"), bad[0])
                    .run(ctx -> assertTrue(String.valueOf(ctx.getStartupFailure()).contains(bad[1] + ": "),
                            bad[0] + ": a bad setting names itself: " + ctx.getStartupFailure()));
        }
        for (String[] bad : new String[][] {{"chatlog.judge.queue=0", "chatlog.judge.queue"}, {"chatlog.judge.sample-rate=2", "chatlog.judge.sample-rate"},
                {"chatlog.judge.target=conversation", "chatlog.judge.target"}, {"chatlog.judge.name=a b", "chatlog.judge.name"}}) {
            runner(schema).withPropertyValues("spring.flyway.enabled=false", "chatlog.judge.enabled=true", bad[0])
                    .run(ctx -> assertTrue(String.valueOf(ctx.getStartupFailure()).contains(bad[1] + ": "),
                            bad[0] + ": a bad judge setting names itself: " + ctx.getStartupFailure()));
        }
    }

    @Test
    void should_default_to_the_libraries_settings() {
        ChatlogProperties props = new ChatlogProperties();
        assertEquals(dev.chatlog.core.LoggerSettings.defaults(), props.loggerSettings(), "the literals the metadata shows are the records' defaults");
        props.setSpoolDir(java.nio.file.Path.of("spool"));
        assertEquals(dev.chatlog.core.SpoolSettings.in(java.nio.file.Path.of("spool")), props.spoolSettings());
        assertEquals(dev.chatlog.budgets.BudgetSettings.defaults(), props.getBudgets().settings());
        assertEquals(dev.chatlog.alerts.AlertSettings.defaults(), props.getAlerts().settings());
        assertEquals(dev.chatlog.sql.Housekeeping.Settings.defaults(), props.getRetention().settings());
    }
}
