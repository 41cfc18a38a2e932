package dev.chatlog.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.core.Batch;
import dev.chatlog.core.LlmCall;
import dev.chatlog.embedded.EmbeddedMariaDb;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.DatabaseConfig;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.chatlog.sql.TestDatabase;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The server (its runnable jar, a child process) and a Spring Boot application with the starter, each on a database
 * holding the same rows, given the same settings — retention, budgets, alert rules — through their own names
 * ({@code CHATLOG_*} and {@code chatlog.*}): they delete and clear the same rows and define the same budgets and rules.
 */
@org.junit.jupiter.api.Tag("slow") // the server jar in a child JVM; mvn -B verify runs it
class FrontEndsAgreeTest {
    private static final Path JAR = Path.of("..", "server", "target", "chatlog-server.jar");
    private static final String BUDGETS = "{\"team-day\": {\"scope\": \"global\", \"period\": \"day\", \"limit_usd\": 2.5, "
            + "\"warn_at\": [0.5, 0.8], \"action\": \"enforce\", \"zone\": \"Europe/Paris\"}}";
    private static final String RULES = "{\"slow-gpt\": {\"kind\": \"slow_calls\", \"by\": \"model\", \"match\": \"gpt-4o-mini\", \"stat\": \"p95\", "
            + "\"window\": \"10m\", \"alert_above\": 5000, \"warn_above\": 2000, \"min_calls\": 3}}";

    private static void seed(String schema) throws Exception {
        EmbeddedMariaDb db = TestDatabase.server();
        Instant now = Instant.now();
        try (Database d = Database.open(new DatabaseConfig(db.jdbcUrl(schema), db.user(), db.password()), 2)) {
            JdbcChatLogStore store = new JdbcChatLogStore(d.jdbi());
            for (int days : new int[] {90, 45, 31, 29, 10, 8, 6, 0}) {
                store.write(new Batch(List.of(LlmCall.builder().callId("age-" + days).conversationId("c-" + days).model("gpt-4o-mini")
                        .inputTokens(10).outputTokens(1).inputText("said " + days + " days ago").startedAt(now.minus(Duration.ofDays(days)))
                        .durationMs(5).build()), List.of()));
            }
            for (int i = 0; i < 4; i++) { // slow: the slow-gpt rule alerts on them (p95 above 5 s in the last 10 minutes)
                store.write(new Batch(List.of(LlmCall.builder().callId("slow-" + i).conversationId("c-slow").model("gpt-4o-mini")
                        .inputTokens(10).outputTokens(1).inputText("slow " + i).startedAt(now.minusSeconds(60 + i)).durationMs(8_000).build()), List.of()));
            }
        }
    }

    /** Spends $2.10 of team-day's $2.50 through the budgets' own gate: past its 50% and 80% warnings. */
    private static void spend(String schema) {
        try (dev.chatlog.budgets.Budgets budgets = new dev.chatlog.budgets.Budgets(jdbi(schema), dev.chatlog.budgets.BudgetSettings.defaults()
                .withDefinitions(dev.chatlog.budgets.BudgetParser.parseAll(json(BUDGETS), "test")))) {
            var subject = new dev.chatlog.core.budget.BudgetSubject("u", "c-budget", null, null, "gpt-4o-mini", java.util.Set.of(), null);
            budgets.gate().reserve(subject, new java.math.BigDecimal("2.2")).settle(new java.math.BigDecimal("2.1"));
        }
    }

    private static com.fasterxml.jackson.databind.JsonNode json(String s) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(s);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What the alerts and the budgets' monitor decided: the states of the rules, the budgets' events. */
    private static List<Map<String, Object>> decisions(String schema) {
        Jdbi j = jdbi(schema);
        List<Map<String, Object>> out = new java.util.ArrayList<>();
        out.addAll(j.withHandle(h -> h.createQuery("SELECT rule_name, subject, state FROM chatbot_alert_states ORDER BY rule_name, subject")
                .mapToMap().list()));
        out.addAll(j.withHandle(h -> h.createQuery("SELECT budget_name, kind, threshold, spent FROM chatbot_budget_events "
                + "ORDER BY budget_name, kind, threshold").mapToMap().list()));
        return out;
    }

    private static boolean decided(String schema) {
        List<Map<String, Object>> d = decisions(schema);
        return d.stream().anyMatch(r -> "ALERT".equals(r.get("state"))) && d.stream().filter(r -> r.containsKey("kind")).count() >= 2;
    }

    private static Jdbi jdbi(String schema) {
        EmbeddedMariaDb db = TestDatabase.server();
        return Jdbi.create(db.jdbcUrl(schema), db.user(), db.password());
    }

    private static List<Map<String, Object>> state(String schema) {
        Jdbi j = jdbi(schema);
        List<Map<String, Object>> out = new java.util.ArrayList<>();
        out.addAll(j.withHandle(h -> h.createQuery("SELECT call_id, input_text IS NULL AS cleared FROM chatbot_llm_calls ORDER BY call_id")
                .mapToMap().list()));
        out.addAll(j.withHandle(h -> h.createQuery("SELECT name, scope, scope_value, period, zone, limit_usd, warn_at, action "
                + "FROM chatbot_budgets ORDER BY name").mapToMap().list()));
        out.addAll(j.withHandle(h -> h.createQuery("SELECT name, CAST(definition AS CHAR) AS definition FROM chatbot_alert_rules ORDER BY name")
                .mapToMap().list()));
        return out;
    }

