package dev.chatlog.core.error;

import dev.chatlog.core.CallType;
import dev.chatlog.core.LlmCall;

import java.util.Locale;

/**
 * What went wrong with a failed row, in the terms of what to do about it: each category has a short recovery
 * suggestion. Classified from the error's class (LangChain4j's {@code dev.langchain4j.exception} types and the JDK's
 * network and timeout exceptions), the HTTP status and the provider's error code or message; stored with the row
 * ({@code error_category}), so the read side groups failures by it.
 */
public enum ErrorCategory {
    RATE_LIMITED("Back off and retry with jitter; raise the quota or tier; spread the load over deployments or keys."),
    TIMEOUT("Raise the client timeout for long generations, stream the response, or lower max_tokens; retry once."),
    AUTHENTICATION("Check the API key, its project or organisation, and its permissions for this model."),
    MODEL_NOT_FOUND("Check the model name and that the key's account has access to it (deployment name on Azure)."),
    CONTEXT_LENGTH_EXCEEDED("Trim or summarise the history, retrieve fewer or shorter contents, or use a larger-context model."),
    CONTENT_FILTERED("Rephrase the prompt or the system message, or review the provider's content-filter settings."),
    INVALID_REQUEST("Fix the request: a parameter, a tool schema or a message the provider rejects (see the error message)."),
    PROVIDER_ERROR("The provider failed (5xx): retry with backoff; fall back to another model or region if it persists."),
    NETWORK("The provider could not be reached: check the base URL, DNS, proxy and firewall; retry."),
    TOOL_ERROR("A tool threw: fix the tool, or return the error to the model as a result it can act on."),
    GUARDRAIL_REFUSED("A guardrail refused the input or output: expected for abuse; review the rule if users hit it wrongly."),
    BUDGET_REFUSED("A budget refused the call: raise the limit, wait for the next window, or use a cheaper model."),
    OTHER("Not classified: see the error type and message.");

    private final String suggestion;

    ErrorCategory(String suggestion) {
        this.suggestion = suggestion;
    }

    /** The value stored and shown ({@code rate_limited}). */
    public String dbValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** What to do about it, in one sentence. */
    public String suggestion() {
        return suggestion;
    }

    /** The category of a stored value; {@link #OTHER} for an unknown one. */
    public static ErrorCategory fromDb(String value) {
        return fromLabel(value).orElse(OTHER);
    }

    /** The category a stored value names exactly; empty for anything else. */
    public static java.util.Optional<ErrorCategory> fromLabel(String value) {
        for (ErrorCategory c : values()) if (c.dbValue().equals(value)) return java.util.Optional.of(c);
        return java.util.Optional.empty();
    }

    /** Every category's value, for messages. */
    public static String labels() {
        return String.join(", ", java.util.Arrays.stream(values()).map(ErrorCategory::dbValue).toList());
    }

    /** The category of a failed call; null for a successful one. */
    public static ErrorCategory of(LlmCall c) {
        if (c.success()) return null;
        Object status = c.metadata().get("http_status");
        Integer http = status instanceof Integer i ? i : status instanceof Long l ? Integer.valueOf(l.intValue()) : null; // a JSON integer
        return classify(c.callType(), c.errorType(), http, c.errorMessage());
    }

    /**
     * The category of an error: its type (a class name, or a label such as {@code guardrail_refused}), the HTTP status
     * when there was one, and its message (for the provider's code: {@code context_length_exceeded},
     * {@code content_filter}...).
     */
    public static ErrorCategory classify(CallType type, String errorType, Integer httpStatus, String message) {
        String t = errorType == null ? "" : errorType;
        String simple = t.substring(t.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
        String m = message == null ? "" : message.toLowerCase(Locale.ROOT);
        if (simple.equals("guardrail_refused") || simple.contains("guardrailexception")) return GUARDRAIL_REFUSED;
        if (simple.startsWith("budget") && (simple.contains("exceeded") || simple.contains("refus"))) return BUDGET_REFUSED;
        if (type == CallType.TOOL || simple.equals("tool_error") || simple.equals("toolexecutionexception")
                || simple.equals("toolargumentsexception")) {
            return TOOL_ERROR;
        }
        if (contextLength(m)) return CONTEXT_LENGTH_EXCEEDED; // a 400 (InvalidRequestException) whose code says why
        if (simple.equals("contentfilteredexception") || m.contains("content_filter") || m.contains("content management policy")) {
            return CONTENT_FILTERED;
        }
        switch (simple) {
            case "ratelimitexception": return RATE_LIMITED;
            case "timeoutexception", "httptimeoutexception", "sockettimeoutexception", "interruptedioexception": return TIMEOUT;
            case "authenticationexception": return AUTHENTICATION;
            case "modelnotfoundexception": return MODEL_NOT_FOUND;
            case "internalserverexception": return PROVIDER_ERROR;
            case "unresolvedmodelserverexception", "connectexception", "unknownhostexception", "noroutetohostexception",
                 "closedchannelexception", "sslexception", "sslhandshakeexception": return NETWORK;
            case "invalidrequestexception": return INVALID_REQUEST;
            default: break;
        }
        if (httpStatus != null) {
            int s = httpStatus;
            if (s == 429) return RATE_LIMITED;
            if (s == 401 || s == 403) return AUTHENTICATION;
            if (s == 404) return MODEL_NOT_FOUND;
            if (s == 408 || s == 504) return TIMEOUT;
            if (s >= 500) return PROVIDER_ERROR;
            if (s >= 400) return INVALID_REQUEST;
        }
        if (m.contains("timed out") || m.contains("timeout")) return TIMEOUT;
        if (m.contains("connection refused") || m.contains("connectexception") || m.contains("unknownhost")
                || m.contains("connection reset")) {
            return NETWORK;
        }
        return OTHER;
    }

    private static boolean contextLength(String m) {
        return m.contains("context_length_exceeded") || m.contains("maximum context length") || m.contains("context window")
                || m.contains("prompt is too long") || m.contains("too many tokens");
    }
}
