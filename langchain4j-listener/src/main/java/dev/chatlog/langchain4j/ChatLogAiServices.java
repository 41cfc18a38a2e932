package dev.chatlog.langchain4j;

import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.LlmCall;
import dev.chatlog.core.ChatContext;
import dev.chatlog.core.StepScope;
import dev.langchain4j.observability.api.event.AiServiceCompletedEvent;
import dev.langchain4j.observability.api.event.AiServiceErrorEvent;
import dev.langchain4j.observability.api.event.AiServiceEvent;
import dev.langchain4j.observability.api.event.AiServiceResponseReceivedEvent;
import dev.langchain4j.observability.api.event.AiServiceStartedEvent;
import dev.langchain4j.observability.api.event.ToolExecutedEvent;
import dev.langchain4j.observability.api.event.GuardrailExecutedEvent;
import dev.langchain4j.observability.api.event.InputGuardrailExecutedEvent;
import dev.langchain4j.observability.api.event.OutputGuardrailExecutedEvent;
import dev.langchain4j.observability.api.listener.AiServiceCompletedListener;
import dev.langchain4j.observability.api.listener.AiServiceErrorListener;
import dev.langchain4j.observability.api.listener.AiServiceListener;
import dev.langchain4j.observability.api.listener.AiServiceStartedListener;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.tool.ToolExecution;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes every invocation of a LangChain4j AI Service one {@code agent} row, with its LLM calls,
 * embedding calls (retrieval) and tool executions as children, in order. Either one service, on its builder:
 *
 * <pre>{@code
 * Assistant a = ChatLogAiServices.observe(chatLogger, AiServices.builder(Assistant.class)
 *         .chatModel(model).tools(new OrderTools())).build();
 * }</pre>
 *
 * or every AI service of the JVM, however it is built (LangChain4j's Spring Boot starter builds {@code @AiService}
 * beans itself): {@code ChatLogAiServices.observeAll(chatLogger)}. That works through LangChain4j's own event
 * registrar: this jar provides the {@code AiServiceListenerRegistrarFactory} each AI service asks for its
 * registrar (see {@link ObservingRegistrarFactory}); until {@code observeAll} is called, that registrar behaves
 * as LangChain4j's default one. A service observed on its builder is not observed twice.
 *
 * <p>The started event opens an agent step on the invoking thread (LangChain4j 1.19 calls the chat
 * model there without listener attributes, so the chat listener links its rows through that
 * context); completed and error events close the step. On a builder, tool executions come from
 * {@code afterToolExecution} (start, finish, result, failure); through {@code observeAll}, from the tool-executed
 * event, timed from the response that asked for the tool (or the previous tool) to the event, with no failure
 * flag (the event carries none). Blocking and streaming AI services are supported: a streaming one completes on a
 * callback thread, and the invoking thread drops the finished agent's context the next time it
 * reads its context (so its later calls are not charged to that agent, user or conversation).
 */
public final class ChatLogAiServices {
    private static final Logger log = LoggerFactory.getLogger(ChatLogAiServices.class);
    private static final AtomicReference<ChatLogger> INSTALLED = new AtomicReference<>();
    /** When {@link #observeAll} last installed a logger: an error of an invocation started before it made no agent. */
    private static volatile Instant installedAt = Instant.MAX;
    /**
     * An invocation with no completed or error event this long after its start (a token stream never started, an
     * error no listener was told of) is closed as incomplete, so it holds no memory and no thread's context.
     */
    static final java.time.Duration ABANDONED_AFTER = java.time.Duration.ofMinutes(30);
    /** The observer of every AI service built without {@link #observe}: logs to the installed logger, if any. */
    static final ChatLogAiServices EVERYWHERE = new ChatLogAiServices(null);

    private final ChatLogger fixed;
    private final Map<UUID, Invocation> open = new ConcurrentHashMap<>();
    private volatile Instant nextSweep = Instant.now();
    private final AtomicLong failures = new AtomicLong();

    /** One invocation in flight: its agent step and when its last model response or tool finished. */
    private static final class Invocation {
        final ChatLogger logger;
        final StepScope agent;
        final Instant started = Instant.now();
        volatile Instant mark = started;

