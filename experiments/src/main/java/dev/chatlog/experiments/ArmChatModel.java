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
import java.util.Optional;
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
    private final String experiment;
    private final ChatModel control;
    private final Map<String, ChatModel> variants;
    private final ExperimentRouter router;

    private ArmChatModel(Builder b) {
        this.experiment = Objects.requireNonNull(b.experiment, "experiment");
        this.control = Objects.requireNonNull(b.control, "control");
        this.variants = Map.copyOf(b.variants);
        this.router = b.router;
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

    /** The variant the current turn is in, if it is in this experiment. */
    Optional<String> currentVariant() {
        String arm = ChatContext.current().arm();
        String prefix = experiment + '/';
        return arm != null && arm.startsWith(prefix) ? Optional.of(arm.substring(prefix.length())) : Optional.empty();
    }

    @Override
    public ChatResponse chat(ChatRequest request) {
        return route(request, null);
    }

    @Override
    public ChatResponse chat(ChatRequest request, ChatRequestOptions options) {
        return route(request, options);
    }

    private ChatResponse route(ChatRequest request, ChatRequestOptions options) {
        Optional<String> in = currentVariant();
        ChatContext.Scope scope = null;
        ChatContext ctx = ChatContext.current();
        if (in.isEmpty() && router != null && ctx.arm() == null) { // a turn in another experiment's arm stays on this one's control
            Optional<Variant> v = router.assign(experiment, ctx.conversationId());
            if (v.isPresent()) {
                if (ctx.messageId() != null) {
                    ctx.claimArm(experiment, v.get().name()); // the whole turn: its message and its later calls carry the arm
                } else {
                    scope = ctx.withArm(experiment, v.get().name()).makeCurrent(); // no turn: this call carries its arm
                }
                in = currentVariant().or(() -> Optional.of(v.get().name()));
            }
        }
        try {
            ChatModel target = in.map(variants::get).orElse(null);
            ChatRequest sent = request;
            if (target == null) {
                target = control;
                String name = in.flatMap(this::modelName).orElse(null);
                if (name != null) {
                    sent = request.toBuilder().parameters(request.parameters()
                            .overrideWith(ChatRequestParameters.builder().modelName(name).build())).build();
                }
            }
            return options == null ? target.chat(sent) : target.chat(sent, options);
        } finally {
            if (scope != null) scope.close();
        }
    }

    private Optional<String> modelName(String variant) {
        if (router == null) return Optional.empty();
        return router.experiment(experiment).flatMap(e -> e.variant(variant)).map(Variant::model);
    }

    @Override
    public ChatRequestParameters defaultRequestParameters() {
        return control.defaultRequestParameters();
    }

    @Override
    public List<ChatModelListener> listeners() {
        return List.of(); // each delegate has its own
    }

    @Override
    public ModelProvider provider() {
        return control.provider();
    }

    @Override
    public Set<Capability> supportedCapabilities() {
        return control.supportedCapabilities();
    }
}
