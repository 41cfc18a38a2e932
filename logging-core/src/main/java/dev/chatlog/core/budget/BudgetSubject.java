package dev.chatlog.core.budget;

import dev.chatlog.core.ChatContext;
import java.util.Set;

/**
 * What one LLM call is for, as budgets see it: the user, conversation, chat mode and agent of the
 * turn it belongs to, the model it asks for, and the turn's tags. A budget ({@code dev.chatlog.budgets.Budget}) covers the calls
 * whose subject matches its scope.
 */
public record BudgetSubject(String userId, String conversationId, String chatMode, String agent, String model, Set<String> tags) {
    public BudgetSubject {
        tags = tags == null ? Set.of() : tags;
    }

    /** The subject of a call to {@code model} made in {@code context}. */
    public static BudgetSubject of(ChatContext context, String model) {
        return new BudgetSubject(context.userId(), context.conversationId(), context.chatMode(), context.agent(), model, context.tags());
    }
}