        Invocation(ChatLogger logger, StepScope agent) {
            this.logger = logger;
            this.agent = agent;
        }
    }

    private ChatLogAiServices(ChatLogger fixed) {
        this.fixed = fixed;
    }

    /** Registers the listeners on the builder and returns it. */
    public static <T> AiServices<T> observe(ChatLogger logger, AiServices<T> builder) {
        return new ChatLogAiServices(logger).attach(builder);
    }

    /**
     * Observes every AI service of this JVM not observed on its builder, built before or after this call, into
     * {@code logger}, until the returned handle is closed (or another logger is installed). The Spring Boot
     * starter calls it for the application's logger.
     */
    public static AutoCloseable observeAll(ChatLogger logger) {
        java.util.Objects.requireNonNull(logger, "logger");
        INSTALLED.set(logger);
        installedAt = Instant.now();
        ObservingRegistrarFactory.warnIfNotChosen();
        return () -> {
            INSTALLED.compareAndSet(logger, null);
            // invocations that never ended (a stream never started, an error no listener was told of) end here
            EVERYWHERE.open.entrySet().removeIf(en -> {
                if (en.getValue().logger != logger) return false;
                try {
                    en.getValue().agent.failed("incomplete", "not completed before chatlog stopped observing").close();
                } catch (Throwable t) {
                    EVERYWHERE.failed(t);
                }
                return true;
            });
        };
    }

    /** A listener registered by {@link #observe}: the registrar then leaves that service to it. */
    static final class Hook<T extends AiServiceEvent> implements AiServiceListener<T> {
        private final Class<T> type;
        private final Consumer<T> action;

        Hook(Class<T> type, Consumer<T> action) {
            this.type = type;
            this.action = action;
        }

        @Override
        public Class<T> getEventClass() {
            return type;
        }

        @Override
        public void onEvent(T event) {
            action.accept(event);
        }
    }

    private <T> AiServices<T> attach(AiServices<T> builder) {
        builder.registerListener(new Hook<>(AiServiceStartedEvent.class, this::started));
        builder.registerListener(new Hook<>(AiServiceCompletedEvent.class, this::completed));
        builder.registerListener(new Hook<>(AiServiceErrorEvent.class, this::error));
        builder.afterToolExecution(this::toolExecuted);
        builder.registerListener(new Hook<>(InputGuardrailExecutedEvent.class, this::guardrailExecuted));
        builder.registerListener(new Hook<>(OutputGuardrailExecutedEvent.class, this::guardrailExecuted));
        return builder;
    }

    /** Handles an event of a service observed through {@link #observeAll} (called by the registrar; never throws). */
    void onEvent(AiServiceEvent e) {
        try {
            if (e instanceof AiServiceStartedEvent s) {
                started(s);
            } else if (e instanceof AiServiceResponseReceivedEvent r) {
                Invocation in = open.get(r.invocationContext().invocationId());
                if (in != null) in.mark = Instant.now();
            } else if (e instanceof ToolExecutedEvent t) {
                toolExecuted(t);
            } else if (e instanceof GuardrailExecutedEvent<?, ?, ?> g) {
                guardrailExecuted(g);
            } else if (e instanceof AiServiceCompletedEvent c) {
                completed(c);
            } else if (e instanceof AiServiceErrorEvent x) {
                error(x);
            }
        } catch (Throwable t) {
            failed(t);
        }
    }

    private ChatLogger logger() {
        return fixed != null ? fixed : INSTALLED.get();
    }

    private static String agentName(dev.langchain4j.invocation.InvocationContext ic) {
        String iface = ic.interfaceName();
        String simple = iface == null ? "AiService" : iface.substring(iface.lastIndexOf('.') + 1).replace('$', '.');
        return simple + "." + ic.methodName();
    }

