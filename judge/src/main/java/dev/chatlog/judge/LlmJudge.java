package dev.chatlog.judge;

import dev.chatlog.core.CallType;
import dev.chatlog.core.ChatContext;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.LlmCall;
import dev.chatlog.core.budget.BudgetException;
import dev.chatlog.core.price.PriceCatalog;
import dev.chatlog.core.score.Score;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.TokenUsage;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.List;
import java.util.Objects;

/**
 * An LLM judge: asks a LangChain4j {@link ChatModel} to rate a message or a call of the log against a {@link Rubric},
 * and records the rating as a score (source {@code llm_judge}; evaluator the judge's name; version and key the rubric's
 * version and the judge's model, so each version of the wording and each model keeps its own scores) with the reason as
 * its comment, through the logger like any score.
 *
 * <p>The judge's own call is made in the target's context marked as an evaluation: the model's chatlog listener
 * records it as an {@code evaluation} row, a child of the call it rates (of the message, for a message), with its
 * tokens and cost — counted in the figures over time (function {@code judge:<name>}, tags {@code judge} and
 * {@code judge:<name>}), never in the turn's totals. Give the judge a model observed by chatlog's listener, under a
 * {@code BudgetGuard} to cap its spend (a budget of scope {@code tag}, value {@code judge}): a refusal is
 * {@link Verdict.Outcome#REFUSED_BY_BUDGET}, never thrown.
 */
public final class LlmJudge {
    /** The longest reply asked of the judge (a score and a sentence): what a budget reserves for it. */
    public static final int MAX_REPLY_TOKENS = 256;
    private final String name;
    private final ChatModel model;
    private final Rubric rubric;
    private final ChatLogger log;
    private final PriceCatalog prices;
    private final Clock clock;
    private final java.util.concurrent.atomic.AtomicBoolean backfilling = new java.util.concurrent.atomic.AtomicBoolean();

