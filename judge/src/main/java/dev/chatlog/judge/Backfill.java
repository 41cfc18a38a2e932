package dev.chatlog.judge;

import dev.chatlog.core.score.Score;
import dev.chatlog.core.token.TokenCounter;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;

/**
 * Rates what a judge has not yet rated in a window of the past — never without a cap. The plan comes first: how many
 * targets are unrated, how many the caps let through (at most {@code maxTargets}, and, with {@code maxCostUsd}, as
 * many as fit in it at the longest reply the judge is allowed, {@link LlmJudge#MAX_REPLY_TOKENS}), and the expected
 * cost: each target's prompt counted by tokenizer plus {@link #ASSUMED_OUTPUT_TOKENS} of reply, priced at the judge
 * model's price. A dry run stops there. A run then judges the selected targets oldest first — one backfill of a judge
 * at a time ({@link Busy}) — and stops before a target whose longest reply could take the actual spend (a failed call
 * counted at its longest, as a timeout may be billed) over the cost cap, or at the first refusal of the judge's budget. With a cost cap and no price for the judge's model nothing is
 * judged: a spend that cannot be estimated cannot be capped.
 */
public final class Backfill {
    /** The reply a rubric asks for (a score and one sentence), in tokens, for the estimate. */
    public static final int ASSUMED_OUTPUT_TOKENS = 64;
    /** The most targets one backfill rates. */
    public static final int MAX_TARGETS = 10_000;

    /** Another backfill of the same judge is running: one at a time, so no target is paid for twice. */
    public static final class Busy extends IllegalStateException {
        Busy(String judge) {
            super("a backfill of judge " + judge + " is running: one at a time");
        }
    }

    /** A backfill's window, targets, filters and caps. */
    public record Request(Instant from, Instant to, Score.Target target, Set<String> models, Set<String> agents, Set<String> intents,
                          int maxTargets, BigDecimal maxCostUsd, boolean dryRun) {
        public Request {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(to, "to");
            if (!from.isBefore(to)) throw new IllegalArgumentException("from must be before to");
            target = target == null ? Score.Target.MESSAGE : target;
            if (target == Score.Target.CONVERSATION) throw new IllegalArgumentException("a judge rates messages or calls");
            if (maxTargets < 1 || maxTargets > MAX_TARGETS) throw new IllegalArgumentException("max_targets is 1 to " + MAX_TARGETS);
            if (maxCostUsd != null && maxCostUsd.signum() <= 0) throw new IllegalArgumentException("max_cost_usd is positive");
        }
    }

    /**
     * What a backfill would do: {@code unrated} targets in the window, {@code selected} of them under the caps,
     * their estimated tokens and cost (null when the judge's model has no price), and the cap that cut the selection
     * ({@code max_targets}, {@code max_cost}, {@code unpriced}; null when none did).
     */
    public record Plan(long unrated, int selected, long estimatedInputTokens, long estimatedOutputTokens, BigDecimal estimatedCostUsd,
                       String cappedBy) {}

    /** What a run did: the targets rated, unreadable, failed, refused; the actual spend (null if unpriced); why it stopped early. */
    public record Result(Plan plan, boolean dryRun, int scored, int unreadable, int failed, int refusedByBudget, BigDecimal spentUsd,
                         String stoppedBy) {}

    private final LlmJudge judge;
    private final Jdbi jdbi;
    private final TokenCounter tokens;

    public Backfill(LlmJudge judge, Jdbi jdbi, TokenCounter tokens) {
        this.judge = Objects.requireNonNull(judge, "judge");
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        this.tokens = Objects.requireNonNull(tokens, "tokens");
    }

