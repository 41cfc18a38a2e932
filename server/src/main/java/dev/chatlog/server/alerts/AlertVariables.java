package dev.chatlog.server.alerts;

import dev.chatlog.alerts.AlertRule;
import dev.chatlog.alerts.AlertRuleParser;
import dev.chatlog.alerts.AlertSettings;
import dev.chatlog.alerts.channel.EmailChannel;
import dev.chatlog.core.InvalidDefinitionException;
import dev.chatlog.server.Settings;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The server's environment mapped onto the alerts' settings ({@link AlertSettings}: defaults and ranges are theirs):
 * the rules ({@code CHATLOG_ALERT_RULES} / {@code CHATLOG_ALERT_RULES_FILE}, besides the defaults unless
 * {@code CHATLOG_ALERT_DEFAULTS=off}), {@code CHATLOG_ALERT_CHECK_SECONDS}, the channels ({@code CHATLOG_ALERT_LOG},
 * {@code CHATLOG_ALERT_WEBHOOK_*}, {@code CHATLOG_ALERT_SMTP_*}, {@code CHATLOG_ALERT_EMAIL_*}), the retries
 * ({@code CHATLOG_ALERT_MAX_BACKOFF_SECONDS}, {@code CHATLOG_ALERT_MAX_AGE_HOURS}), {@code CHATLOG_PUBLIC_URL} and
 * {@code CHATLOG_INSTANCE}. The e-mail channel shares the webhook's timeout.
 */
public final class AlertVariables {
    private static final Map<String, String> NAMES = Map.ofEntries(Map.entry("checkInterval", "CHATLOG_ALERT_CHECK_SECONDS"),
            Map.entry("maxBackoff", "CHATLOG_ALERT_MAX_BACKOFF_SECONDS"), Map.entry("maxAge", "CHATLOG_ALERT_MAX_AGE_HOURS"),
            Map.entry("webhook.url", "CHATLOG_ALERT_WEBHOOK_URL"), Map.entry("webhook.timeout", "CHATLOG_ALERT_WEBHOOK_TIMEOUT_MS"),
            Map.entry("email.to", "CHATLOG_ALERT_EMAIL_TO"), Map.entry("email.port", "CHATLOG_ALERT_SMTP_PORT"),
            Map.entry("email.timeout", "CHATLOG_ALERT_WEBHOOK_TIMEOUT_MS"));

    private AlertVariables() {}

    public static AlertSettings from(Map<String, String> env) {
        List<AlertRule> rules = Settings.definitions(env, "CHATLOG_ALERT_RULES", "CHATLOG_ALERT_RULES_FILE", AlertRuleParser::parseAll);
        AlertSettings d = AlertSettings.defaults();
        Duration timeout = Duration.ofMillis(Settings.integer(env, "CHATLOG_ALERT_WEBHOOK_TIMEOUT_MS", 10_000));
        String hook = blank(env.get("CHATLOG_ALERT_WEBHOOK_URL"));
        AlertSettings.Webhook webhook = hook == null ? null : new AlertSettings.Webhook(uri(hook), blank(env.get("CHATLOG_ALERT_WEBHOOK_SECRET")), timeout);
        String smtp = blank(env.get("CHATLOG_ALERT_SMTP_HOST"));
        EmailChannel.Security security = switch (env.getOrDefault("CHATLOG_ALERT_SMTP_SECURITY", "starttls").trim().toLowerCase(java.util.Locale.ROOT)) {
            case "none", "" -> EmailChannel.Security.NONE;
            case "starttls" -> EmailChannel.Security.STARTTLS;
            case "ssl", "tls" -> EmailChannel.Security.SSL;
            default -> throw new IllegalArgumentException("CHATLOG_ALERT_SMTP_SECURITY must be none, starttls or ssl, got '"
                    + env.get("CHATLOG_ALERT_SMTP_SECURITY") + "'");
        };
        AlertSettings.Email email = null;
        if (smtp != null) {
            List<String> to = Arrays.stream(env.getOrDefault("CHATLOG_ALERT_EMAIL_TO", "").split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
            email = new AlertSettings.Email(smtp, Settings.integer(env, "CHATLOG_ALERT_SMTP_PORT", security == EmailChannel.Security.SSL ? 465 : 587),
                    security, blank(env.get("CHATLOG_ALERT_SMTP_USER")), env.get("CHATLOG_ALERT_SMTP_PASSWORD"),
                    env.getOrDefault("CHATLOG_ALERT_EMAIL_FROM", "chatlog@localhost").trim(), to, timeout);
        }
        AlertSettings.Webhook w = webhook;
        AlertSettings.Email e = email;
        return InvalidDefinitionException.naming(NAMES, () -> d.withRules(rules).withDefaultRules(Settings.onOff(env, "CHATLOG_ALERT_DEFAULTS", d.defaultRules()))
                .withCheckInterval(Duration.ofSeconds(Settings.integer(env, "CHATLOG_ALERT_CHECK_SECONDS", (int) d.checkInterval().toSeconds())))
                .withLog(Settings.onOff(env, "CHATLOG_ALERT_LOG", d.log())).withWebhook(w).withEmail(e)
                .withRetries(Duration.ofSeconds(Settings.integer(env, "CHATLOG_ALERT_MAX_BACKOFF_SECONDS", (int) d.maxBackoff().toSeconds())),
                        Duration.ofHours(Settings.integer(env, "CHATLOG_ALERT_MAX_AGE_HOURS", (int) d.maxAge().toHours())))
                .withLinks(env.get("CHATLOG_PUBLIC_URL"), env.get("CHATLOG_INSTANCE"))
                .validate());
    }

    private static URI uri(String s) {
        try {
            return URI.create(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("CHATLOG_ALERT_WEBHOOK_URL: webhook.url must be an http(s) URL, got '" + s + "'");
        }
    }

    private static String blank(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
