package dev.chatlog.langchain4j;

import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.ChatRequestOptions;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.CompleteToolCall;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.PartialThinking;
import dev.langchain4j.model.chat.response.PartialThinkingContext;
import dev.langchain4j.model.chat.response.PartialToolCall;
import dev.langchain4j.model.chat.response.PartialToolCallContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link StreamingChatModel} whose calls are admitted by a {@link BudgetGuard} before they are
 * sent. The reservation ends once: settled on the final response's usage; on an error or when the
 * application cancels the stream, settled to what was received so far (text, thinking, tool-call
 * arguments: the provider bills them), or, with nothing received, released (a timeout: settled at
 * its worst case).
 */
final class BudgetedStreamingChatModel implements StreamingChatModel {
    private final StreamingChatModel delegate;
    private final BudgetGuard guard;

    BudgetedStreamingChatModel(StreamingChatModel delegate, BudgetGuard guard) {
        this.delegate = delegate;
        this.guard = guard;
    }

    @Override
    public void chat(ChatRequest request, StreamingChatResponseHandler handler) {
        BudgetGuard.Admitted a = guard.admit(request, delegate.defaultRequestParameters(), delegate.provider());
        start(a, () -> delegate.chat(a.request(), new Settling(a, handler)));
    }

    @Override
    public void chat(ChatRequest request, ChatRequestOptions options, StreamingChatResponseHandler handler) {
        BudgetGuard.Admitted a = guard.admit(request, delegate.defaultRequestParameters(), delegate.provider());
        start(a, () -> delegate.chat(a.request(), options, new Settling(a, handler)));
    }

    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        BudgetGuard.Admitted a = guard.admit(request, delegate.defaultRequestParameters(), delegate.provider());
        start(a, () -> delegate.doChat(a.request(), new Settling(a, handler)));
    }

    private void start(BudgetGuard.Admitted a, Runnable call) {
        try {
            call.run();
        } catch (RuntimeException | Error e) { // failed before streaming began (the handler may never hear of it)
            guard.release(a);
            throw e;
        }
    }

    /** Passes every event on and ends the reservation with the stream. */
    private final class Settling implements StreamingChatResponseHandler {
        private final BudgetGuard.Admitted admitted;
        private final StreamingChatResponseHandler handler;
        private final AtomicBoolean ended = new AtomicBoolean();
        private final StringBuilder received = new StringBuilder();

        Settling(BudgetGuard.Admitted admitted, StreamingChatResponseHandler handler) {
            this.admitted = admitted;
            this.handler = handler;
        }

        @Override
        public void onPartialResponse(String text) {
            received(text);
            handler.onPartialResponse(text);
        }

        @Override
        public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
            received(partial.text());
            handler.onPartialResponse(partial, new PartialResponseContext(watch(context.streamingHandle())));
        }

        @Override
        public void onPartialThinking(PartialThinking thinking) {
            received(thinking.text());
            handler.onPartialThinking(thinking);
        }

        @Override
        public void onPartialThinking(PartialThinking thinking, PartialThinkingContext context) {
            received(thinking.text());
            handler.onPartialThinking(thinking, new PartialThinkingContext(watch(context.streamingHandle())));
        }

        @Override
        public void onPartialToolCall(PartialToolCall call) {
            received(call.partialArguments());
            handler.onPartialToolCall(call);
        }

        @Override
        public void onPartialToolCall(PartialToolCall call, PartialToolCallContext context) {
            received(call.partialArguments());
            handler.onPartialToolCall(call, new PartialToolCallContext(watch(context.streamingHandle())));
        }

        @Override
        public void onCompleteToolCall(CompleteToolCall call) {
            handler.onCompleteToolCall(call);
        }

        @Override
        public void onUnmappedRawEvent(Object event) {
            handler.onUnmappedRawEvent(event);
        }

        @Override
        public void onCompleteResponse(ChatResponse response) {
            if (ended.compareAndSet(false, true)) guard.settle(admitted, response);
            handler.onCompleteResponse(response);
        }

        @Override
        public void onError(Throwable error) {
            if (ended.compareAndSet(false, true)) {
                String text = receivedSoFar();
                // a timeout: the provider may go on generating (and billing) what never arrived; else what arrived is billed
                if (text.isEmpty() || WorstCase.isTimeout(error)) guard.failed(admitted, error);
                else guard.cancelled(admitted, text);
            }
            handler.onError(error);
        }

        private void received(String part) {
            if (part == null) return;
            synchronized (received) {
                received.append(part);
            }
        }

        private String receivedSoFar() {
            synchronized (received) {
                return received.toString();
            }
        }

        /** The stream's handle, ending the reservation when the application cancels through it. */
        private StreamingHandle watch(StreamingHandle handle) {
            return new StreamingHandle() {
                @Override
                public void cancel() {
                    handle.cancel();
                    if (ended.compareAndSet(false, true)) guard.cancelled(admitted, receivedSoFar());
                }

                @Override
                public boolean isCancelled() {
                    return handle.isCancelled();
                }
            };
        }
    }

    @Override
    public ChatRequestParameters defaultRequestParameters() {
        return delegate.defaultRequestParameters();
    }

    @Override
    public List<ChatModelListener> listeners() {
        return List.of(); // the delegate notifies its own listeners
    }

    @Override
    public ModelProvider provider() {
        return delegate.provider();
    }

    @Override
    public Set<Capability> supportedCapabilities() {
        return delegate.supportedCapabilities();
    }

    @Override
    public String toString() {
        return delegate + " (under chatlog budgets)";
    }
}
