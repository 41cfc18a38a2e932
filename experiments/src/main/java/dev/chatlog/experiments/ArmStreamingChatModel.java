package dev.chatlog.experiments;

import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.ChatRequestOptions;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * {@link ArmChatModel} for streaming: each streamed call goes to the model of the arm its turn is in (the same rules, so
 * {@code ttft_ms} can be compared between arms). The delegates keep their own listeners.
 */
public final class ArmStreamingChatModel implements StreamingChatModel {
    private final ArmRouting<StreamingChatModel> routing;

    private ArmStreamingChatModel(Builder b) {
        this.routing = new ArmRouting<>(b.experiment, b.control, b.variants, b.router);
    }

    public static Builder builder(String experiment) {
        Builder b = new Builder();
        b.experiment = experiment;
        return b;
    }

    public static final class Builder {
        private String experiment;
        private StreamingChatModel control;
        private final Map<String, StreamingChatModel> variants = new LinkedHashMap<>();
        private ExperimentRouter router;

        private Builder() {}

        /** The model of the control, and of every arm without a model of its own. */
        public Builder control(StreamingChatModel m) { control = m; return this; }
        /** The model of one variant. */
        public Builder variant(String name, StreamingChatModel m) { variants.put(name, Objects.requireNonNull(m)); return this; }
        /** Assigns a turn that is in no arm of this experiment by its conversation (and reads the variants' model names). */
        public Builder router(ExperimentRouter r) { router = r; return this; }
        public ArmStreamingChatModel build() { return new ArmStreamingChatModel(this); }
    }

    @Override
    public void chat(ChatRequest request, StreamingChatResponseHandler handler) {
        chat(request, null, handler);
    }

    @Override
    public void chat(ChatRequest request, ChatRequestOptions options, StreamingChatResponseHandler handler) {
        ArmRouting.Route<StreamingChatModel> r = routing.route(request);
        try { // the listeners read the context as the call starts, on this thread
            if (options == null) r.target().chat(r.request(), handler);
            else r.target().chat(r.request(), options, handler);
        } finally {
            r.close();
        }
    }

    @Override
    public ChatRequestParameters defaultRequestParameters() {
        return routing.control().defaultRequestParameters();
    }

    @Override
    public List<ChatModelListener> listeners() {
        return List.of();
    }

    @Override
    public ModelProvider provider() {
        return routing.control().provider();
    }

    @Override
    public Set<Capability> supportedCapabilities() {
        return routing.control().supportedCapabilities();
    }
}
