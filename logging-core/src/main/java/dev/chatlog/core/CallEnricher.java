package dev.chatlog.core;

/**
 * Writer-side completion of records: estimated tokens where the provider gave none, the price,
 * and text cut to the configured length. Runs on the writer thread, never on the caller's.
 */
final class CallEnricher {
    private final PriceCatalog prices;
    private final TokenCounter tokens;
    private final int maxTextLength;

    CallEnricher(PriceCatalog prices, TokenCounter tokens, int maxTextLength) {
        this.prices = prices;
        this.tokens = tokens;
        this.maxTextLength = maxTextLength;
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
        b.inputText(truncate(call.inputText())).outputText(truncate(call.outputText()))
                .errorMessage(truncate(call.errorMessage()));
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
        return m.toBuilder().userInput(truncate(m.userInput())).finalOutput(truncate(m.finalOutput()))
                .conversationMessage(truncate(m.conversationMessage()))
                .errorMessage(truncate(m.errorMessage())).build();
    }

    String truncate(String s) {
        return Text.truncate(s, maxTextLength);
    }
}
