package dev.chatlog.core;

/**
 * What kind of work one row of {@code chatbot_llm_calls} records: a call to a model (counted in the LLM-call
 * totals, with tokens and a price), an agent, or a step of the pipeline around the models (a tool execution, a
 * retrieval, a guardrail, a stage of the application's pipeline, an external service), timed and counted as such, with no
 * tokens and no price of its own (a service's cost is the one the application gives).
 */
public enum CallType {
    CHAT, STREAMING_CHAT, EMBEDDING, TOOL, AGENT,
    /** Content retrieved for a prompt (a LangChain4j {@code ContentRetriever}): the query, the contents found, their sources and scores. */
    RETRIEVAL,
    /** An input or output guardrail of an AI service: its result (passed, rewritten, refused) and duration. */
    GUARDRAIL,
    /** A call to a moderation model: flagged or not. A model call (unpriced unless a price is configured: none is bundled). */
    MODERATION,
    /**
     * A stage of the application's own pipeline ({@code stt}, {@code tts}, {@code render}...), opened with
     * {@link ChatLogger#beginStage} or {@link MessageTurn#stage}: timed against its target, everything under it its child.
     */
    STAGE,
    /**
     * A lookup in one of the application's caches ({@link dev.chatlog.core.cache.CacheLookup}): hit or miss ({@code finish_reason}), and for a
     * hit the time and cost it saved.
     */
    CACHE,
    /** Images generated or edited by an image model ({@code ImageModel}): how many, their size; priced per image. */
    IMAGE,
    /** Speech transcribed to text ({@code AudioTranscriptionModel}): the audio's duration and format; priced per minute. */
    TRANSCRIPTION,
    /** Text synthesized to speech ({@code TextToSpeechModel}): the characters read; priced per character. */
    SPEECH,
    /** Documents re-ranked by a scoring model ({@code ScoringModel}): how many, the best score; priced per search. */
    RERANK,
    /**
     * A call to an external service that is not a model (a speech service, a search API, a payment API): its duration,
     * success and, when the application gives one, its cost; counted and grouped by service like the other steps.
     */
    SERVICE,
    /**
     * An operation on an embedding store (a LangChain4j {@code EmbeddingStore}): a search with its matches and best
     * score, an add or a remove with its count; a step named by its store.
     */
    VECTOR_STORE,
    /**
     * A model call made by an evaluator (an LLM judge) to rate a call or a message of the log: a child of what it
     * rates, priced by its tokens like a chat call, its cost the evaluator's, told apart from the product's.
     */
    EVALUATION;

    /** Whether this is a call to a model (counted in LLM-call totals), not a step or an agent. */
    public boolean isModelCall() {
        return this == CHAT || this == STREAMING_CHAT || this == EMBEDDING || this == MODERATION || this == EVALUATION || billsByUnit();
    }

    /**
     * Whether this call counts in its turn's and its conversation's totals (calls, tokens, cost): the product's own
     * model calls; an evaluator's ({@link #EVALUATION}) rates the turn, maybe long after, and counts only in the
     * figures over time (by model, by function, the budgets), where its spend is real.
     */
    public boolean countsInTurn() {
        return isModelCall() && this != EVALUATION;
    }

    /**
     * Whether this is a model call billed by the unit (images, seconds of audio, characters, searches) rather than by
     * the token: priced from the {@code billable_units} it records and a per-unit price, unpriced without one.
     */
    public boolean billsByUnit() {
        return this == IMAGE || this == TRANSCRIPTION || this == SPEECH || this == RERANK;
    }

    /**
     * Whether this is a step of the pipeline other than a tool (tools keep their own counters): counted, timed and
     * grouped by kind and name in the step figures.
     */
    public boolean isStep() {
        return this == RETRIEVAL || this == GUARDRAIL || this == STAGE || this == CACHE || this == SERVICE || this == VECTOR_STORE;
    }

    /** The value stored in the database. */
    public String dbValue() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static CallType fromDb(String value) {
        return valueOf(value.toUpperCase(java.util.Locale.ROOT));
    }
}
