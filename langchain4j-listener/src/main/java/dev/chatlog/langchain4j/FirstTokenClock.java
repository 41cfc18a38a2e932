package dev.chatlog.langchain4j;

import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.PartialThinking;
import dev.langchain4j.model.chat.response.PartialToolCall;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;

/**
 * Time to first token for streaming calls. LangChain4j's listener sees no partial responses, so
 * wrap the handler: {@code model.chat(request, FirstTokenClock.wrap(handler))}. The wrapper is
 * handed to the listener through the calling thread (the listener's {@code onRequest} runs on it
 * inside {@code chat(...)}), and records when the first partial response arrives.
 */
public final class FirstTokenClock {
    private static final ThreadLocal<FirstTokenClock> PENDING = new ThreadLocal<>();
    private volatile long firstTokenNanos;

    private FirstTokenClock() {}

    /** Wraps a streaming handler; call the model with the result on the same thread. */
    public static StreamingChatResponseHandler wrap(StreamingChatResponseHandler handler) {
        FirstTokenClock clock = new FirstTokenClock();
        PENDING.set(clock);
        return new Timed(handler, clock);
    }

    /** Taken by the listener in {@code onRequest}; null when the handler was not wrapped. */
    static FirstTokenClock takePending() {
        FirstTokenClock c = PENDING.get();
        if (c != null) {
            PENDING.remove();
        }
        return c;
    }

    void mark() {
        if (firstTokenNanos == 0) {
            firstTokenNanos = System.nanoTime();
        }
    }

    /** Nanos of the first partial response, or 0. */
    long firstTokenNanos() {
        return firstTokenNanos;
    }

    private record Timed(StreamingChatResponseHandler delegate, FirstTokenClock clock) implements StreamingChatResponseHandler {
        @Override
        public void onPartialResponse(String partialResponse) {
            clock.mark();
            delegate.onPartialResponse(partialResponse);
        }

        @Override
        public void onPartialResponse(PartialResponse partialResponse, PartialResponseContext context) {
            clock.mark();
            delegate.onPartialResponse(partialResponse, context);
        }

        @Override
        public void onPartialThinking(PartialThinking partialThinking) {
            clock.mark();
            delegate.onPartialThinking(partialThinking);
        }

        @Override
        public void onPartialToolCall(PartialToolCall partialToolCall) {
            clock.mark();
            delegate.onPartialToolCall(partialToolCall);
        }

        @Override
        public void onCompleteResponse(ChatResponse completeResponse) {
            delegate.onCompleteResponse(completeResponse);
        }

        @Override
        public void onError(Throwable error) {
            delegate.onError(error);
        }
    }
}
