package dev.chatlog.langchain4j.bench;

import dev.chatlog.core.Batch;
import dev.chatlog.core.ChatLogSink;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.MessageTurn;
import dev.chatlog.langchain4j.ChatLogListener;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.listener.ChatModelRequestContext;
import dev.langchain4j.model.chat.listener.ChatModelResponseContext;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.ChatResponseMetadata;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the listener costs the calling thread. (1) The callbacks alone: onRequest + onResponse,
 * including the enqueue, per call. (2) A whole {@code ChatModel.chat(...)} of an in-process model
 * with and without the listener attached. Prints p50 / p99 / p99.9 in microseconds. The writer
 * runs for real (rendering, pricing) into a sink that discards, so its CPU use competes with the
 * caller as it would in an application.
 *
 * <pre>mvn -q -B -DskipTests install && mvn -q -pl langchain4j-listener exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.chatlog.langchain4j.bench.ListenerOverheadBenchmark</pre>
 */
public final class ListenerOverheadBenchmark {
    private static final AtomicLong WRITTEN = new AtomicLong();

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 300_000;
        ChatLogSink discard = new ChatLogSink() {
            @Override public void write(Batch batch) { WRITTEN.addAndGet(batch.size()); }
        };
        ChatLogger logger = ChatLogger.builder(discard).queueCapacity(4 * n).build();
        ChatLogListener listener = ChatLogListener.builder(logger).build();

        ChatRequest request = ChatRequest.builder().modelName("gpt-4o-mini")
                .messages(SystemMessage.from("You answer questions about orders."), UserMessage.from("Where is order 42?"))
                .build();
        ChatResponse response = ChatResponse.builder().aiMessage(AiMessage.from("Order 42 shipped yesterday."))
                .metadata(ChatResponseMetadata.builder().modelName("gpt-4o-mini-2024-07-18")
                        .tokenUsage(new TokenUsage(120, 8)).finishReason(FinishReason.STOP).build()).build();

        long[] callbacks = new long[n];
        try (MessageTurn turn = logger.beginMessage("bench", "Where is order 42?")) {
            for (int round = 0; round < 2; round++) { // round 0 warms up
                for (int i = 0; i < n; i++) {
                    Map<Object, Object> attributes = new ConcurrentHashMap<>();
                    long t0 = System.nanoTime();
                    listener.onRequest(new ChatModelRequestContext(request, ModelProvider.OPEN_AI, attributes));
                    listener.onResponse(new ChatModelResponseContext(response, request, ModelProvider.OPEN_AI, attributes));
                    callbacks[i] = System.nanoTime() - t0;
                }
                logger.flush(Duration.ofMinutes(2));
            }
        }

        // the same listener on a logger whose meters are on (recorded on its writer thread from what it stored)
        ChatLogger meteredLogger = ChatLogger.builder(discard).queueCapacity(4 * n).build();
        io.micrometer.core.instrument.simple.SimpleMeterRegistry registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        new dev.chatlog.micrometer.ChatLogMeters(meteredLogger).bindTo(registry);
        ChatLogListener metered = ChatLogListener.builder(meteredLogger).build();

        // and on a logger whose traces are on (the caller reads the current span; spans are built on the writer thread)
        java.util.concurrent.atomic.AtomicLong spans = new java.util.concurrent.atomic.AtomicLong();
        io.opentelemetry.sdk.trace.export.SpanExporter counting = new io.opentelemetry.sdk.trace.export.SpanExporter() {
            @Override public io.opentelemetry.sdk.common.CompletableResultCode export(java.util.Collection<io.opentelemetry.sdk.trace.data.SpanData> s) {
                spans.addAndGet(s.size());
                return io.opentelemetry.sdk.common.CompletableResultCode.ofSuccess();
            }
            @Override public io.opentelemetry.sdk.common.CompletableResultCode flush() { return io.opentelemetry.sdk.common.CompletableResultCode.ofSuccess(); }
            @Override public io.opentelemetry.sdk.common.CompletableResultCode shutdown() { return io.opentelemetry.sdk.common.CompletableResultCode.ofSuccess(); }
        };
        ChatLogger tracedLogger = ChatLogger.builder(discard).queueCapacity(4 * n)
                .traces(dev.chatlog.opentelemetry.ChatLogTraces.builder(counting).maxQueueSize(65_536).build()).build();
        ChatModel observedTraced = new FixedModel(response, List.of(ChatLogListener.builder(tracedLogger).build()));

        ChatModel bare = new FixedModel(response, List.of());
        ChatModel observed = new FixedModel(response, List.of(listener));
        ChatModel observedMetered = new FixedModel(response, List.of(metered));
        long[] without = timeChats(bare, request, n);
        long[] with = timeChats(observed, request, n);
        long[] withMeters = timeChats(observedMetered, request, n);
        long[] withTraces = timeChats(observedTraced, request, n);
        logger.flush(Duration.ofMinutes(2));
        meteredLogger.flush(Duration.ofMinutes(2));
        tracedLogger.flush(Duration.ofMinutes(2));

        System.out.printf("calls per run: %,d (after a warm-up run); writer stored %,d records, dropped %,d%n",
                n, WRITTEN.get(), logger.stats().dropped());
        print("listener callbacks (onRequest+onResponse+enqueue)", callbacks);
        print("ChatModel.chat without listener", without);
        print("ChatModel.chat with listener", with);
        print("ChatModel.chat with listener, meters on", withMeters);
        print("ChatModel.chat with listener, traces on", withTraces);
        System.out.printf("added by the listener at p50: %.2f us, at p99: %.2f us%n",
                (pct(with, 50) - pct(without, 50)) / 1e3, (pct(with, 99) - pct(without, 99)) / 1e3);
        System.out.printf("added by the meters at p50: %.2f us, at p99: %.2f us (%,d calls in gen_ai.client.operation.duration)%n",
                (pct(withMeters, 50) - pct(with, 50)) / 1e3, (pct(withMeters, 99) - pct(with, 99)) / 1e3,
                registry.get(dev.chatlog.micrometer.ChatLogMeters.OPERATION_DURATION).timer().count());
        System.out.printf("added by the traces at p50: %.2f us, at p99: %.2f us%n",
                (pct(withTraces, 50) - pct(with, 50)) / 1e3, (pct(withTraces, 99) - pct(with, 99)) / 1e3);
        logger.close();
        meteredLogger.close();
        tracedLogger.close();
        System.out.printf("spans exported: %,d%n", spans.get());
        System.exit(0);
    }

    private static long[] timeChats(ChatModel model, ChatRequest request, int n) {
        long[] t = new long[n];
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                model.chat(request);
                t[i] = System.nanoTime() - t0;
            }
        }
        return t;
    }

    private static double pct(long[] samples, double p) {
        long[] s = samples.clone();
        Arrays.sort(s);
        return s[(int) Math.min(s.length - 1, Math.ceil(p / 100 * s.length) - 1)];
    }

    private static void print(String what, long[] samples) {
        System.out.printf("%-52s p50 %7.2f us   p99 %7.2f us   p99.9 %8.2f us%n", what,
                pct(samples, 50) / 1e3, pct(samples, 99) / 1e3, pct(samples, 99.9) / 1e3);
    }

    /** An in-process model that answers at once, so what is timed is LangChain4j plus listeners. */
    private record FixedModel(ChatResponse response, List<ChatModelListener> listeners) implements ChatModel {
        @Override public ChatResponse doChat(ChatRequest request) { return response; }
        @Override public ModelProvider provider() { return ModelProvider.OPEN_AI; }
    }
}
