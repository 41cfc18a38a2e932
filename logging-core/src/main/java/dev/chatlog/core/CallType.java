package dev.chatlog.core;

/** What kind of work one row of {@code chatbot_llm_calls} records. */
public enum CallType {
    CHAT, STREAMING_CHAT, EMBEDDING, TOOL, AGENT;

    /** Whether this is a call to a model (counted in LLM-call totals), not a tool or agent step. */
    public boolean isModelCall() {
        return this == CHAT || this == STREAMING_CHAT || this == EMBEDDING;
    }

    /** The value stored in the database. */
    public String dbValue() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static CallType fromDb(String value) {
        return valueOf(value.toUpperCase(java.util.Locale.ROOT));
    }
}
