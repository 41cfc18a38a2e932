package dev.chatlog.langchain4j;

import dev.chatlog.core.CallType;
import dev.chatlog.core.ChatContext;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.Ids;
import dev.chatlog.core.LlmCall;
import dev.chatlog.core.token.TokenCounter;
import dev.chatlog.core.TokenSource;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.listener.EmbeddingModelErrorContext;
import dev.langchain4j.model.embedding.listener.EmbeddingModelListener;
import dev.langchain4j.model.embedding.listener.EmbeddingModelRequestContext;
import dev.langchain4j.model.embedding.listener.EmbeddingModelResponseContext;
import dev.langchain4j.model.output.TokenUsage;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Logs every call of a LangChain4j {@code EmbeddingModel} as an {@code embedding} row, attributed
 * like chat calls (a retrieval step inside an agent becomes its child), with the provider's token
 * count or, when it reports none, a jtokkit count with the embedding model's encoding, and priced
 * from the catalog. Attach with the embedding model builder's {@code listeners(...)}.
 */
public final class ChatLogEmbeddingListener implements EmbeddingModelListener {
    private static final String ATTRIBUTE = "dev.chatlog.embedding";
    private final ChatLogger logger;
    private final TokenCounter tokens;
    private final AtomicLong failures = new AtomicLong();

    public ChatLogEmbeddingListener(ChatLogger logger) {
        this.logger = logger;
        this.tokens = TokenCounter.shared();
    }

    public long failures() {
        return failures.get();
    }

    private record Started(String callId, Instant at, long nanos, ChatContext context, int sequence, String provider) {}

    @Override
    public void onRequest(EmbeddingModelRequestContext ctx) {
        try {
            ChatContext c = logger.context();
            ctx.attributes().put(ATTRIBUTE, new Started(Ids.newId(), Instant.now(), System.nanoTime(), c, c.nextSequence(),
                    CallRenderer.providerName(ctx.modelProvider()))); // the price data needs it: embeddings are named by provider
        } catch (Throwable t) {
            failures.incrementAndGet();
        }
    }

    @Override
    public void onResponse(EmbeddingModelResponseContext ctx) {
        try {
            long end = System.nanoTime();
            Started s = started(ctx.attributes().remove(ATTRIBUTE));
            String model = model(ctx.embeddingRequest(), ctx.embeddingModel());
            List<TextSegment> segments = ctx.textSegments();
            TokenUsage usage = ctx.embeddingResponse() == null ? null : ctx.embeddingResponse().tokenUsage();
            int dims = ctx.embeddingResponse() == null || ctx.embeddingResponse().embeddings().isEmpty() ? 0
                    : ctx.embeddingResponse().embeddings().get(0).dimension();
            String responseModel = ctx.embeddingResponse() == null ? null : ctx.embeddingResponse().modelName();
            logger.logCall(() -> {
                LlmCall.Builder b = row(s, end, model, segments).responseModel(responseModel)
                        .outputText(segments.size() + " embedding(s) of " + dims + " dimensions").outputTokens(0);
                if (usage != null && usage.inputTokenCount() != null) {
                    b.inputTokens(usage.inputTokenCount()).tokenSource(TokenSource.PROVIDER);
                } else {
                    b.inputTokens(count(model, segments)).tokenSource(TokenSource.ESTIMATED);
                }
                return b.build();
            });
        } catch (Throwable t) {
            failures.incrementAndGet();
        }
    }

    @Override
    public void onError(EmbeddingModelErrorContext ctx) {
        try {
            long end = System.nanoTime();
            Started s = started(ctx.attributes().remove(ATTRIBUTE));
            String model = model(ctx.embeddingRequest(), ctx.embeddingModel());
            List<TextSegment> segments = ctx.textSegments();
            Throwable error = ctx.error();
            logger.logCall(() -> {
                Map<String, Object> meta = new LinkedHashMap<>();
                Integer status = CallRenderer.httpStatus(error);
                if (status != null) meta.put("http_status", status);
                return row(s, end, model, segments).inputTokens(count(model, segments)).outputTokens(0)
                        .tokenSource(TokenSource.ESTIMATED).success(false).errorType(error.getClass().getName())
                        .errorMessage(error.getMessage()).metadata(meta).build();
            });
        } catch (Throwable t) {
            failures.incrementAndGet();
        }
    }

    /** The model the request names, else the one the embedding model is configured with. */
    private static String model(dev.langchain4j.model.embedding.request.EmbeddingRequest request,
                                dev.langchain4j.model.embedding.EmbeddingModel configured) {
        String requested = request == null ? null : request.modelName();
        return requested != null ? requested : configured == null ? null : configured.modelName();
    }

    private int count(String model, List<TextSegment> segments) {
        int n = 0;
        for (TextSegment s : segments) n += tokens.countText(model, s.text());
        return n;
    }

    private static Started started(Object o) {
        if (o instanceof Started s) return s;
        ChatContext c = ChatContext.current();
        return new Started(Ids.newId(), Instant.now(), System.nanoTime(), c, 0, null);
    }

    private static LlmCall.Builder row(Started s, long end, String model, List<TextSegment> segments) {
        ChatContext c = s.context();
        StringBuilder input = new StringBuilder();
        for (TextSegment seg : segments) {
            if (input.length() > 0) input.append("\n---\n");
            input.append(seg.text());
        }
        return LlmCall.builder().callId(s.callId()).callType(CallType.EMBEDDING).startedAt(s.at())
                .durationMs((end - s.nanos()) / 1e6).context(c).callSequence(s.sequence()).provider(s.provider()).model(model).inputText(input.toString());
    }
}
