package dev.chatlog.langchain4j;

import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.StepScope;
import dev.langchain4j.rag.content.Content;
import dev.langchain4j.rag.content.ContentMetadata;
import dev.langchain4j.rag.content.retriever.ContentRetriever;
import dev.langchain4j.rag.content.retriever.listener.ContentRetrieverErrorContext;
import dev.langchain4j.rag.content.retriever.listener.ContentRetrieverListener;
import dev.langchain4j.rag.content.retriever.listener.ContentRetrieverRequestContext;
import dev.langchain4j.rag.content.retriever.listener.ContentRetrieverResponseContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Logs every retrieval of a LangChain4j {@code ContentRetriever} as a {@code retrieval} row under the current
 * context (inside an AI service: under its agent), named by the retriever; the query's embedding and whatever
 * else the retriever does on the calling thread become its children, so a RAG turn reads
 * <i>turn → agent → retrieval (→ embedding) → chat</i>. The row keeps the query as its input, the contents found
 * as its output, and in its metadata their count, scores and sources. Attach with LangChain4j's own
 * {@code retriever.addListener(...)} (it returns the retriever to use) or {@link #observe}.
 */
public final class ChatLogRetrieverListener implements ContentRetrieverListener {
    private static final String ATTRIBUTE = "dev.chatlog.retrieval";
    /** The name of a retrieval whose listener was given none. */
    public static final String UNNAMED = "content_retriever";
    /** The contents described one by one in a row's metadata; the count covers all of them. */
    static final int MAX_SOURCES = 20;

    private final ChatLogger logger;
    private final String name;
    private final AtomicLong failures = new AtomicLong();

    /**
     * Names each retrieval by {@code name} (e.g. {@code products}). Null names it {@value #UNNAMED}: LangChain4j hands
     * the listener its own wrapper, not the retriever, so the retriever's class is only known to {@link #observe}.
     */
    public ChatLogRetrieverListener(ChatLogger logger, String name) {
        this.logger = java.util.Objects.requireNonNull(logger, "logger");
        this.name = name;
    }

    public ChatLogRetrieverListener(ChatLogger logger) {
        this(logger, null);
    }

    /** {@code retriever} with this listener: its retrievals logged as {@code name} (null: the retriever's class, e.g. {@code EmbeddingStoreContentRetriever}). */
    public static ContentRetriever observe(ContentRetriever retriever, ChatLogger logger, String name) {
        return retriever.addListener(new ChatLogRetrieverListener(logger, name != null ? name : retriever.getClass().getSimpleName()));
    }

    /** Listener failures so far (each one swallowed: a retrieval never fails because of chatlog). */
    public long failures() {
        return failures.get();
    }

    @Override
    public void onRequest(ContentRetrieverRequestContext ctx) {
        try {
            String query = ctx.query() == null ? null : ctx.query().text();
            ctx.attributes().put(ATTRIBUTE, logger.beginRetrieval(name != null ? name : UNNAMED, query));
        } catch (Throwable t) {
            failures.incrementAndGet();
        }
    }

    @Override
    public void onResponse(ContentRetrieverResponseContext ctx) {
        try {
            if (!(ctx.attributes().remove(ATTRIBUTE) instanceof StepScope step)) return;
            List<Content> contents = ctx.contents() == null ? List.of() : ctx.contents();
            step.metadata("contents", contents.size());
            List<Map<String, Object>> sources = new ArrayList<>();
            StringBuilder text = new StringBuilder();
            for (Content c : contents) {
                if (c == null) continue;
                if (sources.size() < MAX_SOURCES) sources.add(describe(c));
                if (c.textSegment() != null) {
                    if (text.length() > 0) text.append("\n---\n");
                    text.append(c.textSegment().text());
                }
            }
            if (!sources.isEmpty()) step.metadata("sources", sources);
            step.output(text.toString()).close();
        } catch (Throwable t) {
            failures.incrementAndGet();
        }
    }

    @Override
    public void onError(ContentRetrieverErrorContext ctx) {
        try {
            if (ctx.attributes().remove(ATTRIBUTE) instanceof StepScope step) {
                step.failed(ctx.error()).close();
            }
        } catch (Throwable t) {
            failures.incrementAndGet();
        }
    }

    /** One content: its score (and re-ranked score), its embedding id, and its segment's metadata (source, file, URL...). */
    private static Map<String, Object> describe(Content c) {
        Map<String, Object> d = new LinkedHashMap<>();
        Map<ContentMetadata, Object> meta = c.metadata() == null ? Map.of() : c.metadata();
        put(d, "score", meta.get(ContentMetadata.SCORE));
        put(d, "reranked_score", meta.get(ContentMetadata.RERANKED_SCORE));
        put(d, "embedding_id", meta.get(ContentMetadata.EMBEDDING_ID));
        if (c.textSegment() != null && c.textSegment().metadata() != null && !c.textSegment().metadata().toMap().isEmpty()) {
            Map<String, Object> segment = new LinkedHashMap<>();
            c.textSegment().metadata().toMap().forEach((k, v) -> segment.put(k, v == null ? null : v instanceof Number ? v : v.toString()));
            d.put("metadata", segment);
        }
        return d;
    }

    private static void put(Map<String, Object> d, String key, Object value) {
        if (value != null) d.put(key, value instanceof Number ? value : value.toString());
    }
}
