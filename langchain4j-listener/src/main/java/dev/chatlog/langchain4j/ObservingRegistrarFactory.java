package dev.chatlog.langchain4j;

import dev.langchain4j.observability.api.AiServiceListenerRegistrar;
import dev.langchain4j.observability.api.DefaultAiServiceListenerRegistrar;
import dev.langchain4j.observability.api.event.AiServiceEvent;
import dev.langchain4j.observability.api.listener.AiServiceListener;
import dev.langchain4j.spi.observability.AiServiceListenerRegistrarFactory;

/**
 * The registrar factory LangChain4j asks for each AI service's event registrar (a {@link java.util.ServiceLoader}
 * service, declared in this jar's {@code META-INF/services}). Its registrar is another library's one when the class
 * path has one, else LangChain4j's default one, and also hands every event to {@link ChatLogAiServices#observeAll}'s
 * observer — unless the service was observed on its builder ({@link ChatLogAiServices#observe}), or
 * {@code observeAll} was never called (then it does nothing more than the registrar it wraps). LangChain4j uses the
 * first factory it finds: when that is the other library's, {@code observeAll} says so in the log, and AI services
 * then need {@code observe} by hand.
 */
public final class ObservingRegistrarFactory implements AiServiceListenerRegistrarFactory {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ObservingRegistrarFactory.class);

    @Override
    public AiServiceListenerRegistrar get() {
        return new ObservingRegistrar(other());
    }

    /** Another library's factory on the class path, if any: its registrar does the registering, this one only watches. */
    private static AiServiceListenerRegistrar other() {
        try {
            for (AiServiceListenerRegistrarFactory f : java.util.ServiceLoader.load(AiServiceListenerRegistrarFactory.class)) {
                if (!(f instanceof ObservingRegistrarFactory)) return f.get();
            }
        } catch (RuntimeException | java.util.ServiceConfigurationError e) {
            log.debug("no other AI-service registrar factory: {}", e.toString());
        }
        return new DefaultAiServiceListenerRegistrar();
    }

    /** Says once, loudly, when LangChain4j chose another library's factory: then only services observed on their builder are. */
    static void warnIfNotChosen() {
        try {
            AiServiceListenerRegistrar chosen = AiServiceListenerRegistrar.newInstance();
            if (!(chosen instanceof ObservingRegistrar)) {
                log.warn("chatlog: LangChain4j uses another AiServiceListenerRegistrarFactory ({}), so AI services are not observed "
                        + "automatically; build them with ChatLogAiServices.observe(...)", chosen.getClass().getName());
            }
        } catch (RuntimeException | java.util.ServiceConfigurationError e) {
            log.warn("chatlog: could not check LangChain4j's AI-service registrar: {}", e.toString());
        }
    }

    private static final class ObservingRegistrar implements AiServiceListenerRegistrar {
        private final AiServiceListenerRegistrar delegate;

        ObservingRegistrar(AiServiceListenerRegistrar delegate) {
            this.delegate = delegate;
        }
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
