package dev.chatlog.spring;

import dev.chatlog.core.InvalidDefinitionException;
import dev.chatlog.core.LoggerSettings;
import dev.chatlog.core.SpoolSettings;
import dev.chatlog.core.price.PriceSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Every setting of the chatlog starter, as {@code chatlog.*} properties (IDE metadata comes from the
 * configuration processor). Defaults are the libraries' settings records' (written here as literals, so that the
 * metadata shows them; {@code ChatlogAutoConfigurationTest} checks that they equal the records' defaults).
 */
@ConfigurationProperties(prefix = "chatlog")
public class ChatlogProperties {
    /** Whether chatlog is on: false leaves every bean as it was and creates none. */
    private boolean enabled = true;
    /** Records kept in memory before the caller's records are dropped (and counted). */
    private int queueCapacity = 65_536;
    /** Most records written in one database transaction. */
    private int batchSize = 2_000;
    /** Longest prompt or answer text kept per row, in characters; longer ones are cut. */
    private int maxTextLength = 1_000;
    /** Whether e-mail addresses, card and phone numbers, keys and tokens are masked in stored texts. */
    private boolean masking = true;
    /** Extra regular expressions to mask in stored texts. */
    private List<String> maskPatterns = new ArrayList<>();
    /** Directory of the durable spool (records survive a crash or a database outage); unset: memory only. */
    private Path spoolDir;
    /** Disk cap of the spool, in MB. */
    private long spoolMaxMb = 1_024;
    /** Group fsync of the spool after this many records ... */
    private int fsyncEvery = 100;
    /** ... or after this long, whichever comes first. */
    private Duration fsyncInterval = Duration.ofMillis(200);
    /** How far the spool's checkpoint trails what the database acknowledged (longer than the database's own log flush). */
    private Duration checkpointLag = Duration.ofSeconds(2);
    /** How long closing the application context waits for the last records to reach the database. */
    private Duration closeTimeout = Duration.ofSeconds(10);
    /**
     * Price overrides, {@code model=input:output[:cached];...} in USD per million tokens, on top of the
     * bundled catalog (as {@code CHATLOG_PRICES} for the server).
     */
    private String prices;
    /** A JSON price file: chatlog's format (on top of the bundled data) or a genai-prices data_slim.json (in its place). */
    private Path pricesFile;
    /** Negotiated discounts per provider on the bundled data's prices, {@code azure-open-ai=-20%;anthropic=-5%}. */
    private String priceDiscounts;

    /**
     * The vendor serving the chat models, stored and priced in place of the client's own provider:
     * for an OpenAI-compatible client pointed elsewhere ({@code groq}, {@code deepseek}: a provider id of the price data).
     */
    private String provider;
    /** The base URL the chat models call, to tell their vendor as the price data does ({@code https://api.groq.com/openai/v1}). */
    private String baseUrl;

    private final ChatlogDatasource datasource = new ChatlogDatasource();
    private final Attach attach = new Attach();
    private final Budgets budgets = new Budgets();
    private final Alerts alerts = new Alerts();
    /** One INFO line per stored turn on the dev.chatlog.turns logger. */
    private boolean turnSummaries;
    private final Web web = new Web();
    private final Retention retention = new Retention();

    /** Retention, run hourly as the server runs it (chatlog's Housekeeping). */
    public static class Retention {
        /** Rows older than this many days are deleted (0: kept forever). */
        private int days = dev.chatlog.sql.Housekeeping.Settings.DEFAULT_RETENTION_DAYS;
        /** Texts (prompts, outputs, user inputs, answers, SQL) of rows older than this are cleared, figures kept; unset: the retention. */
        private Integer contentDays;
        /** The first run's delay after the start. */
        private Duration firstRun = dev.chatlog.sql.Housekeeping.Settings.DEFAULT_FIRST_RUN;

        public int getDays() { return days; }
        public void setDays(int v) { this.days = v; }
        public Integer getContentDays() { return contentDays; }
        public void setContentDays(Integer v) { this.contentDays = v; }
        public Duration getFirstRun() { return firstRun; }
        public void setFirstRun(Duration v) { this.firstRun = v; }

        /** These properties as the library's settings; a bad value is refused naming its property. */
        public dev.chatlog.sql.Housekeeping.Settings settings() {
            return InvalidDefinitionException.naming(Map.of("retentionDays", "chatlog.retention.days",
                    "contentRetentionDays", "chatlog.retention.content-days", "firstRun", "chatlog.retention.first-run"),
                    () -> dev.chatlog.sql.Housekeeping.Settings.of(days, contentDays, firstRun));
        }
    }

    /** The logger's settings from these properties; a bad value is refused naming its property. */
    public LoggerSettings loggerSettings() {
        return InvalidDefinitionException.naming(Map.of("queueCapacity", "chatlog.queue-capacity", "batchSize", "chatlog.batch-size",
                "maxTextLength", "chatlog.max-text-length", "maskPatterns", "chatlog.mask-patterns", "closeTimeout", "chatlog.close-timeout"),
                () -> LoggerSettings.defaults().withQueueCapacity(queueCapacity).withBatchSize(batchSize).withMaxTextLength(maxTextLength)
                        .withMasking(masking, maskPatterns).withCloseTimeout(closeTimeout).withTurnSummaries(turnSummaries).validate());
    }

    /** The spool's settings from these properties (null without {@code chatlog.spool-dir}); a bad value is refused naming its property. */
    public SpoolSettings spoolSettings() {
        if (spoolDir == null) return null;
        return InvalidDefinitionException.naming(Map.of("maxBytes", "chatlog.spool-max-mb", "fsyncEvery", "chatlog.fsync-every",
                "fsyncInterval", "chatlog.fsync-interval", "checkpointLag", "chatlog.checkpoint-lag"),
                () -> SpoolSettings.in(spoolDir).withMaxBytes(spoolMaxMb << 20).withFsync(fsyncEvery, fsyncInterval)
                        .withCheckpointLag(checkpointLag).validate());
    }

    /** The user's prices from these properties; a bad one is refused naming its property. */
    public PriceSettings priceSettings() {
        return InvalidDefinitionException.naming(Map.of("file", "chatlog.prices-file", "overrides", "chatlog.prices",
                "discounts", "chatlog.price-discounts"), () -> new PriceSettings(pricesFile, prices, priceDiscounts).validate());
    }

    /** Budgets: chat and streaming model beans guarded by the budgets in chatlog's database (see docs/budgets.md). */
    public static class Budgets {
        /** Guard the model beans: calls reserve their worst case first and may be refused (BudgetExceededException). */
        /**
         * Budgets defined (created or replaced) at start: a JSON object of name to definition, the shape of the server's
         * {@code CHATLOG_BUDGETS} and of its {@code PUT} body.
         */
        private String definitions;
        private boolean enabled;
        /** The max_tokens a request without one is sent with, and reserved for. */
        private int defaultMaxTokens = 4096;
        /** Lower max_tokens to an enforced budget's headroom instead of refusing. */
        private boolean clamp;
        /** How long a reservation is held before any instance may release it. */
        private Duration lease = Duration.ofMinutes(10);
        /** Refuse enforced calls while the database is unreachable (default: let them through, counted). */
        private boolean failClosed;
        /** How long a call refused only because of other calls' reservations waits for them to settle (0: refuse at once). */
        private Duration admissionWait = Duration.ofSeconds(2);
        /** The tokens one image in a prompt is reserved for. */
        private int imageTokens = 2500;
        /** The tokens an audio, video or PDF part is reserved for (0: such a call is refused by an enforced budget). */
        private int otherPartTokens;
        /** Calls in the hour, and in the 24 before it, for a spike to count. */
        private int spikeMinCalls = 20;
        /** How often the budgets' events (warning, exceeded, projected, spike) are evaluated. */
        private Duration checkInterval = Duration.ofSeconds(30);

        public int getSpikeMinCalls() { return spikeMinCalls; }
        public void setSpikeMinCalls(int v) { this.spikeMinCalls = v; }
        public Duration getCheckInterval() { return checkInterval; }
        public void setCheckInterval(Duration v) { this.checkInterval = v; }

        /** These properties as the budgets' settings; a bad value is refused naming its property. */
        public dev.chatlog.budgets.BudgetSettings settings() {
            java.util.List<dev.chatlog.budgets.Budget> defined = definitions == null || definitions.isBlank() ? List.of()
                    : dev.chatlog.budgets.BudgetParser.parseAll(json(definitions, "chatlog.budgets.definitions"), "chatlog.budgets.definitions");
            return InvalidDefinitionException.naming(Map.of("lease", "chatlog.budgets.lease", "admissionWait", "chatlog.budgets.admission-wait",
                    "defaultMaxTokens", "chatlog.budgets.default-max-tokens", "imageTokens", "chatlog.budgets.image-tokens",
                    "otherPartTokens", "chatlog.budgets.other-part-tokens", "spikeMinCalls", "chatlog.budgets.spike-min-calls",
                    "checkInterval", "chatlog.budgets.check-interval"),
                    () -> dev.chatlog.budgets.BudgetSettings.defaults().withDefinitions(defined).withGate(lease, failClosed, admissionWait)
                            .withGuard(defaultMaxTokens, clamp, imageTokens, otherPartTokens).withMonitor(spikeMinCalls, checkInterval).validate());
        }

        public String getDefinitions() { return definitions; }
        public void setDefinitions(String v) { this.definitions = v; }
        public boolean isEnabled() { return enabled; }
        public void setEnabled(boolean v) { this.enabled = v; }
        public int getDefaultMaxTokens() { return defaultMaxTokens; }
        public void setDefaultMaxTokens(int v) { this.defaultMaxTokens = v; }
        public boolean isClamp() { return clamp; }
        public void setClamp(boolean v) { this.clamp = v; }
        public Duration getLease() { return lease; }
        public void setLease(Duration v) { this.lease = v; }
        public boolean isFailClosed() { return failClosed; }
        public void setFailClosed(boolean v) { this.failClosed = v; }
        public Duration getAdmissionWait() { return admissionWait; }
        public void setAdmissionWait(Duration v) { this.admissionWait = v; }
        public int getImageTokens() { return imageTokens; }
        public void setImageTokens(int v) { this.imageTokens = v; }
        public int getOtherPartTokens() { return otherPartTokens; }
        public void setOtherPartTokens(int v) { this.otherPartTokens = v; }
    }

    /** Alert rules evaluated by this application, their notifications delivered through chatlog's outbox. */
    public static class Alerts {
        /** Evaluate the rules and send the notifications (every instance may: each change is notified once). */
        private boolean enabled;
        /** Put the default rules (slow-calls, failure-rate, cost-spike, budgets, logger-health) where none of their name exists. */
        private boolean defaults = true;
        /** Rules defined at start: a JSON object of name to definition, as CHATLOG_ALERT_RULES. */
        private String rules;
        /** How often every rule is evaluated. */
        private Duration checkInterval = Duration.ofSeconds(30);
        /** The log channel (dev.chatlog.alerts logger). */
        private boolean log = true;
        /** Where notification links point (the chatlog server's address); none: links are relative. */
        private String publicUrl = "";
        /** This instance's name, the subject of its logger_health states (default: host name). */
        private String instance;
        /** Longest wait between two attempts of one notification. */
        private Duration maxBackoff = Duration.ofMinutes(5);
        /** How long a notification is retried before it is marked failed. */
        private Duration maxAge = Duration.ofHours(24);
        private final Webhook webhook = new Webhook();
        private final Email email = new Email();

        public boolean isEnabled() { return enabled; }
        public void setEnabled(boolean v) { this.enabled = v; }
        public boolean isDefaults() { return defaults; }
        public void setDefaults(boolean v) { this.defaults = v; }
        public String getRules() { return rules; }
        public void setRules(String v) { this.rules = v; }
        public Duration getCheckInterval() { return checkInterval; }
        public void setCheckInterval(Duration v) { this.checkInterval = v; }
        public boolean isLog() { return log; }
        public void setLog(boolean v) { this.log = v; }
        public String getPublicUrl() { return publicUrl; }
        public void setPublicUrl(String v) { this.publicUrl = v; }
        public String getInstance() { return instance; }
        public void setInstance(String v) { this.instance = v; }
        public Duration getMaxBackoff() { return maxBackoff; }
        public void setMaxBackoff(Duration v) { this.maxBackoff = v; }
        public Duration getMaxAge() { return maxAge; }
        public void setMaxAge(Duration v) { this.maxAge = v; }
        public Webhook getWebhook() { return webhook; }
        public Email getEmail() { return email; }

        /** These properties as the alerts' settings; a bad value is refused naming its property. */
        public dev.chatlog.alerts.AlertSettings settings() {
            java.util.List<dev.chatlog.alerts.AlertRule> defined = rules == null || rules.isBlank() ? List.of()
                    : dev.chatlog.alerts.AlertRuleParser.parseAll(json(rules, "chatlog.alerts.rules"), "chatlog.alerts.rules");
            var w = webhook.url == null ? null : new dev.chatlog.alerts.AlertSettings.Webhook(webhook.url, webhook.secret, webhook.timeout);
            var e = email.host == null || email.host.isBlank() ? null : new dev.chatlog.alerts.AlertSettings.Email(email.host, email.port,
                    email.security, email.username, email.password, email.from, email.to, email.timeout);
            return InvalidDefinitionException.naming(Map.of("checkInterval", "chatlog.alerts.check-interval", "maxBackoff", "chatlog.alerts.max-backoff",
                    "maxAge", "chatlog.alerts.max-age", "webhook.url", "chatlog.alerts.webhook.url", "webhook.timeout", "chatlog.alerts.webhook.timeout",
                    "email.to", "chatlog.alerts.email.to", "email.port", "chatlog.alerts.email.port", "email.timeout", "chatlog.alerts.email.timeout"),
                    () -> dev.chatlog.alerts.AlertSettings.defaults().withRules(defined).withDefaultRules(defaults).withCheckInterval(checkInterval)
                            .withLog(log).withWebhook(w).withEmail(e).withRetries(maxBackoff, maxAge).withLinks(publicUrl, instance).validate());
        }

        public static class Webhook {
            /** The webhook channel: notifications are POSTed here. */
            private java.net.URI url;
            /** Signs each body: X-Chatlog-Signature: sha256=<HMAC-SHA256>. */
            private String secret;
            /** Connect and answer timeout; past it the notification is retried. */
            private Duration timeout = Duration.ofSeconds(10);

            public java.net.URI getUrl() { return url; }
            public void setUrl(java.net.URI v) { this.url = v; }
            public String getSecret() { return secret; }
            public void setSecret(String v) { this.secret = v; }
            public Duration getTimeout() { return timeout; }
            public void setTimeout(Duration v) { this.timeout = v; }
        }

        public static class Email {
            /** The e-mail channel's SMTP server (needs jakarta.mail / Angus Mail on the class path). */
            private String host;
            private int port = 587;
            /** none, starttls or ssl. */
            private dev.chatlog.alerts.channel.EmailChannel.Security security = dev.chatlog.alerts.channel.EmailChannel.Security.STARTTLS;
            private String username;
            private String password;
            private String from = "chatlog@localhost";
            private List<String> to = new ArrayList<>();
            private Duration timeout = Duration.ofSeconds(10);

            public String getHost() { return host; }
            public void setHost(String v) { this.host = v; }
            public int getPort() { return port; }
            public void setPort(int v) { this.port = v; }
            public dev.chatlog.alerts.channel.EmailChannel.Security getSecurity() { return security; }
            public void setSecurity(dev.chatlog.alerts.channel.EmailChannel.Security v) { this.security = v; }
            public String getUsername() { return username; }
            public void setUsername(String v) { this.username = v; }
            public String getPassword() { return password; }
            public void setPassword(String v) { this.password = v; }
            public String getFrom() { return from; }
            public void setFrom(String v) { this.from = v; }
            public List<String> getTo() { return to; }
            public void setTo(List<String> v) { this.to = v; }
            public Duration getTimeout() { return timeout; }
            public void setTimeout(Duration v) { this.timeout = v; }
        }
    }

    /** Which LangChain4j model beans chatlog attaches to. */
    public static class Attach {
        /** ChatModel beans. */
        private boolean chatModels = true;
        /** StreamingChatModel beans. */
        private boolean streamingChatModels = true;
        /** EmbeddingModel beans. */
        private boolean embeddingModels = true;
        /** AI services (LangChain4j's @AiService beans and any built with AiServices): one agent row each, with its tool rows. */
        private boolean aiServices = true;

        public boolean isChatModels() { return chatModels; }
        public void setChatModels(boolean v) { this.chatModels = v; }
        public boolean isStreamingChatModels() { return streamingChatModels; }
        public void setStreamingChatModels(boolean v) { this.streamingChatModels = v; }
        public boolean isEmbeddingModels() { return embeddingModels; }
        public void setEmbeddingModels(boolean v) { this.embeddingModels = v; }
        public boolean isAiServices() { return aiServices; }
        public void setAiServices(boolean v) { this.aiServices = v; }
    }

    /** One turn per HTTP request, for the paths given (a servlet filter). */
    public static class Web {
        /** URL patterns (servlet style, e.g. /chat/*) whose requests each open a turn; empty: no filter. */
        private List<String> turnPaths = new ArrayList<>();
        /** Request header carrying the conversation id (a new one is made when absent; the response carries it back). */
        private String conversationHeader = "X-Conversation-Id";
        /** Request header carrying the user id; absent: the authenticated principal's name, if any. */
        private String userHeader = "X-User-Id";

        public List<String> getTurnPaths() { return turnPaths; }
        public void setTurnPaths(List<String> v) { this.turnPaths = v; }
        public String getConversationHeader() { return conversationHeader; }
        public void setConversationHeader(String v) { this.conversationHeader = v; }
        public String getUserHeader() { return userHeader; }
        public void setUserHeader(String v) { this.userHeader = v; }
    }

    public boolean isEnabled() { return enabled; }
    public void setEnabled(boolean enabled) { this.enabled = enabled; }
    public int getQueueCapacity() { return queueCapacity; }
    public void setQueueCapacity(int v) { this.queueCapacity = v; }
    public int getBatchSize() { return batchSize; }
    public void setBatchSize(int v) { this.batchSize = v; }
    public int getMaxTextLength() { return maxTextLength; }
    public void setMaxTextLength(int v) { this.maxTextLength = v; }
    public boolean isMasking() { return masking; }
    public void setMasking(boolean v) { this.masking = v; }
    public List<String> getMaskPatterns() { return maskPatterns; }
    public void setMaskPatterns(List<String> v) { this.maskPatterns = v; }
    public int getFsyncEvery() { return fsyncEvery; }
    public void setFsyncEvery(int v) { this.fsyncEvery = v; }
    public Duration getFsyncInterval() { return fsyncInterval; }
    public void setFsyncInterval(Duration v) { this.fsyncInterval = v; }
    public Duration getCheckpointLag() { return checkpointLag; }
    public void setCheckpointLag(Duration v) { this.checkpointLag = v; }
    public Path getSpoolDir() { return spoolDir; }
    public void setSpoolDir(Path v) { this.spoolDir = v; }
    public long getSpoolMaxMb() { return spoolMaxMb; }
    public void setSpoolMaxMb(long v) { this.spoolMaxMb = v; }
    public Duration getCloseTimeout() { return closeTimeout; }
    public void setCloseTimeout(Duration v) { this.closeTimeout = v; }
    public String getPrices() { return prices; }
    public void setPrices(String v) { this.prices = v; }
    public Path getPricesFile() { return pricesFile; }
    public String getPriceDiscounts() { return priceDiscounts; }
    public void setPriceDiscounts(String v) { this.priceDiscounts = v; }
    public void setPricesFile(Path v) { this.pricesFile = v; }
    public String getProvider() { return provider; }
    public void setProvider(String v) { this.provider = v; }
    public String getBaseUrl() { return baseUrl; }
    public void setBaseUrl(String v) { this.baseUrl = v; }
    public ChatlogDatasource getDatasource() { return datasource; }
    public Attach getAttach() { return attach; }
    public Budgets getBudgets() { return budgets; }
    public Alerts getAlerts() { return alerts; }
    public boolean isTurnSummaries() { return turnSummaries; }
    public void setTurnSummaries(boolean v) { this.turnSummaries = v; }
    public Retention getRetention() { return retention; }

    public Web getWeb() { return web; }

    private static com.fasterxml.jackson.databind.JsonNode json(String text, String property) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(text);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(property + " is not JSON: " + e.getMessage());
        }
    }
}
