package dev.chatlog.core;

import java.util.ArrayList;
import java.util.List;

/**
 * Writer-side completion of records: estimated tokens where the provider gave none, the price,
 * and text cut to the configured length. Runs on the writer thread, never on the caller's.
 */
final class CallEnricher {
    private final PriceCatalog prices;
    private final TokenCounter tokens;
    private final int maxTextLength;
    private final Masker masker;

    CallEnricher(PriceCatalog prices, TokenCounter tokens, int maxTextLength, Masker masker) {
        this.prices = prices;
        this.tokens = tokens;
        this.maxTextLength = maxTextLength;
        this.masker = masker;
    }

    LlmCall enrich(LlmCall call) {
        LlmCall.Builder b = call.toBuilder();
        boolean estimated = false;
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
                .errorMessage(clean(call.errorMessage()));
        LlmCall counted = b.build();
        if (call.costEstimate() != null) {
            return counted.toBuilder().priced(true)
                    .priceVersion(call.priceVersion() == null ? "caller" : call.priceVersion()).build();
        }
        if (call.callType() == CallType.TOOL || call.callType() == CallType.AGENT) {
            // Not a model call: no price applies (NULL, not a made-up $0); its children carry the cost.
            return counted.toBuilder().priced(false).costEstimate(null).priceVersion(null).build();
        }
        return prices.price(counted);
    }

    ConversationMessage enrich(ConversationMessage m) {
        List<SqlQuery> queries = new ArrayList<>(m.sqlQueries().size());
        for (SqlQuery q : m.sqlQueries()) {
            queries.add(new SqlQuery(clean(q.sql()), q.durationMs(), q.rowCount(), q.success(), clean(q.error())));
        }
        return m.toBuilder().userInput(clean(m.userInput())).finalOutput(clean(m.finalOutput()))
                .conversationMessage(clean(m.conversationMessage())).sqlQueries(queries)
                .errorMessage(clean(m.errorMessage())).build();
    }

    /** Masked first (a cut could split a secret), then truncated. */
    String clean(String s) {
        return Text.truncate(masker.mask(s), maxTextLength);
    }
}