    private static boolean purged(String schema) {
        return jdbi(schema).withHandle(h -> h.createQuery("SELECT COUNT(*) FROM chatbot_llm_calls WHERE call_id IN ('age-90', 'age-45', 'age-31')")
                .mapTo(Long.class).one()) == 0;
    }

    @Test
    void should_purge_and_define_the_same_from_the_same_settings() throws Exception {
        if (!Files.exists(JAR)) {
            if (System.getenv("CI") != null) throw new IllegalStateException(JAR.toAbsolutePath() + " was not built");
            Assumptions.abort(JAR + " not built (the server module's package phase builds it)");
        }
        String serverSchema = TestDatabase.createSchema();
        String starterSchema = TestDatabase.createSchema();
        seed(serverSchema);
        seed(starterSchema);
        spend(serverSchema);
        spend(starterSchema);
        EmbeddedMariaDb db = TestDatabase.server();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path log = Files.createTempFile("chatlog-server", ".log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-jar",
                JAR.toAbsolutePath().toString()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(Map.of("CHATLOG_PORT", String.valueOf(port), "CHATLOG_DB_URL", db.jdbcUrl(serverSchema),
                "CHATLOG_DB_USER", db.user(), "CHATLOG_DB_PASSWORD", db.password(), "CHATLOG_CHATBOT", "off", "CHATLOG_SPOOL_DIR", "none",
                "CHATLOG_RETENTION_DAYS", "30", "CHATLOG_CONTENT_RETENTION_DAYS", "7", "CHATLOG_RETENTION_FIRST_RUN_SECONDS", "0"));
        pb.environment().putAll(Map.of("CHATLOG_ALERT_CHECK_SECONDS", "1", "CHATLOG_BUDGET_CHECK_SECONDS", "1"));
        pb.environment().putAll(Map.of("CHATLOG_BUDGETS", BUDGETS, "CHATLOG_ALERT_RULES", RULES, "CHATLOG_ALERT_DEFAULTS", "off"));
        Process server = pb.start();
        try {
            new ApplicationContextRunner()
                    .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, ChatlogAutoConfiguration.class))
                    .withPropertyValues("spring.datasource.url=" + db.jdbcUrl(starterSchema), "spring.datasource.username=" + db.user(),
                            "spring.datasource.password=" + db.password(), "chatlog.retention.days=30", "chatlog.retention.content-days=7",
                            "chatlog.retention.first-run=0s", "chatlog.budgets.enabled=true", "chatlog.budgets.definitions=" + BUDGETS,
                            "chatlog.alerts.enabled=true", "chatlog.alerts.defaults=false", "chatlog.alerts.rules=" + RULES,
                            "chatlog.alerts.check-interval=1s", "chatlog.budgets.check-interval=1s")
                    .run(ctx -> {
                        assertTrue(ctx.getStartupFailure() == null, String.valueOf(ctx.getStartupFailure()));
                        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                        while (!(purged(serverSchema) && purged(starterSchema) && decided(serverSchema) && decided(starterSchema))
                                && System.nanoTime() < deadline) Thread.sleep(200);
                        Thread.sleep(500); // the content pass follows the row pass in the same run
                        assertTrue(purged(serverSchema), "the server purged:\n" + Files.readString(log));
                        assertTrue(purged(starterSchema), "the starter purged");
                    });
            HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode(), health.body());
            List<Map<String, Object>> fromServer = state(serverSchema);
            List<Map<String, Object>> fromStarter = state(starterSchema);
            System.out.println("server: " + fromServer + "\nstarter: " + fromStarter);
            assertEquals(fromServer, fromStarter, "the same settings, the same outcome");
            List<Map<String, Object>> serverDecided = decisions(serverSchema);
            System.out.println("server decided: " + serverDecided + "\nstarter decided: " + decisions(starterSchema));
            assertEquals(serverDecided, decisions(starterSchema), "the same rules and budgets, the same alerts and budget events");
            assertTrue(serverDecided.stream().anyMatch(r -> "slow-gpt".equals(r.get("rule_name")) && "ALERT".equals(r.get("state"))),
                    "the slow calls are alerted on: " + serverDecided);
            assertEquals(2, serverDecided.stream().filter(r -> "warning".equals(r.get("kind"))).count(),
                    "$2.10 of $2.50: the 50% and 80% warnings, once each: " + serverDecided);
            assertEquals(5 + 4 + 1 + 1, fromServer.size(), "five aged calls kept, four slow ones, one budget, one rule: " + fromServer);
            assertEquals(3L, fromServer.stream().filter(r -> Long.valueOf(1).equals(toLong(r.get("cleared")))).count(),
                    "the texts of the 29-, 10- and 8-day-old calls are cleared (content kept 7 days): " + fromServer);
        } finally {
            server.destroy();
            server.waitFor();
        }
    }

    private static Long toLong(Object o) {
        return o instanceof Number n ? n.longValue() : o instanceof Boolean b ? (b ? 1L : 0L) : null;
    }
}
