package dev.chatlog.core;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The OpenTelemetry GenAI conventions' names (v1.41) for what chatlog stores, one place for the
 * meters and the spans: the operation of a call type, the provider name of a stored provider, and an
 * error type fit to be an attribute (a class name or an HTTP status, never a message).
 */
public final class GenAiNames {
    /** The conventions' value for an attribute whose value would not be low-cardinality. */
    public static final String OTHER = "_OTHER";
    private static final Pattern ERROR_CLASS = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$.]{0,99}|[1-5][0-9][0-9]|[1-5]xx");
    /** LangChain4j's provider names (as the listener stores them) to the conventions' {@code gen_ai.provider.name}. */
    private static final Map<String, String> PROVIDERS = Map.ofEntries(Map.entry("openai", "openai"), Map.entry("open-ai", "openai"),
            Map.entry("azure-open-ai", "azure.ai.openai"), Map.entry("anthropic", "anthropic"), Map.entry("amazon-bedrock", "aws.bedrock"),
            Map.entry("google-ai-gemini", "gcp.gemini"), Map.entry("google-vertex-ai-gemini", "gcp.vertex_ai"),
            Map.entry("mistral-ai", "mistral_ai"), Map.entry("watsonx", "ibm.watsonx.ai"), Map.entry("deepseek", "deepseek"),
            Map.entry("groq", "groq"), Map.entry("cohere", "cohere"), Map.entry("x-ai", "x_ai"), Map.entry("perplexity", "perplexity"));

    private GenAiNames() {}

    /**
     * {@code gen_ai.operation.name}: chat, embeddings, execute_tool, invoke_agent, retrieval, generate_content (images);
     * the conventions name no operation for guardrails, moderation, pipeline stages, cache lookups, transcription,
     * speech, re-ranking, external services and embedding stores, so these are custom values named for what they do.
     */
    public static String operation(CallType type) {
        return switch (type) {
            case CHAT, STREAMING_CHAT, EVALUATION -> "chat"; // a judge's call is a chat completion
            case EMBEDDING -> "embeddings";
            case TOOL -> "execute_tool";
            case AGENT -> "invoke_agent";
            case RETRIEVAL -> "retrieval";
            case GUARDRAIL -> "guardrail";
            case MODERATION -> "moderation";
            case STAGE -> "stage";
            case CACHE -> "cache_lookup";
            case IMAGE -> "generate_content";
            case TRANSCRIPTION -> "transcription";
            case SPEECH -> "speech";
            case RERANK -> "rerank";
            case SERVICE -> "service";
            case VECTOR_STORE -> "vector_store";
        };
    }

    /** {@code gen_ai.provider.name} for a stored provider (null without one). */
    public static String provider(String stored) {
        if (stored == null || stored.isBlank()) return null;
        String p = stored.trim().toLowerCase(Locale.ROOT);
        return PROVIDERS.getOrDefault(p, p.length() > 100 ? OTHER : p);
    }

    /** {@code error.type} for a stored error type: a class name or an HTTP status (class) as it is, anything else {@value #OTHER}. */
    public static String errorType(String stored) {
        if (stored == null || stored.isBlank()) return OTHER;
        String e = stored.trim();
        return ERROR_CLASS.matcher(e).matches() ? e : OTHER;
    }
}