    public Result run(Request r) {
        JudgeTargets.Filter f = new JudgeTargets.Filter(r.models(), r.agents(), r.intents());
        long unrated = jdbi.withHandle(h -> JudgeTargets.count(h, judge, r.target(), r.from(), r.to(), f));
        List<JudgeTarget> oldest = jdbi.withHandle(h -> JudgeTargets.oldest(h, judge, r.target(), r.from(), r.to(), f, r.maxTargets()));
        judge.checkDefinition(new dev.chatlog.sql.score.ScoreDefinitions(jdbi, java.time.Clock.systemUTC()).get(judge.rubric().name()).orElse(null));
        List<JudgeTarget> selected = new ArrayList<>();
        List<BigDecimal> worst = new ArrayList<>();
        long in = 0, out = 0;
        BigDecimal total = BigDecimal.ZERO, worstTotal = BigDecimal.ZERO;
        String cappedBy = unrated > oldest.size() ? "max_targets" : null;
        for (JudgeTarget t : oldest) {
            long tin = promptTokens(t);
            BigDecimal est = judge.cost(judge.modelName(), tin, ASSUMED_OUTPUT_TOKENS);
            BigDecimal most = judge.cost(judge.modelName(), tin, LlmJudge.MAX_REPLY_TOKENS); // what the cap must allow for
            if (est == null && r.maxCostUsd() != null) {
                return new Result(new Plan(unrated, 0, 0, 0, null, "unpriced"), r.dryRun(), 0, 0, 0, 0, BigDecimal.ZERO, "unpriced");
            }
            if (r.maxCostUsd() != null && worstTotal.add(most).compareTo(r.maxCostUsd()) > 0) {
                cappedBy = "max_cost";
                break;
            }
            if (most != null) worstTotal = worstTotal.add(most);
            selected.add(t);
            worst.add(most);
            in += tin;
            out += ASSUMED_OUTPUT_TOKENS;
            total = est == null || total == null ? null : total.add(est);
        }
        Plan plan = new Plan(unrated, selected.size(), in, out, total, cappedBy);
        if (r.dryRun()) return new Result(plan, true, 0, 0, 0, 0, BigDecimal.ZERO, null);
        if (!judge.startBackfill()) throw new Busy(judge.name());
        try {
            return judge(r, plan, selected, worst);
        } finally {
            judge.endBackfill();
        }
    }

    private Result judge(Request r, Plan plan, List<JudgeTarget> selected, List<BigDecimal> worst) {
        int scored = 0, unreadable = 0, failed = 0, refused = 0;
        BigDecimal spent = BigDecimal.ZERO;
        String stopped = null;
        for (int i = 0; i < selected.size(); i++) {
            if (r.maxCostUsd() != null && spent.add(worst.get(i)).compareTo(r.maxCostUsd()) > 0) {
                stopped = "max_cost"; // the actual spend leaves no room for the next call's longest reply
                break;
            }
            Verdict v = judge.judge(selected.get(i));
            if (v.costUsd() != null) spent = spent == null ? null : spent.add(v.costUsd());
            else if (v.outcome() == Verdict.Outcome.FAILED) spent = spent == null || worst.get(i) == null ? spent : spent.add(worst.get(i)); // a timeout may be billed
            else spent = null; // answered by a model with no price
            switch (v.outcome()) {
                case SCORED -> scored++;
                case UNREADABLE -> unreadable++;
                case FAILED -> failed++;
                case REFUSED_BY_BUDGET -> refused++;
            }
            if (v.outcome() == Verdict.Outcome.REFUSED_BY_BUDGET) {
                stopped = "budget";
                break;
            }
            if (spent == null && r.maxCostUsd() != null) {
                stopped = "unpriced";
                break;
            }
        }
        judge.flush(Duration.ofSeconds(30)); // rated now: a next plan counts them as rated
        return new Result(plan, false, scored, unreadable, failed, refused, spent, stopped);
    }

    private long promptTokens(JudgeTarget t) {
        List<TokenCounter.PromptMessage> messages = new ArrayList<>();
        for (var m : judge.rubric().prompt(t.input(), t.answer())) {
            String text = m instanceof dev.langchain4j.data.message.SystemMessage s ? s.text()
                    : ((dev.langchain4j.data.message.UserMessage) m).singleText();
            messages.add(new TokenCounter.PromptMessage(m.type() == dev.langchain4j.data.message.ChatMessageType.SYSTEM ? "system" : "user", text, null));
        }
        return tokens.countChat(judge.modelName(), messages);
    }
}
