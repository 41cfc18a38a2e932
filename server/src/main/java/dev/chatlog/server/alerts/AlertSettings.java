package dev.chatlog.server.alerts;

import dev.chatlog.alerts.channel.AlertChannel;
import dev.chatlog.alerts.AlertRule;
import dev.chatlog.alerts.AlertRuleParser;
import dev.chatlog.alerts.channel.EmailChannel;
import dev.chatlog.alerts.channel.LogChannel;
import dev.chatlog.alerts.channel.WebhookChannel;
import dev.chatlog.server.Settings;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The server's alert settings, from its environment (docs/alerts.md lists each): the rules
 * defined at start ({@code CHATLOG_ALERT_RULES}, {@code CHATLOG_ALERT_RULES_FILE}, the default
 * rules, {@link dev.chatlog.alerts.AlertRules#DEFAULTS}, unless {@code CHATLOG_ALERT_DEFAULTS=off}), the channels (log, webhook, e-mail), how often
 * rules are evaluated, how long notifications are retried, and the console summaries.
 */
public record AlertSettings(List<AlertRule> rules, boolean defaults, int checkSeconds, boolean log, URI webhookUrl, String webhookSecret,
                            int webhookTimeoutMs, String smtpHost, int smtpPort, String smtpUser, String smtpPassword,
                            EmailChannel.Security smtpSecurity, String emailFrom, List<String> emailTo, int maxBackoffSeconds,
                            int maxAgeHours, String publicUrl, String instance, boolean dailySummary) {
    public static AlertSettings from(Map<String, String> env) {
        List<AlertRule> rules = Settings.definitions(env, "CHATLOG_ALERT_RULES", "CHATLOG_ALERT_RULES_FILE", AlertRuleParser::parseAll);
        String hook = blank(env.get("CHATLOG_ALERT_WEBHOOK_URL"));
        URI url = null;
        if (hook != null) {
            try {
                url = URI.create(hook);
                if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme()) || url.getHost() == null) throw new IllegalArgumentException();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("CHATLOG_ALERT_WEBHOOK_URL must be an http(s) URL, got '" + hook + "'");
            }
        }
        String smtp = blank(env.get("CHATLOG_ALERT_SMTP_HOST"));
        List<String> to = Arrays.stream(env.getOrDefault("CHATLOG_ALERT_EMAIL_TO", "").split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        if (smtp != null && to.isEmpty()) throw new IllegalArgumentException("CHATLOG_ALERT_SMTP_HOST is set: CHATLOG_ALERT_EMAIL_TO must name the recipients");
        EmailChannel.Security security = switch (env.getOrDefault("CHATLOG_ALERT_SMTP_SECURITY", "starttls").trim().toLowerCase(java.util.Locale.ROOT)) {
            case "none", "" -> EmailChannel.Security.NONE;
            case "starttls" -> EmailChannel.Security.STARTTLS;
            case "ssl", "tls" -> EmailChannel.Security.SSL;
            default -> throw new IllegalArgumentException("CHATLOG_ALERT_SMTP_SECURITY must be none, starttls or ssl, got '"
                    + env.get("CHATLOG_ALERT_SMTP_SECURITY") + "'");
        };
        return new AlertSettings(List.copyOf(rules), Settings.onOff(env, "CHATLOG_ALERT_DEFAULTS", true),
                Settings.intIn(env, "CHATLOG_ALERT_CHECK_SECONDS", 30, 1, 3600), Settings.onOff(env, "CHATLOG_ALERT_LOG", true), url,
                blank(env.get("CHATLOG_ALERT_WEBHOOK_SECRET")), Settings.intIn(env, "CHATLOG_ALERT_WEBHOOK_TIMEOUT_MS", 10_000, 100, 120_000),
                smtp, Settings.intIn(env, "CHATLOG_ALERT_SMTP_PORT", security == EmailChannel.Security.SSL ? 465 : 587, 1, 65535),
                blank(env.get("CHATLOG_ALERT_SMTP_USER")), env.get("CHATLOG_ALERT_SMTP_PASSWORD"), security,
                env.getOrDefault("CHATLOG_ALERT_EMAIL_FROM", "chatlog@localhost").trim(), to,
                Settings.intIn(env, "CHATLOG_ALERT_MAX_BACKOFF_SECONDS", 300, 1, 86_400),
                Settings.intIn(env, "CHATLOG_ALERT_MAX_AGE_HOURS", 24, 1, 24 * 30), blank(env.get("CHATLOG_PUBLIC_URL")),
                blank(env.get("CHATLOG_INSTANCE")),
                Settings.onOff(env, "CHATLOG_DAILY_SUMMARY", true));
    }

    /** The channels configured, log first. */
    public List<AlertChannel> channels() {
        List<AlertChannel> out = new ArrayList<>();
        if (log) out.add(new LogChannel());
        if (webhookUrl != null) out.add(new WebhookChannel(webhookUrl, webhookSecret, Duration.ofMillis(webhookTimeoutMs)));
        if (smtpHost != null) {
            EmailChannel.Builder b = EmailChannel.builder(smtpHost, smtpPort).security(smtpSecurity).from(emailFrom).to(emailTo)
                    .timeout(Duration.ofMillis(webhookTimeoutMs));
            if (smtpUser != null) b.login(smtpUser, smtpPassword);
            out.add(b.build());
        }
        return out;
    }

    /** How long a claimed notification is this instance's: more than a channel may take. */
    public Duration lease() {
        return Duration.ofMillis(2L * webhookTimeoutMs + 5_000);
    }

    private static String blank(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
