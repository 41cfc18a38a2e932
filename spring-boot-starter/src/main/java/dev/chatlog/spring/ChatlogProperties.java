package dev.chatlog.spring;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Every setting of the chatlog starter, as {@code chatlog.*} properties (IDE metadata comes from the
 * configuration processor). Defaults are the server's.
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

    private final Datasource datasource = new Datasource();
    private final Attach attach = new Attach();
    private final Budgets budgets = new Budgets();
    private final Web web = new Web();

    /** A separate database for chatlog; unset: the application's own DataSource. */
    public static class Datasource {
        /** JDBC URL of chatlog's database (MySQL or MariaDB); unset: the application's DataSource. */
        private String url;
        /** User of chatlog's database. */
        private String username;
        /** Password of chatlog's database. */
        private String password;
        /** Most connections chatlog opens to its own database. */
        private int maxPoolSize = 4;

        public String getUrl() { return url; }
        public void setUrl(String url) { this.url = url; }
        public String getUsername() { return username; }
        public void setUsername(String username) { this.username = username; }
        public String getPassword() { return password; }
        public void setPassword(String password) { this.password = password; }
        public int getMaxPoolSize() { return maxPoolSize; }
        public void setMaxPoolSize(int maxPoolSize) { this.maxPoolSize = maxPoolSize; }
    }

    /** Budgets: chat and streaming model beans guarded by the budgets in chatlog's database (see README, Budgets). */
    public static class Budgets {
        /** Guard the model beans: calls reserve their worst case first and may be refused (BudgetExceededException). */
        private boolean enabled;
        /** The max_tokens a request without one is sent with, and reserved for. */
        private int defaultMaxTokens = 4096;
        /** Lower max_tokens to an enforced budget's headroom instead of refusing. */
        private boolean clamp;
        /** How long a reservation is held before any instance may release it. */
        private Duration lease = Duration.ofMinutes(10);
        /** Refuse enforced calls while the database is unreachable (default: let them through, counted). */
        private boolean failClosed;

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
    }

    /** Which LangChain4j model beans chatlog attaches to. */
    public static class Attach {
        /** ChatModel beans. */
        private boolean chatModels = true;
        /** StreamingChatModel beans. */
        private boolean streamingChatModels = true;
        /** EmbeddingModel beans. */
        private boolean embeddingModels = true;

        public boolean isChatModels() { return chatModels; }
        public void setChatModels(boolean v) { this.chatModels = v; }
        public boolean isStreamingChatModels() { return streamingChatModels; }
        public void setStreamingChatModels(boolean v) { this.streamingChatModels = v; }
        public boolean isEmbeddingModels() { return embeddingModels; }
        public void setEmbeddingModels(boolean v) { this.embeddingModels = v; }
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
    public Datasource getDatasource() { return datasource; }
    public Attach getAttach() { return attach; }
    public Budgets getBudgets() { return budgets; }
    public Web getWeb() { return web; }
}
