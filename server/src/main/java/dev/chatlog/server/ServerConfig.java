package dev.chatlog.server;

import dev.chatlog.core.InvalidDefinitionException;
import dev.chatlog.core.LoggerSettings;
import dev.chatlog.core.SpoolSettings;
import dev.chatlog.core.price.PriceSettings;
import dev.chatlog.server.chat.ShopDatabase;
import dev.chatlog.sql.DatabaseConfig;
import dev.chatlog.sql.Housekeeping;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Everything the server reads from its environment, checked once at start. Flags
 * ({@code --port=8080}, {@code --host=}, {@code --data-dir=}) win over environment variables.
 */
public record ServerConfig(
        String host,
        int port,
        Path dataDir,
        DatabaseConfig database,
        dev.chatlog.sql.ReadReplica.Settings readReplica,
        DatabaseConfig shopDatabase,
        String openAiApiKey,
        String openAiBaseUrl,
        String model,
        LoggerSettings logger,
        SpoolSettings spool,
        PriceSettings prices,
        long maxBodyBytes,
        String apiToken,
        java.util.Set<String> corsOrigins,
        java.util.Set<String> allowedHosts,
        Housekeeping.Settings housekeeping,
        boolean durableAck,
        int ackTimeoutMs,
        int healthBacklogRecords,
        int healthBacklogSeconds,
        int shopQueriesPerClient,
        Chatbot chatbot,
        dev.chatlog.budgets.BudgetSettings budgets,
        dev.chatlog.alerts.AlertSettings alerts,
        dev.chatlog.sql.report.StageTargets stageTargets,
        dev.chatlog.sql.report.CacheTargets cacheTargets,
        boolean dailySummary,
        Map<String, String> env) {

    /**
     * CHATLOG_CHATBOT: {@code on} (the demo chatbot must start, or the server does not), {@code off}
     * (dashboard only: the server shows what applications log into its database), {@code auto} (on,
     * unless an external database does not let the app user set up the demo shop: then off, with a WARN).
     */
    public enum Chatbot { ON, OFF, AUTO }


    public static ServerConfig from(Map<String, String> environment, String... args) {
        Map<String, String> env = new HashMap<>(environment);
        for (String a : args) {
            if (a.startsWith("--port=")) env.put("CHATLOG_PORT", a.substring(7));
            else if (a.startsWith("--host=")) env.put("CHATLOG_HOST", a.substring(7));
            else if (a.startsWith("--data-dir=")) env.put("CHATLOG_DATA_DIR", a.substring(11));
            else throw new IllegalArgumentException("unknown argument " + a + " (known: --port=, --host=, --data-dir=)");
        }
        DatabaseConfig shop = null;
        String shopUrl = env.get("CHATLOG_SHOP_DB_URL");
        if (shopUrl != null && !shopUrl.isBlank()) {
            shop = new DatabaseConfig(shopUrl, env.getOrDefault("CHATLOG_SHOP_DB_USER", "shop_reader"),
                    env.getOrDefault("CHATLOG_SHOP_DB_PASSWORD", ""));
        }
        String key = env.get("OPENAI_API_KEY");
        Path dataDir = Path.of(env.getOrDefault("CHATLOG_DATA_DIR", "data"));
        String spool = env.getOrDefault("CHATLOG_SPOOL_DIR", "");
        Path spoolDir = spool.equalsIgnoreCase("none") ? null : spool.isBlank() ? dataDir.resolve("spool") : Path.of(spool);
        return new ServerConfig(
                env.getOrDefault("CHATLOG_HOST", "127.0.0.1"),
                Settings.intIn(env, "CHATLOG_PORT", 8080, 0, 65535),
                dataDir,
                DatabaseConfig.fromEnvironment(env),
                dev.chatlog.sql.ReadReplica.Settings.fromEnvironment(env),
                shop,
                key == null || key.isBlank() ? null : key.trim(),
                blankToNull(env.get("OPENAI_BASE_URL")),
                env.getOrDefault("CHATLOG_MODEL", "gpt-4o-mini"),
                logger(env),
                spoolDir == null ? null : spool(env, spoolDir),
                InvalidDefinitionException.naming(PRICE_VARIABLES, () -> new PriceSettings(blank(env.get("CHATLOG_PRICES_FILE")) ? null
                        : Path.of(env.get("CHATLOG_PRICES_FILE").trim()), env.get("CHATLOG_PRICES"), env.get("CHATLOG_PRICE_DISCOUNTS")).validate()),
                Settings.intIn(env, "CHATLOG_MAX_BODY_BYTES", 65_536, 1_024, 10_000_000),
                blankToNull(env.get("CHATLOG_API_TOKEN")),
                csv(env.get("CHATLOG_CORS_ORIGINS")),
                csv(env.get("CHATLOG_ALLOWED_HOSTS")),
                InvalidDefinitionException.naming(RETENTION_VARIABLES, () -> Housekeeping.Settings.of(
                        Settings.integer(env, "CHATLOG_RETENTION_DAYS", Housekeeping.Settings.DEFAULT_RETENTION_DAYS),
                        blank(env.get("CHATLOG_CONTENT_RETENTION_DAYS")) ? null : Settings.integer(env, "CHATLOG_CONTENT_RETENTION_DAYS", 0),
                        Duration.ofSeconds(Settings.intIn(env, "CHATLOG_RETENTION_FIRST_RUN_SECONDS",
                                (int) Housekeeping.Settings.DEFAULT_FIRST_RUN.toSeconds(), 0, 86_400)))),
                !"off".equalsIgnoreCase(env.getOrDefault("CHATLOG_DURABLE_ACK", "on")),
                Settings.intIn(env, "CHATLOG_ACK_TIMEOUT_MS", 10_000, 1, 600_000),
                Settings.intIn(env, "CHATLOG_HEALTH_BACKLOG_RECORDS", 20_000, 1, Integer.MAX_VALUE),
                Settings.intIn(env, "CHATLOG_HEALTH_BACKLOG_SECONDS", 30, 1, 86_400),
                Settings.intIn(env, "CHATLOG_SHOP_QUERIES_PER_CLIENT", 1, 1, ShopDatabase.POOL_SIZE),
                chatbot(env.getOrDefault("CHATLOG_CHATBOT", "auto")),
                dev.chatlog.server.budgets.BudgetVariables.from(env),
                dev.chatlog.server.alerts.AlertVariables.from(env),
                InvalidDefinitionException.naming(Map.of("stage_targets", "CHATLOG_STAGE_TARGETS"),
                        () -> dev.chatlog.sql.report.StageTargets.parse(env.get("CHATLOG_STAGE_TARGETS"))),
                InvalidDefinitionException.naming(Map.of("cache_targets", "CHATLOG_CACHE_TARGETS"),
                        () -> dev.chatlog.sql.report.CacheTargets.parse(env.get("CHATLOG_CACHE_TARGETS"))),
                Settings.onOff(env, "CHATLOG_DAILY_SUMMARY", true),
                Map.copyOf(env));
    }

    /** The environment variable of each field of the settings records, for the message of a bad value. */
    private static final Map<String, String> LOGGER_VARIABLES = Map.of("queueCapacity", "CHATLOG_QUEUE_CAPACITY",
            "batchSize", "CHATLOG_BATCH_SIZE", "maxTextLength", "CHATLOG_MAX_TEXT_LENGTH", "maskPatterns", "CHATLOG_MASK_PATTERNS");
    private static final Map<String, String> SPOOL_VARIABLES = Map.of("maxBytes", "CHATLOG_SPOOL_MAX_MB",
            "fsyncEvery", "CHATLOG_FSYNC_EVERY", "fsyncInterval", "CHATLOG_FSYNC_INTERVAL_MS", "checkpointLag", "CHATLOG_CHECKPOINT_LAG_MS");
    private static final Map<String, String> RETENTION_VARIABLES = Map.of("retentionDays", "CHATLOG_RETENTION_DAYS",
            "contentRetentionDays", "CHATLOG_CONTENT_RETENTION_DAYS", "firstRun", "CHATLOG_RETENTION_FIRST_RUN_SECONDS");
    private static final Map<String, String> PRICE_VARIABLES = Map.of("file", "CHATLOG_PRICES_FILE", "overrides", "CHATLOG_PRICES",
            "discounts", "CHATLOG_PRICE_DISCOUNTS");

    private static LoggerSettings logger(Map<String, String> env) {
        LoggerSettings d = LoggerSettings.defaults();
        return InvalidDefinitionException.naming(LOGGER_VARIABLES, () -> d
                .withQueueCapacity(Settings.integer(env, "CHATLOG_QUEUE_CAPACITY", d.queueCapacity()))
                .withBatchSize(Settings.integer(env, "CHATLOG_BATCH_SIZE", d.batchSize()))
                .withMaxTextLength(Settings.integer(env, "CHATLOG_MAX_TEXT_LENGTH", d.maxTextLength()))
                .withMasking(!"off".equalsIgnoreCase(env.getOrDefault("CHATLOG_MASKING", "on").trim()), patterns(env.get("CHATLOG_MASK_PATTERNS")))
                .withTurnSummaries(Settings.onOff(env, "CHATLOG_TURN_SUMMARY", true))
                .validate());
    }

    private static SpoolSettings spool(Map<String, String> env, Path dir) {
        SpoolSettings d = SpoolSettings.in(dir);
        return InvalidDefinitionException.naming(SPOOL_VARIABLES, () -> d
                .withMaxBytes((long) Settings.integer(env, "CHATLOG_SPOOL_MAX_MB", (int) (d.maxBytes() >> 20)) << 20)
                .withFsync(Settings.integer(env, "CHATLOG_FSYNC_EVERY", d.fsyncEvery()),
                        Duration.ofMillis(Settings.integer(env, "CHATLOG_FSYNC_INTERVAL_MS", (int) d.fsyncInterval().toMillis())))
                .withCheckpointLag(Duration.ofMillis(Settings.integer(env, "CHATLOG_CHECKPOINT_LAG_MS", (int) d.checkpointLag().toMillis())))
                .validate());
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static Chatbot chatbot(String v) {
        return switch (v.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "on" -> Chatbot.ON;
            case "off" -> Chatbot.OFF;
            case "auto", "" -> Chatbot.AUTO;
            default -> throw new IllegalArgumentException("CHATLOG_CHATBOT must be on, off or auto, got '" + v + "'");
        };
    }

    private static java.util.Set<String> csv(String v) {
        if (v == null || v.isBlank()) return java.util.Set.of();
        java.util.Set<String> out = new java.util.LinkedHashSet<>();
        for (String part : v.split(",")) if (!part.isBlank()) out.add(part.trim());
        return out;
    }

    /** CHATLOG_MASK_PATTERNS: a JSON array of regular expressions (checked as such by the logger's settings). */
    private static java.util.List<String> patterns(String v) {
        if (v == null || v.isBlank()) return java.util.List.of();
        try {
            return java.util.Arrays.asList(new com.fasterxml.jackson.databind.ObjectMapper().readValue(v, String[].class));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("CHATLOG_MASK_PATTERNS must be a JSON array of regular expressions: " + e.getMessage());
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    /** Whether the real OpenAI-compatible client is used (else the offline demo model). */
    public boolean usesOpenAi() {
        return openAiApiKey != null;
    }
}
