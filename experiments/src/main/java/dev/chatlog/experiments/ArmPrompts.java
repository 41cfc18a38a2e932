package dev.chatlog.experiments;

import dev.chatlog.core.ChatContext;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The prompt of the arm a turn is in: an experiment on prompts. The turn's arm of this experiment in
 * {@link ChatContext#current()}, else — with a router, for a turn in no arm yet — the arm its conversation is assigned
 * (claimed for the whole turn, as {@link ArmChatModel} does, so the model and the prompt agree), else the control's text.
 * Usable as an AI service's system message provider:
 *
 * <pre>{@code
 * ArmPrompts prompts = ArmPrompts.builder("tone").router(router)
 *         .control("You are a helpful shop assistant.").variant("brief", "Answer in one sentence.").build();
 * AiServices.builder(Assistant.class).chatModel(model).systemMessageProvider(prompts.systemMessages()).build();
 * }</pre>
 */
public final class ArmPrompts {
    private final ArmRouting<String> routing;

    private ArmPrompts(Builder b) {
        this.routing = new ArmRouting<>(b.experiment, b.control, b.variants, b.router);
    }

    public static Builder builder(String experiment) {
        Builder b = new Builder();
        b.experiment = experiment;
        return b;
    }

    public static final class Builder {
        private String experiment;
        private String control;
        private final Map<String, String> variants = new LinkedHashMap<>();
        private ExperimentRouter router;

        private Builder() {}

        /** The control's text, and every arm's without a text of its own. */
        public Builder control(String text) { control = text; return this; }
        public Builder variant(String name, String text) { variants.put(name, Objects.requireNonNull(text)); return this; }
        /** Assigns a turn that is in no arm of this experiment by its conversation. */
        public Builder router(ExperimentRouter r) { router = r; return this; }
        public ArmPrompts build() { return new ArmPrompts(this); }
    }

    /** The text for the current turn. */
    public String current() {
        return routing.choose();
    }

    /** {@link #current()} as an AI service's system message provider (the memory id is not used). */
    public Function<Object, String> systemMessages() {
        return memoryId -> current();
    }
}
