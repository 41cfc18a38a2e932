package dev.chatlog.experiments;

import dev.chatlog.core.ChatContext;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import java.util.Map;
import java.util.Optional;

/**
 * Where a call of an experiment's routing model goes — what {@link ArmChatModel}, {@link ArmStreamingChatModel} and
 * {@link ArmPrompts} share:
 * the turn's arm of the experiment, else (with a router, for a turn in no arm) the arm its conversation is assigned,
 * claimed for the whole turn ({@link ChatContext#claimArm}) or, outside a turn, for this call ({@link Route#scope}); the
 * variant's own model, else the control with the variant's model name on the request.
 */
final class ArmRouting<M> {
    /** The model to call, the request to send it, and a scope to close after the call starts (or null). */
    record Route<M>(M target, ChatRequest request, ChatContext.Scope scope) {
        void close() {
            if (scope != null) scope.close();
        }
    }

    private final String experiment;
    private final M control;
    private final Map<String, M> variants;
    private final ExperimentRouter router;

    ArmRouting(String experiment, M control, Map<String, M> variants, ExperimentRouter router) {
        this.experiment = java.util.Objects.requireNonNull(experiment, "experiment");
        this.control = java.util.Objects.requireNonNull(control, "control");
        this.variants = Map.copyOf(variants);
        this.router = router;
    }

    M control() {
        return control;
    }

    /** The variant the current turn is in, if it is in this experiment. */
    Optional<String> currentVariant() {
        String arm = ChatContext.current().arm();
        String prefix = experiment + '/';
        return arm != null && arm.startsWith(prefix) ? Optional.of(arm.substring(prefix.length())) : Optional.empty();
    }

    /** The turn's variant of this experiment after the claim, and the scope a call outside any turn was put in (or null). */
    private record Claim(Optional<String> variant, ChatContext.Scope scope) {}

    /**
     * The current turn's variant: its arm of this experiment, else (with a router, for a turn in no arm) the arm its
     * conversation is assigned — claimed for the whole turn, or with {@code outsideTurn} for a call outside any turn
     * (a scope to close). An evaluator's call (an LLM judge) is in no arm.
     */
    private Claim claim(boolean outsideTurn) {
        ChatContext ctx = ChatContext.current();
        if (ctx.evaluation()) return new Claim(Optional.empty(), null); // a judge rates every arm with the control's model
        Optional<String> in = currentVariant();
        ChatContext.Scope scope = null;
        if (in.isEmpty() && router != null && ctx.arm() == null) { // a turn in another experiment's arm stays on this one's control
            Optional<Variant> v = router.assign(experiment, ctx.conversationId());
            if (v.isPresent()) {
                if (ctx.messageId() != null) {
                    ctx.claimArm(experiment, v.get().name()); // the whole turn: its message and its later calls carry the arm
                } else if (outsideTurn) {
                    scope = ctx.withArm(experiment, v.get().name()).makeCurrent(); // no turn: this call carries its arm
                }
                in = currentVariant(); // what the turn holds now: another call may have claimed it first, for another experiment
            }
        }
        return new Claim(in, scope);
    }

    /** What the current turn's variant has ({@code variants}), else the control's; a turn's claim as {@link #route} makes it. */
    M choose() {
        return claim(false).variant().map(variants::get).orElse(control);
    }

    Route<M> route(ChatRequest request) {
        Claim c = claim(true);
        M target = c.variant().map(variants::get).orElse(null);
        if (target != null) return new Route<>(target, request, c.scope());
        String name = c.variant().flatMap(this::modelName).orElse(null);
        ChatRequest sent = name == null ? request : request.toBuilder().parameters(request.parameters()
                .overrideWith(ChatRequestParameters.builder().modelName(name).build())).build();
        return new Route<>(control, sent, c.scope());
    }

    private Optional<String> modelName(String variant) {
        if (router == null) return Optional.empty();
        return router.experiment(experiment).flatMap(e -> e.variant(variant)).map(Variant::model);
    }
}
