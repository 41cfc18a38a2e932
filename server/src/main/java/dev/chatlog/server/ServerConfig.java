package dev.chatlog.server;

import dev.chatlog.server.chat.ShopDatabase;
import dev.chatlog.sql.DatabaseConfig;
import java.nio.file.Path;
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
        DatabaseConfig shopDatabase,
        String openAiApiKey,
        String openAiBaseUrl,
        String model,
        int maxTextLength,
        int queueCapacity,
        int batchSize,
        long maxBodyBytes,
        Path spoolDir,
        long spoolMaxBytes,
        int fsyncEvery,
        int fsyncIntervalMs,
        String apiToken,
        java.util.Set<String> corsOrigins,
        java.util.Set<String> allowedHosts,
        boolean masking,
        java.util.List<String> maskPatterns,
        dev.chatlog.sql.Housekeeping.Settings housekeeping,
        boolean durableAck,
        int ackTimeoutMs,
        int healthBacklogRecords,
        int healthBacklogSeconds,
        int checkpointLagMs,
        int shopQueriesPerClient,
        Chatbot chatbot,
        dev.chatlog.server.budgets.BudgetSettings budgets,
        dev.chatlog.server.alerts.AlertSettings alerts,
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
        int retention = Settings.intIn(env, "CHATLOG_RETENTION_DAYS", dev.chatlog.sql.Housekeeping.Settings.DEFAULT_RETENTION_DAYS, 0, 36_500);
        String spool = env.getOrDefault("CHATLOG_SPOOL_DIR", "");
        Path spoolDir = spool.equalsIgnoreCase("none") ? null : spool.isBlank() ? dataDir.resolve("spool") : Path.of(spool);
        return new ServerConfig(
                env.getOrDefault("CHATLOG_HOST", "127.0.0.1"),
                Settings.intIn(env, "CHATLOG_PORT", 8080, 0, 65535),
                dataDir,
                DatabaseConfig.fromEnvironment(env),
                shop,
                key == null || key.isBlank() ? null : key.trim(),
                blankToNull(env.get("OPENAI_BASE_URL")),
                env.getOrDefault("CHATLOG_MODEL", "gpt-4o-mini"),
                Settings.intIn(env, "CHATLOG_MAX_TEXT_LENGTH", 1_000, 100, 1_000_000),
                Settings.intIn(env, "CHATLOG_QUEUE_CAPACITY", 65_536, 16, 10_000_000),
                Settings.intIn(env, "CHATLOG_BATCH_SIZE", 2_000, 1, 50_000),
                Settings.intIn(env, "CHATLOG_MAX_BODY_BYTES", 65_536, 1_024, 10_000_000),
                spoolDir,
                (long) Settings.intIn(env, "CHATLOG_SPOOL_MAX_MB", 1024, 1, 1_000_000) << 20,
                Settings.intIn(env, "CHATLOG_FSYNC_EVERY", 100, 1, 1_000_000),
                Settings.intIn(env, "CHATLOG_FSYNC_INTERVAL_MS", 200, 1, 60_000),
                blankToNull(env.get("CHATLOG_API_TOKEN")),
                csv(env.get("CHATLOG_CORS_ORIGINS")),
                csv(env.get("CHATLOG_ALLOWED_HOSTS")),
                !"off".equalsIgnoreCase(env.getOrDefault("CHATLOG_MASKING", "on")),
                patterns(env.get("CHATLOG_MASK_PATTERNS")),
                new dev.chatlog.sql.Housekeeping.Settings(retention, retention == 0 ? 0 : contentRetention(env, retention),
                        java.time.Duration.ofSeconds(Settings.intIn(env, "CHATLOG_RETENTION_FIRST_RUN_SECONDS", (int) dev.chatlog.sql.Housekeeping.Settings.DEFAULT_FIRST_RUN.toSeconds(), 0, 86_400))),
                !"off".equalsIgnoreCase(env.getOrDefault("CHATLOG_DURABLE_ACK", "on")),
                Settings.intIn(env, "CHATLOG_ACK_TIMEOUT_MS", 10_000, 1, 600_000),
                Settings.intIn(env, "CHATLOG_HEALTH_BACKLOG_RECORDS", 20_000, 1, Integer.MAX_VALUE),
                Settings.intIn(env, "CHATLOG_HEALTH_BACKLOG_SECONDS", 30, 1, 86_400),
                Settings.intIn(env, "CHATLOG_CHECKPOINT_LAG_MS", 2_000, 0, 3_600_000),
                Settings.intIn(env, "CHATLOG_SHOP_QUERIES_PER_CLIENT", 1, 1, ShopDatabase.POOL_SIZE),
                chatbot(env.getOrDefault("CHATLOG_CHATBOT", "auto")),
                dev.chatlog.server.budgets.BudgetSettings.from(env),
                dev.chatlog.server.alerts.AlertSettings.from(env),
                Map.copyOf(env));
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

    /** CHATLOG_MASK_PATTERNS: a JSON array of regular expressions. */
    private static java.util.List<String> patterns(String v) {
        if (v == null || v.isBlank()) return java.util.List.of();
        try {
            java.util.List<String> list = java.util.Arrays.asList(new com.fasterxml.jackson.databind.ObjectMapper().readValue(v, String[].class));
            list.forEach(java.util.regex.Pattern::compile);
            return list;
        } catch (Exception e) {
            throw new IllegalArgumentException("CHATLOG_MASK_PATTERNS must be a JSON array of regular expressions: " + e.getMessage());
        }
    }

    private static int contentRetention(Map<String, String> env, int retention) {
        int content = Settings.intIn(env, "CHATLOG_CONTENT_RETENTION_DAYS", retention, 0, 36_500);
        if (retention > 0 && (content == 0 || content > retention)) {
            throw new IllegalArgumentException("CHATLOG_CONTENT_RETENTION_DAYS must be from 1 to CHATLOG_RETENTION_DAYS (" + retention + ")");
        }
        return content;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    /** Whether the real OpenAI-compatible client is used (else the offline demo model). */
    public boolean usesOpenAi() {
        return openAiApiKey != null;
    }
}
