package dev.chatlog.langchain4j;

import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.ChatRequestOptions;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import java.util.List;
import java.util.Set;

/** A {@link ChatModel} whose calls are admitted by a {@link BudgetGuard} before they are sent. */
final class BudgetedChatModel implements ChatModel {
    private final ChatModel delegate;
    private final BudgetGuard guard;

    BudgetedChatModel(ChatModel delegate, BudgetGuard guard) {
        this.delegate = delegate;
        this.guard = guard;
    }

    @Override
    public ChatResponse chat(ChatRequest request) {
        BudgetGuard.Admitted a = guard.admit(request, delegate.defaultRequestParameters(), delegate.provider());
        return ended(a, () -> delegate.chat(a.request()));
    }

    @Override
    public ChatResponse chat(ChatRequest request, ChatRequestOptions options) {
        BudgetGuard.Admitted a = guard.admit(request, delegate.defaultRequestParameters(), delegate.provider());
        return ended(a, () -> delegate.chat(a.request(), options));
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        BudgetGuard.Admitted a = guard.admit(request, delegate.defaultRequestParameters(), delegate.provider());
        return ended(a, () -> delegate.doChat(a.request()));
    }

    private ChatResponse ended(BudgetGuard.Admitted a, java.util.function.Supplier<ChatResponse> call) {
        ChatResponse response;
        try {
            response = call.get();
        } catch (RuntimeException | Error e) {
            guard.failed(a, e); // released, or, for a timeout, settled at the worst case
            throw e;
        }
        guard.settle(a, response);
        return response;
    }

    @Override
    public ChatRequestParameters defaultRequestParameters() {
        return delegate.defaultRequestParameters();
    }

    @Override
    public List<ChatModelListener> listeners() {
        return List.of(); // the delegate notifies its own listeners: listing them here would notify them twice
    }

    @Override
    public ModelProvider provider() {
        return delegate.provider();
    }

    @Override
    public Set<Capability> supportedCapabilities() {
        return delegate.supportedCapabilities();
    }

    @Override
    public String toString() {
        return delegate + " (under chatlog budgets)";
    }
}
