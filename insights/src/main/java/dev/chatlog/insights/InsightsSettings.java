package dev.chatlog.insights;

import dev.chatlog.core.InvalidDefinitionException;
import java.time.Duration;
import java.util.Map;

/**
 * How the insights run, checked once here for the server's environment and the Spring Boot starter's properties alike:
 * {@code refresh}, how long a computed report is served before it is computed again (the analysis reads raw rows: it
 * runs in the background, never on a request once a window has been computed); {@code responseCacheTtl}, the lifetime of
 * the response cache a redundant call is measured against (a repeat later than this after the previous one is not
 * counted as saved); {@code minPrefixTokens}, the shortest prompt prefix a provider caches (1,024 tokens at OpenAI and
 * Anthropic). The weekly digest of new findings is the default alert rule {@code insights} (edit or disable it there).
 */
public record InsightsSettings(Duration refresh, Duration responseCacheTtl, int minPrefixTokens) {
    /** What each field is called in the server's environment. */
    public static final Map<String, String> ENV_NAMES = Map.of("refresh", "CHATLOG_INSIGHTS_REFRESH_SECONDS",
            "responseCacheTtl", "CHATLOG_INSIGHTS_CACHE_TTL_SECONDS", "minPrefixTokens", "CHATLOG_INSIGHTS_MIN_PREFIX_TOKENS");

    public InsightsSettings {
        InvalidDefinitionException.requireBetween("refresh", refresh.toSeconds(), 10, 86_400);
        InvalidDefinitionException.requireBetween("responseCacheTtl", responseCacheTtl.toSeconds(), 1, 30L * 86_400);
        InvalidDefinitionException.requireBetween("minPrefixTokens", minPrefixTokens, 1, 1_000_000);
    }

    public static InsightsSettings defaults() {
        return new InsightsSettings(Duration.ofHours(1), Duration.ofHours(1), 1024);
    }

    /**
     * From the environment: {@code CHATLOG_INSIGHTS_REFRESH_SECONDS} (3600), {@code CHATLOG_INSIGHTS_CACHE_TTL_SECONDS}
     * (3600), {@code CHATLOG_INSIGHTS_MIN_PREFIX_TOKENS} (1024).
     */
    public static InsightsSettings fromEnv(Map<String, String> env) {
        InsightsSettings d = defaults();
        return InvalidDefinitionException.naming(ENV_NAMES, () -> new InsightsSettings(
                Duration.ofSeconds(number(env, "CHATLOG_INSIGHTS_REFRESH_SECONDS", d.refresh().toSeconds())),
                Duration.ofSeconds(number(env, "CHATLOG_INSIGHTS_CACHE_TTL_SECONDS", d.responseCacheTtl().toSeconds())),
                (int) Math.min(Integer.MAX_VALUE, number(env, "CHATLOG_INSIGHTS_MIN_PREFIX_TOKENS", d.minPrefixTokens()))));
    }

    private static long number(Map<String, String> env, String name, long dflt) {
        String v = env.get(name);
        if (v == null || v.isBlank()) return dflt;
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, got '" + v + "'");
        }
    }
}
