package dev.chatlog.core.budget;

import dev.chatlog.core.ChatContext;
import java.util.Set;

/**
 * What one LLM call is for, as budgets see it: the user, conversation, chat mode and agent of the
 * turn it belongs to, the model it asks for, the turn's tags and its experiment arm ({@code <experiment>/<variant>}). A budget ({@code dev.chatlog.budgets.Budget}) covers the calls
 * whose subject matches its scope.
 */
public record BudgetSubject(String userId, String conversationId, String chatMode, String agent, String model, Set<String> tags, String arm) {
    public BudgetSubject {
        tags = tags == null ? Set.of() : tags;
    }

    /**
     * The subject of a call to {@code model} made in {@code context}. An evaluator's call (an LLM judge rating a turn,
     * {@link ChatContext#evaluation()}) is no spend of the turn's user or conversation: it counts in the global, model
     * and tag budgets only (a {@code tag} budget on {@code judge} caps the judge).
     */
    public static BudgetSubject of(ChatContext context, String model) {
        if (context.evaluation()) return new BudgetSubject(null, null, null, null, model, context.tags(), null);
        return new BudgetSubject(context.userId(), context.conversationId(), context.chatMode(), context.agent(), model, context.tags(),
                context.arm());
    }
}
