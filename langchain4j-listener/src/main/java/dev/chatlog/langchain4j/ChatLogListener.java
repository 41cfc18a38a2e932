package dev.chatlog.langchain4j;

import dev.chatlog.core.ChatContext;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.Ids;
import dev.chatlog.core.token.TokenCounter;
import dev.langchain4j.model.chat.listener.ChatModelErrorContext;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.listener.ChatModelRequestContext;
import dev.langchain4j.model.chat.listener.ChatModelResponseContext;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands every call of a LangChain4j {@code ChatModel} or {@code StreamingChatModel} to the
 * {@link ChatLogger}. Attach it with the model builder's {@code listeners(...)}.
 *
 * <p>On the caller's thread it only takes the time, the current {@link ChatContext} and references
 * to the request and response, and enqueues; rendering text, counting tokens and pricing happen
 * on the writer thread. State goes from {@code onRequest} to {@code onResponse}/{@code onError}
 * through the call's {@code attributes()} map, so streaming callbacks on an HTTP thread attribute
 * to the conversation that was current when the call started. Nothing it does can throw into the
 * model call: every callback catches and counts its own failures.
 */
public final class ChatLogListener implements ChatModelListener {
    private static final Logger log = LoggerFactory.getLogger(ChatLogListener.class);
    static final String ATTRIBUTE = "dev.chatlog.call";

    private final ChatLogger logger;
    private final TokenCounter tokens;
    private final String provider; // who serves the model, when the client's ModelProvider does not say it
    private final AtomicLong failures = new AtomicLong();

    private ChatLogListener(Builder b) {
        this.logger = b.logger;
        this.tokens = b.tokens;
        this.provider = b.provider;
    }

    private dev.chatlog.core.LlmCall served(dev.chatlog.core.LlmCall c) {
        return provider == null ? c : c.toBuilder().provider(provider).build();
    }

    public static Builder builder(ChatLogger logger) {
        return new Builder(logger);
    }

    /** Callbacks that failed inside the listener (and were swallowed). */
    public long failures() {
        return failures.get();
    }

    @Override
    public void onRequest(ChatModelRequestContext ctx) {
        try {
            ChatContext context = logger.context();
            ctx.attributes().put(ATTRIBUTE, new Started(Ids.newId(), Instant.now(), System.nanoTime(),
                    Thread.currentThread(), context, context.nextSequence(), FirstTokenClock.takePending()));
        } catch (Throwable t) {
            failed(t);
        }
    }

    @Override
    public void onResponse(ChatModelResponseContext ctx) {
        try {
            long end = System.nanoTime();
            Started started = started(ctx.attributes().remove(ATTRIBUTE));
            boolean streaming = started.clock() != null || started.thread() != Thread.currentThread();
            var request = ctx.chatRequest();
            var response = ctx.chatResponse();
            var provider = ctx.modelProvider();
            logger.logCall(() -> served(CallRenderer.success(started, end, streaming, request, response, provider, tokens)));
        } catch (Throwable t) {
            failed(t);
        }
    }

    @Override
    public void onError(ChatModelErrorContext ctx) {
        try {
            long end = System.nanoTime();
            Started started = started(ctx.attributes().remove(ATTRIBUTE));
            boolean streaming = started.clock() != null || started.thread() != Thread.currentThread();
            var request = ctx.chatRequest();
            var error = ctx.error();
            var provider = ctx.modelProvider();
            logger.logCall(() -> served(CallRenderer.failure(started, end, streaming, request, error, provider, tokens)));
        } catch (Throwable t) {
            failed(t);
        }
    }

    /** What onRequest saw; a response without it (listener attached mid-call) still gets logged. */
    private static Started started(Object o) {
        if (o instanceof Started s) {
            return s;
        }
        ChatContext c = ChatContext.current();
        return new Started(Ids.newId(), Instant.now(), System.nanoTime(), Thread.currentThread(), c, 0, null);
    }

    private void failed(Throwable t) {
        long n = failures.incrementAndGet();
        if (Long.bitCount(n) == 1) {
            log.warn("chatlog listener failure #{} (the model call is not affected)", n, t);
        }
    }

    /** State captured in onRequest. */
    record Started(String callId, Instant startedAt, long startNanos, Thread thread, ChatContext context,
                   int sequence, FirstTokenClock clock) {}

    public static final class Builder {
        private final ChatLogger logger;
        private TokenCounter tokens = TokenCounter.shared();
        private String provider;

        private Builder(ChatLogger logger) {
            this.logger = Objects.requireNonNull(logger, "logger");
        }

        /**
         * The provider that serves this listener's model, stored on its calls in place of the client's
         * {@code ModelProvider}: for an OpenAI-compatible client pointed at another vendor
         * ({@code groq}, {@code deepseek}, {@code openrouter}: a provider id of the price data).
         */
        public Builder provider(String id) {
            provider = id == null || id.isBlank() ? null : id.trim().toLowerCase(java.util.Locale.ROOT);
            return this;
        }

        /**
         * The base URL the model's client calls, to tell its provider the way the price data does
         * (each provider's {@code api_pattern}): {@code https://api.groq.com/openai/v1} is Groq. A URL
         * no provider claims (a self-hosted server) sets nothing.
         */
        public Builder baseUrl(String url) {
            if (url != null) dev.chatlog.core.price.GenaiPrices.bundled().providerAt(url.trim()).ifPresent(this::provider);
            return this;
        }

        public Builder tokenCounter(TokenCounter v) {
            tokens = Objects.requireNonNull(v);
            return this;
        }

        public ChatLogListener build() {
            return new ChatLogListener(this);
        }
    }
}
