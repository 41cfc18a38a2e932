package dev.chatlog.spring;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** Whether {@code chatlog.web.turn-paths} names at least one path, in any of Spring's list spellings. */
class TurnPathsCondition extends SpringBootCondition {
    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        var paths = Binder.get(context.getEnvironment()).bind("chatlog.web.turn-paths", Bindable.listOf(String.class));
        return paths.isBound() && !paths.get().isEmpty()
                ? ConditionOutcome.match("chatlog.web.turn-paths " + paths.get())
                : ConditionOutcome.noMatch("chatlog.web.turn-paths is empty: no turn filter");
    }
}