    public LlmJudge(String name, ChatModel model, Rubric rubric, ChatLogger log, PriceCatalog prices, Clock clock) {
        if (name == null || !name.matches("[A-Za-z0-9._:-]{1,90}")) throw new IllegalArgumentException("a judge's name is 1 to 90 of letters, digits and . _ : -");
        this.name = name;
        this.model = Objects.requireNonNull(model, "model");
        this.rubric = Objects.requireNonNull(rubric, "rubric");
        this.log = Objects.requireNonNull(log, "log");
        this.prices = Objects.requireNonNull(prices, "prices");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public String name() { return name; }
    public Rubric rubric() { return rubric; }
    /** The judge's model name as its requests name it (null when its default parameters name none). */
    public String modelName() {
        return model.defaultRequestParameters() == null ? null : model.defaultRequestParameters().modelName();
    }
    /**
     * The judge's version as its scores carry it (evaluator version and key): the rubric's version and the model its
     * requests name ({@code v1 gpt-4o-mini}), cut to 100 characters. A new wording or model keeps apart from the old.
     */
    public String version() {
        return cut((rubric.version() + " " + Objects.toString(modelName(), "")).strip());
    }

    /** The function its evaluation rows are grouped by. */
    public String function() { return "judge:" + name; }

    /** Rates {@code t}, on the calling thread, and records the score. Never throws for the model's failures. */
    public Verdict judge(JudgeTarget t) {
        ChatContext c = ChatContext.forMessage(t.conversationId(), t.messageId() == null ? "" : t.messageId())
                .withParent(t.callId()).withUser(t.userId()).withFunction(function()).withTag("judge").withTag(function()).asEvaluation();
        ChatResponse response;
        try (ChatContext.Scope s = c.makeCurrent()) {
            response = model.chat(ChatRequest.builder().messages(rubric.prompt(t.input(), t.answer())).maxOutputTokens(MAX_REPLY_TOKENS).build());
        } catch (BudgetException refused) {
            return new Verdict(t, Verdict.Outcome.REFUSED_BY_BUDGET, null, 0, 0, BigDecimal.ZERO, refused.getMessage());
        } catch (RuntimeException e) {
            return new Verdict(t, Verdict.Outcome.FAILED, null, 0, 0, null, String.valueOf(e.getMessage()));
        }
        TokenUsage u = response.tokenUsage();
        long in = u == null || u.inputTokenCount() == null ? 0 : u.inputTokenCount();
        long out = u == null || u.outputTokenCount() == null ? 0 : u.outputTokenCount();
        String usedModel = response.modelName() != null ? response.modelName() : modelName();
        BigDecimal cost = cost(usedModel, in, out);
        Verdict.Rating r = rubric.read(response.aiMessage() == null ? null : response.aiMessage().text());
        if (r == null) return new Verdict(t, Verdict.Outcome.UNREADABLE, null, in, out, cost, "the judge's reply is not a rating");
        String reason = r.reason() == null ? null : r.reason().length() > Score.MAX_COMMENT ? r.reason().substring(0, Score.MAX_COMMENT) : r.reason();
        String version = version();
        log.score(new Score(t.target(), t.targetId(), rubric.name(), r.value(), null, Score.Source.LLM_JUDGE, name,
                version, version, reason, clock.instant()));
        return new Verdict(t, Verdict.Outcome.SCORED, new Verdict.Rating(r.value(), reason), in, out, cost, null);
    }

    boolean startBackfill() {
        return backfilling.compareAndSet(false, true);
    }

    void endBackfill() {
        backfilling.set(false);
    }

    /**
     * Checks that a definition of the rubric's score name ({@code d}, null when there is none) takes every rating the
     * rubric can give, so no judge call is paid for a score the store would refuse.
     *
     * @throws IllegalArgumentException naming the definition when it does not
     */
    public void checkDefinition(dev.chatlog.core.score.ScoreDefinition d) {
        if (d == null) return;
        List<BigDecimal> ratings = rubric.scale() == Rubric.Scale.PASS_FAIL ? List.of(BigDecimal.ZERO, BigDecimal.ONE)
                : List.of(BigDecimal.ONE, BigDecimal.valueOf(2), BigDecimal.valueOf(3), BigDecimal.valueOf(4), BigDecimal.valueOf(5));
        for (BigDecimal v : ratings) {
            try {
                d.check(new Score(Score.Target.MESSAGE, "check", rubric.name(), v, null, Score.Source.LLM_JUDGE, name, null, null, null, clock.instant()));
            } catch (dev.chatlog.core.InvalidDefinitionException e) {
                throw new IllegalArgumentException("the score definition " + d.name() + " does not take the rubric's rating " + v.toPlainString()
                        + " (" + e.getMessage() + "): give the rubric another name or change the definition");
            }
        }
    }

    /**
     * Gets the store ready for this judge's scores, as a deployment starts it: defines the rubric's scale (numeric 1 to
     * 5, or boolean) under the rubric's name when no definition of that name exists, so warnings and agreement read it;
     * a user's own definition stays, and is checked ({@link #checkDefinition}).
     */
    public void prepare(dev.chatlog.sql.score.ScoreDefinitions definitions) {
        boolean passFail = rubric.scale() == Rubric.Scale.PASS_FAIL;
        boolean defined = definitions.putIfAbsent(new dev.chatlog.core.score.ScoreDefinition(rubric.name(),
                passFail ? dev.chatlog.core.score.ScoreDefinition.Type.BOOLEAN : dev.chatlog.core.score.ScoreDefinition.Type.NUMERIC,
                passFail ? null : BigDecimal.ONE, passFail ? null : BigDecimal.valueOf(5), null,
                "the LLM judge's rubric " + rubric.version() + (passFail ? ", pass or fail" : ", 1 to 5")));
        if (!defined) checkDefinition(definitions.get(rubric.name()).orElse(null)); // a user's (or another instance's) stays
    }

    /** Waits until the scores recorded so far are stored (a backfill's end: a next plan sees them rated). */
    boolean flush(java.time.Duration timeout) {
        return log.flush(timeout);
    }

    private static String cut(String s) {
        return s.length() > Score.MAX_NAME ? s.substring(0, Score.MAX_NAME) : s;
    }

    /** What {@code in} and {@code out} tokens of {@code model} cost at the current prices; null when it has none. */
    BigDecimal cost(String modelName, long in, long out) {
        if (modelName == null) return null;
        LlmCall priced = prices.price(LlmCall.builder().callId("judge-estimate").callType(CallType.EVALUATION).model(modelName)
                .startedAt(clock.instant()).inputTokens((int) Math.min(in, Integer.MAX_VALUE)).outputTokens((int) Math.min(out, Integer.MAX_VALUE))
                .durationMs(0).success(true).build());
        return priced.priced() ? priced.costEstimate() : null;
    }
}
