package dev.chatlog.experiments;

import dev.chatlog.core.ChatContext;
import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.ChatRequestOptions;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A {@link ChatModel} that sends each request to the model of the arm its turn is in: the arm of this experiment in
 * {@link ChatContext#current()} (set by {@link ExperimentRouter#enter} or {@code MessageTurn.arm}), else — with a router,
 * for a turn in no arm yet — the arm the turn's conversation is assigned ({@link ChatContext#claimArm}: the turn's message
 * and later calls carry it too; a call outside any turn carries it alone), else the control. A variant with a
 * model of its own is sent there; a variant without one is sent to the control's model with the variant's
 * {@link Variant#model() model name} on the request, when it names one. Usable wherever a {@code ChatModel} is, AI
 * Services included; the delegates keep their own listeners, so each call is captured once, by the model that made it.
 *
 * <pre>{@code
 * ChatModel model = ArmChatModel.builder("checkout-model").router(router)
 *         .control(gpt4o).variant("cheap", gpt4oMini).build();
 * }</pre>
 */
public final class ArmChatModel implements ChatModel {
    private final ArmRouting<ChatModel> routing;

    private ArmChatModel(Builder b) {
        this.routing = new ArmRouting<>(b.experiment, b.control, b.variants, b.router);
    }

    public static Builder builder(String experiment) {
        Builder b = new Builder();
        b.experiment = experiment;
        return b;
    }

    public static final class Builder {
        private String experiment;
        private ChatModel control;
        private final Map<String, ChatModel> variants = new LinkedHashMap<>();
        private ExperimentRouter router;

        private Builder() {}

        /** The model of the control, and of every arm without a model of its own. */
        public Builder control(ChatModel m) { control = m; return this; }
        /** The model of one variant. */
        public Builder variant(String name, ChatModel m) { variants.put(name, Objects.requireNonNull(m)); return this; }
        /** Assigns a turn that is in no arm of this experiment by its conversation (and reads the variants' model names). */
        public Builder router(ExperimentRouter r) { router = r; return this; }
        public ArmChatModel build() { return new ArmChatModel(this); }
    }

    @Override
    public ChatResponse chat(ChatRequest request) {
        return chat(request, null);
    }

    @Override
    public ChatResponse chat(ChatRequest request, ChatRequestOptions options) {
        ArmRouting.Route<ChatModel> r = routing.route(request);
        try {
            return options == null ? r.target().chat(r.request()) : r.target().chat(r.request(), options);
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
        return List.of(); // each delegate has its own
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
