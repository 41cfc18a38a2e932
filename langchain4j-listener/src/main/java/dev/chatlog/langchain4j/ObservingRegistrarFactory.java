package dev.chatlog.langchain4j;

import dev.langchain4j.observability.api.AiServiceListenerRegistrar;
import dev.langchain4j.observability.api.DefaultAiServiceListenerRegistrar;
import dev.langchain4j.observability.api.event.AiServiceEvent;
import dev.langchain4j.observability.api.listener.AiServiceListener;
import dev.langchain4j.spi.observability.AiServiceListenerRegistrarFactory;

/**
 * The registrar factory LangChain4j asks for each AI service's event registrar (a {@link java.util.ServiceLoader}
 * service, declared in this jar's {@code META-INF/services}). Its registrar is LangChain4j's default one, which
 * also hands every event to {@link ChatLogAiServices#observeAll}'s observer — unless the service was observed on its
 * builder ({@link ChatLogAiServices#observe}), or {@code observeAll} was never called (then it does nothing more
 * than the default). LangChain4j uses the first factory found: an application with another one on its class path
 * gets that one, and {@code @AiService} beans then need {@code observe} by hand.
 */
public final class ObservingRegistrarFactory implements AiServiceListenerRegistrarFactory {
    @Override
    public AiServiceListenerRegistrar get() {
        return new ObservingRegistrar();
    }

    private static final class ObservingRegistrar implements AiServiceListenerRegistrar {
        private final DefaultAiServiceListenerRegistrar delegate = new DefaultAiServiceListenerRegistrar();
        private volatile boolean observedOnBuilder;

        @Override
        public <T extends AiServiceEvent> void register(AiServiceListener<T> listener) {
            if (listener instanceof ChatLogAiServices.Hook) observedOnBuilder = true;
            delegate.register(listener);
        }

        @Override
        public <T extends AiServiceEvent> void unregister(AiServiceListener<T> listener) {
            delegate.unregister(listener);
        }

        @Override
        public <T extends AiServiceEvent> void fireEvent(T event) {
            if (!observedOnBuilder) ChatLogAiServices.EVERYWHERE.onEvent(event); // never throws
            delegate.fireEvent(event);
        }

        @Override
        public void shouldThrowExceptionOnEventError(boolean shouldThrow) {
            delegate.shouldThrowExceptionOnEventError(shouldThrow);
        }
    }
}
