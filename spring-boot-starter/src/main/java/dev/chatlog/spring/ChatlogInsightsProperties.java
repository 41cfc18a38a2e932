package dev.chatlog.spring;

import dev.chatlog.core.InvalidDefinitionException;
import dev.chatlog.insights.InsightsSettings;
import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code chatlog.insights.*}: the insights (see docs/insights.md), on unless {@code enabled=false}. Checked by
 * {@link InsightsSettings}, the record the server's {@code CHATLOG_INSIGHTS_*} variables fill.
 */
@ConfigurationProperties(prefix = "chatlog.insights")
public class ChatlogInsightsProperties {
    /** Compute the insights in the background (their meter and the weekly digest of the alert rule {@code insights}). */
    private boolean enabled = true;
    /** How long a computed report is kept before it is computed again. */
    private Duration refresh = InsightsSettings.defaults().refresh();
    /** The lifetime of the response cache redundant calls are measured against. */
    private Duration cacheTtl = InsightsSettings.defaults().responseCacheTtl();
    /** The shortest prompt prefix a provider caches, in tokens. */
    private int minPrefixTokens = InsightsSettings.defaults().minPrefixTokens();

    public boolean isEnabled() { return enabled; }
    public void setEnabled(boolean v) { enabled = v; }
    public Duration getRefresh() { return refresh; }
    public void setRefresh(Duration v) { refresh = v; }
    public Duration getCacheTtl() { return cacheTtl; }
    public void setCacheTtl(Duration v) { cacheTtl = v; }
    public int getMinPrefixTokens() { return minPrefixTokens; }
    public void setMinPrefixTokens(int v) { minPrefixTokens = v; }

    /** The settings, checked by {@link InsightsSettings} (a bad value stops the start naming its property). */
    InsightsSettings settings() {
        return InvalidDefinitionException.naming(Map.of("refresh", "chatlog.insights.refresh", "responseCacheTtl", "chatlog.insights.cache-ttl",
                "minPrefixTokens", "chatlog.insights.min-prefix-tokens"), () -> new InsightsSettings(refresh, cacheTtl, minPrefixTokens));
    }
}
