package dev.chatlog.langchain4j;

import dev.chatlog.core.ChatContext;
import dev.chatlog.core.price.PriceCatalog;
import dev.chatlog.core.price.Rates;
import dev.chatlog.core.token.TokenCounter;
import dev.chatlog.core.budget.BudgetExceededException;
import dev.chatlog.core.budget.BudgetGate;
import dev.chatlog.core.budget.BudgetSubject;
import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts LLM calls under budgets: {@link #guard(ChatModel)} and {@link #guard(StreamingChatModel)}
 * return a model that, before each request is sent, reserves the request's worst-case cost in
 * every budget covering it (a {@link BudgetExceededException} when an enforced one has no room:
 * nothing is sent), and after the call settles the reservation to the real cost, or releases it
 * when the call fails. A listener cannot do this: listeners cannot refuse a call.
 *
 * <p>The worst case is the request as sent: its prompt counted with jtokkit (messages and tool
 * specifications, times a margin for other providers' tokenizers) at the input rate, plus its
 * {@code max_tokens} at the output rate, at the model's price on the day (cache discounts aside).
 * A request without {@code max_tokens} (neither on the request nor the model's defaults) is sent
 * with {@link Builder#defaultMaxTokens} so the worst case holds. With
 * {@link Builder#clampToHeadroom}, a request that would not fit has its {@code max_tokens} lowered
 * to what the budget can still pay for, and is refused only below {@link Builder#minTokens}.
 */
public final class BudgetGuard {
    private static final Logger log = LoggerFactory.getLogger(BudgetGuard.class);

    private final BudgetGate gate;
    private final PriceCatalog prices;
    private final TokenCounter tokens;
    private final String provider;
    private final int defaultMaxTokens;
    private final boolean clamp;
    private final int minTokens;
    private final Clock clock;
    private final WorstCase worstCase;

    private BudgetGuard(Builder b) {
        this.gate = b.gate;
        this.prices = b.prices;
        this.tokens = b.tokens;
        this.provider = b.provider;
        this.defaultMaxTokens = b.defaultMaxTokens;
        this.clamp = b.clamp;
        this.minTokens = b.minTokens;
        this.clock = b.clock;
        this.worstCase = new WorstCase(b.tokens, b.promptMargin, b.imageTokens, b.otherPartTokens);
    }

    public static Builder builder(BudgetGate gate, PriceCatalog prices) {
        return new Builder(gate, prices);
    }

    /** {@code model} under this guard's budgets; everything else (listeners, parameters, provider) is the model's. */
    public ChatModel guard(ChatModel model) {
        return new BudgetedChatModel(model, this);
    }

    /** {@code model} under this guard's budgets: a streaming call settles on its final usage. */
    public StreamingChatModel guard(StreamingChatModel model) {
        return new BudgetedStreamingChatModel(model, this);
    }

    /** An admitted call: the request to send (max_tokens possibly set), what it holds, and how to price its outcome. */
    record Admitted(ChatRequest request, BudgetGate.Hold hold, String model, String provider, Rates rates, int promptTokens, int maxTokens) {
        static final Admitted NONE = new Admitted(null, BudgetGate.NONE, null, null, null, 0, 0);
    }

    /**
     * Reserves the worst case of {@code request} sent to a model with {@code defaults}.
     *
     * @throws BudgetExceededException when an enforced budget refuses (nothing stays held)
     */
    Admitted admit(ChatRequest request, ChatRequestParameters defaults, ModelProvider modelProvider) {
        String model = request.modelName() != null ? request.modelName() : defaults == null ? null : defaults.modelName();
        BudgetSubject who = BudgetSubject.of(ChatContext.current(), model);
        if (!gate.covers(who)) return new Admitted(request, BudgetGate.NONE, model, null, null, 0, 0); // no budget: no counting, no pricing
        Integer asked = request.maxOutputTokens() != null ? request.maxOutputTokens()
                : defaults == null ? null : defaults.maxOutputTokens();
        // OpenAI's max_completion_tokens (what reasoning models take instead of max_tokens): the bound when set,
        // and then no max_tokens is added to the request
        Integer completion = asked != null ? null : WorstCase.firstNonNull(WorstCase.completionTokens(request.parameters()), WorstCase.completionTokens(defaults));
        int maxTokens = asked != null ? asked : completion != null ? completion : defaultMaxTokens;
        String providerName = provider != null ? provider : CallRenderer.providerName(modelProvider);
        Optional<PriceCatalog.Quote> quote = model == null ? Optional.empty() : prices.quote(model, providerName, clock.instant());
        Integer prompt = quote.isEmpty() ? null : worstCase.promptTokens(model, request); // null: a part whose tokens cannot be bounded
        if (quote.isPresent() && !quote.get().rates().pricesTokens()) quote = Optional.empty(); // priced per image or minute only
        if (quote.isEmpty() || prompt == null) {
            BigDecimal unbounded = null; // enforced budgets refuse what cannot be bounded; alert-only ones do not count it
            BudgetGate.Hold hold = gate.reserve(who, unbounded);
            return new Admitted(completion != null ? request : capped(request, asked, maxTokens), hold, model, providerName,
                    quote.map(PriceCatalog.Quote::rates).orElse(null), prompt == null ? 0 : prompt, maxTokens);
        }
        Rates rates = quote.get().rates();
        BigDecimal worst = WorstCase.of(rates, prompt, maxTokens);
        if (clamp && completion == null) {
            Optional<BigDecimal> room = gate.headroom(who);
            if (room.isPresent() && worst.compareTo(room.get()) > 0) {
                int fits = WorstCase.tokensFitting(rates, prompt, room.get());
                if (fits >= minTokens && fits < maxTokens) {
                    maxTokens = fits;
                    asked = fits;
                    worst = WorstCase.of(rates, prompt, maxTokens);
                }
            }
        }
        BudgetGate.Hold hold = gate.reserve(who, worst);
        return new Admitted(completion != null ? request : capped(request, asked, maxTokens), hold, model, providerName, rates, prompt,
                maxTokens);
    }

    /**
     * Reserves what {@code units} of {@code model} cost (a model billed by the unit: images, seconds of audio,
     * characters, searches), priced as the logger prices its row; an enforced budget refuses a call it cannot price.
     *
     * @throws BudgetExceededException when an enforced budget refuses (nothing stays held)
     */
    BudgetGate.Hold admitUnits(String model, String providerName, java.util.Map<String, BigDecimal> units) {
        BudgetSubject who = BudgetSubject.of(ChatContext.current(), model);
        if (!gate.covers(who)) return BudgetGate.NONE;
        return gate.reserve(who, unitCost(model, providerName, units));
    }

    /** What {@code units} of {@code model} cost at today's prices; null when they have no price. */
    BigDecimal unitCost(String model, String providerName, java.util.Map<String, BigDecimal> units) {
        if (model == null || units.isEmpty()) return null;
        return prices.quote(model, provider != null ? provider : providerName, clock.instant())
                .map(q -> q.rates().unitCost(units)).orElse(null);
    }

    /** The call ended with {@code response}: the hold is settled to its cost. Never throws. */
    void settle(Admitted a, ChatResponse response) {
        try {
            a.hold().settle(cost(a, response));
        } catch (RuntimeException e) {
            log.warn("chatlog: settling a budget reservation failed; its lease will release it: {}", e.toString());
        }
    }

    /**
     * The call failed with {@code error} before any output reached the application. A timeout is
     * settled at the worst case: the provider may have generated (and billed) the whole answer that
     * never arrived. Any other failure (the provider refused the request) is released. Never throws.
     */
    void failed(Admitted a, Throwable error) {
        if (!WorstCase.isTimeout(error)) {
            release(a);
            return;
        }
        try {
            a.hold().settle(a.rates() == null ? null : WorstCase.of(a.rates(), a.promptTokens(), a.maxTokens()));
        } catch (RuntimeException e) {
            log.warn("chatlog: settling a timed-out call's reservation failed; its lease will release it: {}", e.toString());
        }
    }

    /** The call failed before any output: the hold is released. Never throws. */
    void release(Admitted a) {
        try {
            a.hold().release();
        } catch (RuntimeException e) {
            log.warn("chatlog: releasing a budget reservation failed; its lease will release it: {}", e.toString());
        }
    }

    /**
     * A stream that ended early (cancelled by the application, or failed) after {@code partialText}:
     * the hold is settled to the prompt and what was received (text, thinking, tool-call arguments),
     * as jtokkit counts them: the provider bills what it generated.
     */
    void cancelled(Admitted a, String partialText) {
        try {
            a.hold().settle(a.rates() == null ? null : a.rates().cost(a.promptTokens(), 0, 0, tokens.countText(a.model(), partialText)));
        } catch (RuntimeException e) {
            log.warn("chatlog: settling a cancelled call's reservation failed; its lease will release it: {}", e.toString());
        }
    }

    private BigDecimal cost(Admitted a, ChatResponse response) {
        if (a.rates() == null) return null;
        Rates rates = servedRates(a, response);
        var usage = response == null ? null : response.tokenUsage();
        if (usage != null && usage.inputTokenCount() != null && usage.inputTokenCount() > 0) {
            UsageDetails d = UsageDetails.of(usage);
            return rates.cost(d.inputTokens(), d.cachedInputTokens(), d.cacheWriteTokens(), d.outputTokens());
        }
        return rates.cost(a.promptTokens(), 0, 0, tokens.countText(a.model(), WorstCase.generated(response))); // no usage reported: jtokkit's count
    }

    /**
     * The rates of the model that served the call, as the logger prices it (the response's model
     * first, the requested one when the served one has no price): the budget and the dashboard
     * count one price for one call, and a gateway that serves a costlier model is charged as such.
     */
    private Rates servedRates(Admitted a, ChatResponse response) {
        String served = response == null ? null : response.modelName();
        if (served == null || served.equals(a.model())) return a.rates();
        return prices.quote(served, a.provider(), clock.instant()).map(PriceCatalog.Quote::rates).orElse(a.rates());
    }

    /** The request with {@code max_tokens} set when the guard chose it (none was asked, or it was clamped). */
    private static ChatRequest capped(ChatRequest request, Integer asked, int maxTokens) {
        if (asked != null && Objects.equals(request.maxOutputTokens(), asked)) return request;
        return request.toBuilder()
                .parameters(request.parameters().overrideWith(ChatRequestParameters.builder().maxOutputTokens(maxTokens).build()))
                .build();
    }

    public static final class Builder {
        private final BudgetGate gate;
        private final PriceCatalog prices;
        private TokenCounter tokens = TokenCounter.shared();
        private String provider;
        private int defaultMaxTokens = 4096;
        private boolean clamp;
        private int minTokens = 16;
        private BigDecimal promptMargin = new BigDecimal("1.10");
        private Clock clock = Clock.systemUTC();
        private int imageTokens = 2_500;
        private int otherPartTokens;

        private Builder(BudgetGate gate, PriceCatalog prices) {
            this.gate = Objects.requireNonNull(gate, "gate");
            this.prices = Objects.requireNonNull(prices, "prices");
        }

        /** Who serves the models (a provider id such as {@code openai}), when the client's {@code ModelProvider} does not say it. */
        public Builder provider(String id) { this.provider = id; return this; }

        /** The {@code max_tokens} a request without one is sent with, and reserved for (default 4,096). */
        public Builder defaultMaxTokens(int n) {
            if (n < 1) throw new IllegalArgumentException("defaultMaxTokens must be at least 1");
            this.defaultMaxTokens = n;
            return this;
        }

        /** Lower {@code max_tokens} to the budget's headroom instead of refusing (default off). */
        public Builder clampToHeadroom(boolean on) { this.clamp = on; return this; }

        /** With clamping, the fewest output tokens worth sending a request for (default 16); below it the call is refused. */
        public Builder minTokens(int n) {
            if (n < 1) throw new IllegalArgumentException("minTokens must be at least 1");
            this.minTokens = n;
            return this;
        }

        /** Prompt tokens are jtokkit's count times this (default 1.10: other providers' tokenizers count more). */
        public Builder promptMargin(BigDecimal m) {
            if (m == null || m.compareTo(BigDecimal.ONE) < 0) throw new IllegalArgumentException("promptMargin must be at least 1");
            this.promptMargin = m;
            return this;
        }

        /**
         * The tokens one image in a prompt is reserved for (default 2,500: above the providers' published
         * rules for one image at the largest size they take before resizing it: OpenAI's high detail
         * 1,445 for the gpt-4o family and up to ~2,490 for patch-based models, Anthropic's ~1,600).
         */
        public Builder imageTokens(int n) {
            if (n < 1) throw new IllegalArgumentException("imageTokens must be at least 1");
            this.imageTokens = n;
            return this;
        }

        /**
         * The tokens an audio, video or PDF part is reserved for (default 0: its tokens depend on its
         * length, which the request does not say, so under an enforced budget such a call is refused as
         * unbounded; set a bound that fits your inputs to admit them).
         */
        public Builder otherPartTokens(int n) {
            if (n < 0) throw new IllegalArgumentException("otherPartTokens must not be negative");
            this.otherPartTokens = n;
            return this;
        }

        public Builder tokenCounter(TokenCounter t) { this.tokens = Objects.requireNonNull(t); return this; }

        public Builder clock(Clock c) { this.clock = Objects.requireNonNull(c); return this; }

        public BudgetGuard build() {
            return new BudgetGuard(this);
        }
    }
}
