package dev.chatlog.core.internal;

import dev.chatlog.core.cache.CacheLookup;
import dev.chatlog.core.CallType;
import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.LlmCall;
import dev.chatlog.core.SqlQuery;
import dev.chatlog.core.TokenSource;

import dev.chatlog.core.price.PriceCatalog;
import dev.chatlog.core.text.Masker;
import dev.chatlog.core.text.Text;
import dev.chatlog.core.token.TokenCounter;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writer-side completion of records: estimated tokens where the provider gave none, the price,
 * and text cut to the configured length. Runs on the writer thread, never on the caller's.
 */
public final class CallEnricher {
    private final PriceCatalog prices;
    private final TokenCounter tokens;
    private final int maxTextLength;
    private final Masker masker;

    public CallEnricher(PriceCatalog prices, TokenCounter tokens, int maxTextLength, Masker masker) {
        this.prices = prices;
        this.tokens = tokens;
        this.maxTextLength = maxTextLength;
        this.masker = masker;
    }

    public LlmCall enrich(LlmCall call) {
        LlmCall.Builder b = call.toBuilder();
        boolean estimated = false;
        if (!call.callType().isModelCall()) { // a step or an agent uses no tokens itself (its children count theirs)
            if (call.inputTokens() == null) b.inputTokens(0);
            if (call.outputTokens() == null) b.outputTokens(0);
            call = b.build();
        }
        if (call.inputTokens() == null) {
            b.inputTokens(call.inputText() == null ? 0 : tokens.countText(call.model(), call.inputText()));
            estimated = true;
        }
        if (call.outputTokens() == null) {
            b.outputTokens(call.outputText() == null ? 0 : tokens.countText(call.model(), call.outputText()));
            estimated = true;
        }
        if (call.tokenSource() == null) {
            b.tokenSource(estimated ? TokenSource.ESTIMATED : TokenSource.PROVIDER);
        }
        // tokens are counted on the real text above; what is stored is masked, then cut
        b.inputText(clean(call.inputText())).outputText(clean(call.outputText()))
                .errorMessage(clean(call.errorMessage())).metadata(cleanValues(call.metadata()));
        LlmCall counted = b.build();
        if (call.costEstimate() != null) {
            return counted.toBuilder().priced(true)
                    .priceVersion(call.priceVersion() == null ? "caller" : call.priceVersion()).build();
        }
        if (!call.callType().isModelCall()) {
            // Not a model call: no price applies (NULL, not a made-up $0); its children carry the cost.
            LlmCall.Builder step = counted.toBuilder().priced(false).costEstimate(null).priceVersion(null);
            if (call.callType() == CallType.CACHE) {
                step.finishReason("hit".equals(call.finishReason()) ? "hit" : "miss").metadata(lookup(counted));
            }
            return step.build();
        }
        return prices.price(counted);
    }

    /**
     * A cache lookup's metadata as stored, in the one form the rollups and their SQL twin read: a miss keeps no savings;
     * a hit's {@code saved_ms} is a decimal string to the hundredth, its {@code saved_cost} one to 1e-10 — the given
     * cost, else the replaced call priced like any call at the lookup's time (no price: no saved cost, never a made-up
     * one). Values that are not numbers are dropped.
     */
    private Map<String, Object> lookup(LlmCall c) {
        Map<String, Object> meta = new LinkedHashMap<>(c.metadata());
        boolean hit = "hit".equals(c.finishReason());
        BigDecimal ms = hit ? decimal(meta.get(CacheLookup.SAVED_MS)) : null;
        BigDecimal cost = hit ? decimal(meta.get(CacheLookup.SAVED_COST)) : null;
        if (hit && cost == null && meta.get(CacheLookup.REPLACED_MODEL) instanceof String model) {
            int in = meta.get(CacheLookup.REPLACED_INPUT_TOKENS) instanceof Number n ? n.intValue() : 0;
            int out = meta.get(CacheLookup.REPLACED_OUTPUT_TOKENS) instanceof Number n ? n.intValue() : 0;
            LlmCall replaced = prices.price(LlmCall.builder().callId("replaced").callType(CallType.CHAT).model(model).startedAt(c.startedAt())
                    .inputTokens(in).outputTokens(out).tokenSource(TokenSource.PROVIDER).build());
            if (replaced.priced()) cost = replaced.costEstimate();
        }
        meta.remove(CacheLookup.SAVED_MS);
        meta.remove(CacheLookup.SAVED_COST);
        if (ms != null && ms.signum() >= 0) meta.put(CacheLookup.SAVED_MS, ms.setScale(2, RoundingMode.HALF_UP).toPlainString());
        if (cost != null && cost.signum() >= 0) meta.put(CacheLookup.SAVED_COST, cost.setScale(10, RoundingMode.HALF_UP).toPlainString());
        return meta;
    }

