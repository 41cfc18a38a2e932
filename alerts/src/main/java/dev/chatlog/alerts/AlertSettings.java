package dev.chatlog.alerts;

import dev.chatlog.alerts.channel.AlertChannel;
import dev.chatlog.alerts.channel.EmailChannel;
import dev.chatlog.alerts.channel.LogChannel;
import dev.chatlog.alerts.channel.WebhookChannel;
import dev.chatlog.core.InvalidDefinitionException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Everything {@link Alerts} runs by: the rules defined at start (besides the defaults, {@link AlertRules#DEFAULTS},
 * unless {@code defaultRules} is off), how often they are evaluated, the channels, how long a notification is retried, and
 * how notifications name this instance and link into the dashboard. Defaults written once here; the server maps its
 * {@code CHATLOG_ALERT_*} variables onto it, the Spring Boot starter its {@code chatlog.alerts.*} properties.
 *
 * @param rules         rules defined (created or replaced) at start
 * @param defaultRules  whether the default rules are put at start
 * @param checkInterval how often every rule is evaluated
 * @param log           the log channel (a WARN line per notification)
 * @param webhook       the webhook channel; null: none
 * @param email         the e-mail channel; null: none
 * @param maxBackoff    longest wait between two tries of a notification
 * @param maxAge        how long a notification is tried before it is given up
 * @param publicUrl     the dashboard's address in notifications; null: the front end's own
 * @param instance      the name of this instance in notifications; null: the front end's (the host name)
 */
public record AlertSettings(List<AlertRule> rules, boolean defaultRules, Duration checkInterval, boolean log, Webhook webhook,
                            Email email, Duration maxBackoff, Duration maxAge, String publicUrl, String instance) {
    /** POSTs each notification as JSON, signed with HMAC-SHA256 when a secret is set. */
    public record Webhook(URI url, String secret, Duration timeout) {}

    /** Sends each notification as an e-mail (needs Jakarta Mail on the class path). */
    public record Email(String host, int port, EmailChannel.Security security, String username, String password, String from,
                        List<String> to, Duration timeout) {}

    public AlertSettings {
        rules = List.copyOf(rules);
        Objects.requireNonNull(checkInterval, "checkInterval");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        Objects.requireNonNull(maxAge, "maxAge");
    }

    /** The defaults: the default rules, every 30 s, the log channel only, retries up to 5 min apart for 24 h. */
    public static AlertSettings defaults() {
        return new AlertSettings(List.of(), true, Duration.ofSeconds(30), true, null, null, Duration.ofMinutes(5), Duration.ofHours(24),
                null, null);
    }

    public AlertSettings withRules(List<AlertRule> v) { return new AlertSettings(v, defaultRules, checkInterval, log, webhook, email, maxBackoff, maxAge, publicUrl, instance); }
    public AlertSettings withDefaultRules(boolean v) { return new AlertSettings(rules, v, checkInterval, log, webhook, email, maxBackoff, maxAge, publicUrl, instance); }
    public AlertSettings withCheckInterval(Duration v) { return new AlertSettings(rules, defaultRules, v, log, webhook, email, maxBackoff, maxAge, publicUrl, instance); }
    public AlertSettings withLog(boolean v) { return new AlertSettings(rules, defaultRules, checkInterval, v, webhook, email, maxBackoff, maxAge, publicUrl, instance); }
    public AlertSettings withWebhook(Webhook v) { return new AlertSettings(rules, defaultRules, checkInterval, log, v, email, maxBackoff, maxAge, publicUrl, instance); }
    public AlertSettings withEmail(Email v) { return new AlertSettings(rules, defaultRules, checkInterval, log, webhook, v, maxBackoff, maxAge, publicUrl, instance); }
    public AlertSettings withRetries(Duration backoff, Duration age) { return new AlertSettings(rules, defaultRules, checkInterval, log, webhook, email, backoff, age, publicUrl, instance); }
    public AlertSettings withLinks(String url, String name) { return new AlertSettings(rules, defaultRules, checkInterval, log, webhook, email, maxBackoff, maxAge, blankToNull(url), blankToNull(name)); }

    /** These settings if every value is in range; else an {@link InvalidDefinitionException} naming the field. */
    public AlertSettings validate() {
        InvalidDefinitionException.requireBetween("checkInterval", checkInterval, Duration.ofSeconds(1), Duration.ofHours(1));
        InvalidDefinitionException.requireBetween("maxBackoff", maxBackoff, Duration.ofSeconds(1), Duration.ofDays(1));
        InvalidDefinitionException.requireBetween("maxAge", maxAge, Duration.ofHours(1), Duration.ofDays(30));
        if (webhook != null) {
            URI u = webhook.url();
            if (u == null || !"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
                throw new InvalidDefinitionException("webhook.url", "webhook.url must be an http(s) URL, got '" + u + "'");
            }
            InvalidDefinitionException.requireBetween("webhook.timeout", webhook.timeout(), Duration.ofMillis(100), Duration.ofMinutes(2));
        }
        if (email != null) {
            if (email.host() == null || email.host().isBlank()) throw new InvalidDefinitionException("email.host", "email.host must name the SMTP server");
            if (email.to() == null || email.to().isEmpty()) {
                throw new InvalidDefinitionException("email.to", "email.host is set: email.to must name the recipients");
            }
            if (email.port() < 1 || email.port() > 65535) throw new InvalidDefinitionException("email.port", "email.port must be from 1 to 65535, got " + email.port());
            InvalidDefinitionException.requireBetween("email.timeout", email.timeout(), Duration.ofMillis(100), Duration.ofMinutes(2));
        }
        return this;
    }

    /** The channels configured, log first. */
    public List<AlertChannel> channels() {
        List<AlertChannel> out = new ArrayList<>();
        if (log) out.add(new LogChannel());
        if (webhook != null) out.add(new WebhookChannel(webhook.url(), webhook.secret(), webhook.timeout()));
        if (email != null) {
            EmailChannel.Builder b = EmailChannel.builder(email.host(), email.port()).security(email.security()).from(email.from())
                    .to(email.to()).timeout(email.timeout());
            if (email.username() != null) b.login(email.username(), email.password());
            out.add(b.build());
        }
        return out;
    }

    /** How long a claimed notification is this instance's: twice the slowest channel's timeout, and 5 s. */
    public Duration lease() {
        Duration longest = Duration.ofSeconds(1);
        if (webhook != null && webhook.timeout().compareTo(longest) > 0) longest = webhook.timeout();
        if (email != null && email.timeout().compareTo(longest) > 0) longest = email.timeout();
        return longest.multipliedBy(2).plusSeconds(5);
    }


    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
