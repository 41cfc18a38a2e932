package dev.chatlog.langchain4j;

import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.moderation.ModerationModel;
import dev.langchain4j.model.moderation.ModerationRequest;
import dev.langchain4j.model.moderation.ModerationResponse;
import dev.langchain4j.model.moderation.listener.ModerationModelListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Attaches chatlog to a model that was built without it (a bean someone else made, such as
 * LangChain4j's Spring Boot starters do): LangChain4j has no way to add a listener to a built
 * {@code ChatModel}, so the model is wrapped. The wrapper runs LangChain4j's own call path (default
 * parameters merged, listeners notified, the provider's {@code doChat}) with chatlog's listener
 * after the model's own ones; everything else (parameters, capabilities, provider) is the model's.
 * A model that already has a chatlog listener is returned as it is, so nothing is logged twice.
 */
public final class ChatLogModels {
    private ChatLogModels() {}

    public static ChatModel observe(ChatModel model, ChatLogListener listener) {
        if (model instanceof Observed || hasChatLog(model.listeners())) return model;
        return new ObservedChatModel(model, with(model.listeners(), listener));
    }

    public static StreamingChatModel observe(StreamingChatModel model, ChatLogListener listener) {
        if (model instanceof Observed || hasChatLog(model.listeners())) return model;
        return new ObservedStreamingChatModel(model, with(model.listeners(), listener));
    }

    /** Embedding models can take a listener after they are built: LangChain4j's own {@code addListener}. */
    public static EmbeddingModel observe(EmbeddingModel model, ChatLogEmbeddingListener listener) {
        if (model.listeners().stream().anyMatch(l -> l instanceof ChatLogEmbeddingListener)) return model;
        return model.addListener(listener);
    }

    /**
     * A moderation model built without chatlog's listener, wrapped to have it: the wrapper runs LangChain4j's
     * {@code moderate} path with chatlog's listener around the model's own {@code moderate(ModerationRequest)} (its
     * listeners, and an implementation that overrides {@code moderate} instead of {@code doModerate}, work as before).
     */
    public static ModerationModel observe(ModerationModel model, ChatLogModerationListener listener) {
        if (model instanceof Observed || model.listeners().stream().anyMatch(l -> l instanceof ChatLogModerationListener)) return model;
        return new ObservedModerationModel(model, List.of(listener));
    }

    /** The model a wrapper stands for (the model itself when it is not one). */
    public static Object unwrap(Object model) {
        return model instanceof Observed o ? o.delegate() : model;
    }

    private static boolean hasChatLog(List<ChatModelListener> listeners) {
        return listeners != null && listeners.stream().anyMatch(l -> l instanceof ChatLogListener);
    }

    private static List<ChatModelListener> with(List<ChatModelListener> own, ChatLogListener listener) {
        List<ChatModelListener> all = new ArrayList<>(own == null ? List.of() : own);
        all.add(listener);
        return List.copyOf(all);
    }

    private interface Observed {
        Object delegate();
    }

    private record ObservedChatModel(ChatModel delegate, List<ChatModelListener> listeners) implements ChatModel, Observed {
        @Override
        public ChatResponse doChat(ChatRequest request) {
            return delegate.doChat(request);
        }

        @Override
        public ChatRequestParameters defaultRequestParameters() {
            return delegate.defaultRequestParameters();
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
            return delegate + " (observed by chatlog)";
        }
    }

    private record ObservedStreamingChatModel(StreamingChatModel delegate, List<ChatModelListener> listeners)
            implements StreamingChatModel, Observed {
        @Override
        public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
            delegate.doChat(request, handler);
        }

        @Override
        public ChatRequestParameters defaultRequestParameters() {
            return delegate.defaultRequestParameters();
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
            return delegate + " (observed by chatlog)";
        }
    }

    private record ObservedModerationModel(ModerationModel delegate, List<ModerationModelListener> listeners)
            implements ModerationModel, Observed {
        @Override
        public ModerationResponse doModerate(ModerationRequest request) {
            return delegate.moderate(request);
        }

        @Override
        public ModelProvider provider() {
            return delegate.provider();
        }

        @Override
        public String modelName() {
            return delegate.modelName();
        }

        @Override
        public String toString() {
            return delegate + " (observed by chatlog)";
        }
    }
}