    private void started(AiServiceStartedEvent e) {
        sweep();
        try {
            ChatLogger logger = logger();
            if (logger == null) return;
            var ic = e.invocationContext();
            StepScope agent = logger.beginAgent(agentName(ic));
            agent.metadata("invocation_id", ic.invocationId().toString());
            if (e.userMessage() != null) {
                agent.metadata("user_message", e.userMessage().hasSingleText() ? e.userMessage().singleText() : "[multimodal]");
            }
            open.put(ic.invocationId(), new Invocation(logger, agent));
        } catch (Throwable t) {
            failed(t);
        }
    }

    private void completed(AiServiceCompletedEvent e) {
        try {
            Invocation in = open.remove(e.invocationContext().invocationId());
            if (in != null) {
                in.agent.output(e.result().map(String::valueOf).orElse(null)).close();
            }
        } catch (Throwable t) {
            failed(t);
        }
    }

    private void error(AiServiceErrorEvent e) {
        try {
            Invocation in = open.remove(e.invocationContext().invocationId());
            StepScope agent = in == null ? null : in.agent;
            ChatLogger logger = logger();
            boolean afterInstall = fixed != null || !e.invocationContext().timestamp().isBefore(installedAt);
            if (agent == null && logger != null && afterInstall) { // failed before it started (e.g. a bad prompt template)
                agent = logger.beginAgent(agentName(e.invocationContext()));
            }
            if (agent != null) agent.failed(e.error()).close();
        } catch (Throwable t) {
            failed(t);
        }
    }

    private void toolExecuted(ToolExecution t) {
        try {
            Invocation in = open.get(t.invocationContext().invocationId());
            ChatLogger logger = in != null ? in.logger : logger();
            ChatContext parent = in != null ? in.agent.context() : logger.context();
            LlmCall.Builder row = AiServiceRows.tool(parent, t.request(), t.result(), t.startTime().atZone(ZoneId.systemDefault()).toInstant(),
                    Duration.between(t.startTime(), t.finishTime()));
            if (t.hasFailed()) {
                row.success(false).errorType("tool_error").errorMessage(t.result());
            }
            logger.logCall(row.build());
        } catch (Throwable x) {
            failed(x);
        }
    }

    private void toolExecuted(ToolExecutedEvent e) {
        try {
            Invocation in = open.get(e.invocationContext().invocationId());
            ChatLogger logger = in != null ? in.logger : logger();
            if (logger == null) return;
            Instant end = Instant.now();
            Instant start = in == null ? end : in.mark;
            if (in != null) in.mark = end;
            ChatContext parent = in != null ? in.agent.context() : logger.context();
            logger.logCall(AiServiceRows.tool(parent, e.request(), e.resultText(), start, Duration.between(start, end)).build());
        } catch (Throwable x) {
            failed(x);
        }
    }

    /** A guardrail's row under the invocation's agent (see {@link AiServiceRows#guardrail}). */
    private void guardrailExecuted(GuardrailExecutedEvent<?, ?, ?> e) {
        try {
            Invocation in = open.get(e.invocationContext().invocationId());
            ChatLogger logger = in != null ? in.logger : logger();
            if (logger == null) return;
            ChatContext parent = in != null ? in.agent.context() : logger.context();
            logger.logCall(AiServiceRows.guardrail(parent, e).build());
        } catch (Throwable x) {
            failed(x);
        }
    }

    /** Closes the invocations left open past {@link #ABANDONED_AFTER} (checked at most once a minute). */
    private void sweep() {
        Instant now = Instant.now();
        if (now.isBefore(nextSweep)) return;
        nextSweep = now.plusSeconds(60);
        Instant cut = now.minus(ABANDONED_AFTER);
        open.entrySet().removeIf(en -> {
            if (!en.getValue().started.isBefore(cut)) return false;
            try {
                en.getValue().agent.failed("incomplete", "no completion within " + ABANDONED_AFTER.toMinutes() + " minutes").close();
            } catch (Throwable t) {
                failed(t);
            }
            return true;
        });
    }

    private void failed(Throwable t) {
        long n = failures.incrementAndGet();
        if (Long.bitCount(n) == 1) {
            log.warn("chatlog AI-service listener failure #{} (the AI service is not affected)", n, t);
        }
    }
}
