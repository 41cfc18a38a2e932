package dev.chatlog.core.cache;

import dev.chatlog.core.CallType;
import dev.chatlog.core.ChatContext;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.Ids;
import dev.chatlog.core.LlmCall;
import dev.chatlog.core.TokenSource;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One lookup in one of the application's caches (a response cache, an audio cache, an embedding cache...), logged as a
 * {@code cache} row under the current context: hit or miss, and for a hit what it saved — the time, and the cost of the
 * call it replaced, priced by chatlog from that call's model and tokens (or given). Hit rates per cache are a rollup
 * read, against the targets of {@code CHATLOG_CACHE_TARGETS}.
 *
 * <pre>{@code
 * String cached = cache.get(key);
 * if (cached != null) {
 *     CacheLookup.hit("responses").keyHash(hash).replacing("gpt-4o-mini", 1_200, 300).saved(Duration.ofMillis(850)).log(chatLog);
 * } else {
 *     CacheLookup.miss("responses").keyHash(hash).log(chatLog);
 * }
 * }</pre>
 */
public final class CacheLookup {
    private final String cache;
    private final boolean hit;
    private String keyHash;
    private Duration took = Duration.ZERO;
    private Duration saved;
    private BigDecimal savedCost;
    private String replacedModel;
    private Integer replacedInputTokens;
    private Integer replacedOutputTokens;

    private CacheLookup(String cache, boolean hit) {
        this.cache = Objects.requireNonNull(cache, "cache");
        this.hit = hit;
    }

    public static CacheLookup hit(String cache) {
        return new CacheLookup(cache, true);
    }

    public static CacheLookup miss(String cache) {
        return new CacheLookup(cache, false);
    }

    /** A hash of the key (never the key itself: it may hold a user's text). */
    public CacheLookup keyHash(String v) {
        keyHash = v;
        return this;
    }

    /** How long the lookup itself took (the row's duration). */
    public CacheLookup took(Duration v) {
        took = Objects.requireNonNull(v, "took");
        return this;
    }

    /** For a hit: the time the call it replaced would have taken. */
    public CacheLookup saved(Duration v) {
        saved = v;
        return this;
    }

    /** For a hit: the cost it saved, when the application knows it (otherwise see {@link #replacing}). */
    public CacheLookup savedCost(BigDecimal v) {
        savedCost = v;
        return this;
    }

    /** For a hit: the model call it replaced, which chatlog prices like any call (a model with no price saves no known cost). */
    public CacheLookup replacing(String model, int inputTokens, int outputTokens) {
        replacedModel = model;
        replacedInputTokens = inputTokens;
        replacedOutputTokens = outputTokens;
        return this;
    }

    /** The lookup as a {@code cache} row under {@code context}. */
    public LlmCall toCall(ChatContext context) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("hit", hit);
        if (keyHash != null) meta.put("key_hash", keyHash);
        if (hit && saved != null) meta.put(SAVED_MS, BigDecimal.valueOf(saved.toNanos(), 6).setScale(2, java.math.RoundingMode.HALF_UP).toPlainString());
        if (hit && savedCost != null) meta.put(SAVED_COST, savedCost.toPlainString());
        if (hit && replacedModel != null) {
            meta.put(REPLACED_MODEL, replacedModel);
            meta.put(REPLACED_INPUT_TOKENS, replacedInputTokens);
            meta.put(REPLACED_OUTPUT_TOKENS, replacedOutputTokens);
        }
        return LlmCall.builder().callId(Ids.newId()).callType(CallType.CACHE).context(context).callSequence(context.nextSequence())
                .functionName(cache).startedAt(Instant.now().minus(took)).durationMs(took.toNanos() / 1e6)
                .inputText(null).outputText(hit ? "hit" : "miss").finishReason(hit ? "hit" : "miss")
                .inputTokens(0).outputTokens(0).tokenSource(TokenSource.PROVIDER).metadata(meta).build();
    }

    /** Logs it under the current context. Never blocks, never throws. */
    public void log(ChatLogger logger) {
        try {
            logger.logCall(toCall(logger.context()));
        } catch (RuntimeException e) {
            // a cache's bookkeeping never fails the application (nothing was offered)
        }
    }

    /** The metadata keys: what a hit saved (the cost as a plain decimal string), and the call it replaced. */
    public static final String SAVED_MS = "saved_ms";
    public static final String SAVED_COST = "saved_cost";
    public static final String REPLACED_MODEL = "replaced_model";
    public static final String REPLACED_INPUT_TOKENS = "replaced_input_tokens";
    public static final String REPLACED_OUTPUT_TOKENS = "replaced_output_tokens";
}