    private static BigDecimal decimal(Object v) {
        if (v == null || v instanceof Boolean) return null;
        try {
            return new BigDecimal(v.toString().trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** A score with its comment masked and cut like every text. */
    public dev.chatlog.core.score.Score enrich(dev.chatlog.core.score.Score s) {
        if (s.comment() == null) return s;
        return new dev.chatlog.core.score.Score(s.target(), s.targetId(), s.name(), s.value(), s.label(), s.source(), s.evaluator(),
                s.evaluatorVersion(), s.key(), clean(s.comment()), s.at());
    }

    public ConversationMessage enrich(ConversationMessage m) {
        List<SqlQuery> queries = new ArrayList<>(m.sqlQueries().size());
        for (SqlQuery q : m.sqlQueries()) {
            queries.add(new SqlQuery(clean(q.sql()), q.durationMs(), q.rowCount(), q.success(), clean(q.error())));
        }
        return m.toBuilder().userInput(clean(m.userInput())).finalOutput(clean(m.finalOutput()))
                .conversationMessage(clean(m.conversationMessage())).sqlQueries(queries)
                .errorMessage(clean(m.errorMessage())).debugInfo(cleanValues(m.debugInfo())).build();
    }

    /**
     * Every text inside a metadata or debug map (at any depth) masked and cut like the other texts: an agent's user
     * message, a retrieved segment's metadata, whatever the application put there. Keys, numbers and booleans stay.
     */
    public Map<String, Object> cleanValues(Map<String, Object> values) {
        if (values == null || values.isEmpty()) return values;
        Map<String, Object> out = new LinkedHashMap<>();
        values.forEach((k, v) -> out.put(k, cleanValue(v)));
        return out;
    }

    private Object cleanValue(Object v) {
        if (v instanceof String s) return clean(s);
        if (v instanceof Map<?, ?> m) {
            Map<Object, Object> out = new LinkedHashMap<>();
            m.forEach((k, x) -> out.put(k, cleanValue(x)));
            return out;
        }
        if (v instanceof Collection<?> c) {
            List<Object> out = new ArrayList<>(c.size());
            for (Object x : c) out.add(cleanValue(x));
            return out;
        }
        return v;
    }

    /**
     * Characters masked beyond the cut: a secret that starts before the cut and is shorter than this
     * is seen whole, and every rule matches a longer one's part in the window too (their repeats are
     * open-ended), so the stored text is the same as masking the whole text and then cutting it.
     */
    public static final int MASK_MARGIN = 512;

    /**
     * Masked first (a cut could split a secret), then truncated. Only the part that can be stored
     * (plus {@link #MASK_MARGIN}) is masked: masking was most of the logger's CPU time with long
     * prompts (profiled under the chat load), and what lies past the cut is never stored.
     */
    public String clean(String s) {
        if (s == null || s.length() <= maxTextLength + MASK_MARGIN) {
            return Text.truncate(masker.mask(s), maxTextLength);
        }
        String window = masker.mask(s.substring(0, maxTextLength + MASK_MARGIN));
        if (window.length() < maxTextLength + MASK_MARGIN / 2) { // masking shortened it a lot: text past the window could move in
            return Text.truncate(masker.mask(s), maxTextLength);
        }
        return Text.truncateMarked(window, maxTextLength);
    }
}
