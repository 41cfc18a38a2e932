package dev.chatlog.langchain4j;

import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.Ids;
import dev.chatlog.core.LlmCall;
import dev.chatlog.core.CallType;
import dev.chatlog.core.ChatContext;
import dev.chatlog.core.StepScope;
import dev.chatlog.core.TokenSource;
import dev.langchain4j.observability.api.event.AiServiceCompletedEvent;
import dev.langchain4j.observability.api.event.AiServiceErrorEvent;
import dev.langchain4j.observability.api.event.AiServiceStartedEvent;
import dev.langchain4j.observability.api.listener.AiServiceCompletedListener;
import dev.langchain4j.observability.api.listener.AiServiceErrorListener;
import dev.langchain4j.observability.api.listener.AiServiceStartedListener;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.tool.ToolExecution;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes every invocation of a LangChain4j AI Service one {@code agent} row, with its LLM calls,
 * embedding calls (retrieval) and tool executions as children, in order:
 *
 * <pre>{@code
 * Assistant a = ChatLogAiServices.observe(chatLogger, AiServices.builder(Assistant.class)
 *         .chatModel(model).tools(new OrderTools())).build();
 * }</pre>
 *
 * The started event opens an agent step on the invoking thread (LangChain4j 1.19 calls the chat
 * model there without listener attributes, so the chat listener links its rows through that
 * context); tool executions come from {@code afterToolExecution} (start, finish, result, failure);
 * completed and error events close the step. Dispatch is by exact event class, hence one listener
 * per event type. Blocking and streaming AI services are supported: a streaming one completes on a
 * callback thread, and the invoking thread drops the finished agent's context the next time it
 * reads its context (so its later calls are not charged to that agent, user or conversation).
 */
public final class ChatLogAiServices {
    private static final Logger log = LoggerFactory.getLogger(ChatLogAiServices.class);

    private final ChatLogger logger;
    private final Map<UUID, StepScope> open = new ConcurrentHashMap<>();
    private final AtomicLong failures = new AtomicLong();

    private ChatLogAiServices(ChatLogger logger) {
        this.logger = logger;
    }

    /** Registers the listeners on the builder and returns it. */
    public static <T> AiServices<T> observe(ChatLogger logger, AiServices<T> builder) {
        return new ChatLogAiServices(logger).attach(builder);
    }

    private <T> AiServices<T> attach(AiServices<T> builder) {
        builder.registerListener((AiServiceStartedListener) this::started);
        builder.registerListener((AiServiceCompletedListener) this::completed);
        builder.registerListener((AiServiceErrorListener) this::error);
        builder.afterToolExecution(this::toolExecuted);
        return builder;
    }

    private static String agentName(dev.langchain4j.invocation.InvocationContext ic) {
        String iface = ic.interfaceName();
        String simple = iface == null ? "AiService" : iface.substring(iface.lastIndexOf('.') + 1).replace('$', '.');
        return simple + "." + ic.methodName();
    }

    private void started(AiServiceStartedEvent e) {
        try {
            var ic = e.invocationContext();
            StepScope agent = logger.beginAgent(agentName(ic));
            agent.metadata("invocation_id", ic.invocationId().toString());
            if (e.userMessage() != null) {
                agent.metadata("user_message", e.userMessage().hasSingleText() ? e.userMessage().singleText() : "[multimodal]");
            }
            open.put(ic.invocationId(), agent);
        } catch (Throwable t) {
            failed(t);
        }
    }

    private void completed(AiServiceCompletedEvent e) {
        try {
            StepScope agent = open.remove(e.invocationContext().invocationId());
            if (agent != null) {
                agent.output(e.result().map(String::valueOf).orElse(null)).close();
            }
        } catch (Throwable t) {
            failed(t);
        }
    }

    private void error(AiServiceErrorEvent e) {
        try {
            StepScope agent = open.remove(e.invocationContext().invocationId());
            if (agent == null) { // failed before it started (e.g. a bad prompt template)
                agent = logger.beginAgent(agentName(e.invocationContext()));
            }
            agent.failed(e.error()).close();
        } catch (Throwable t) {
            failed(t);
        }
    }

    private void toolExecuted(ToolExecution t) {
        try {
            StepScope agent = open.get(t.invocationContext().invocationId());
            ChatContext parent = agent != null ? agent.context() : logger.context();
            var start = t.startTime().atZone(ZoneId.systemDefault()).toInstant();
            LlmCall.Builder row = LlmCall.builder().callId(Ids.newId()).callType(CallType.TOOL)
                    .context(parent).callSequence(parent.nextSequence()).functionName(t.request().name())
                    .inputText(t.request().arguments()).outputText(t.result()).startedAt(start)
                    .durationMs(Duration.between(t.startTime(), t.finishTime()).toNanos() / 1e6)
                    .inputTokens(0).outputTokens(0).tokenSource(TokenSource.PROVIDER)
                    .metadata(t.request().id() == null ? Map.of() : Map.of("tool_call_id", t.request().id()));
            if (t.hasFailed()) {
                row.success(false).errorType("tool_error").errorMessage(t.result());
            }
            logger.logCall(row.build());
        } catch (Throwable x) {
            failed(x);
        }
    }

    private void failed(Throwable t) {
        long n = failures.incrementAndGet();
        if (Long.bitCount(n) == 1) {
            log.warn("chatlog AI-service listener failure #{} (the AI service is not affected)", n, t);
        }
    }
}
