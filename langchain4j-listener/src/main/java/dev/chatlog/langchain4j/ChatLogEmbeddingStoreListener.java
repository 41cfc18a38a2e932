package dev.chatlog.langchain4j;

import dev.chatlog.core.CallType;
import dev.chatlog.core.ChatContext;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.Ids;
import dev.chatlog.core.LlmCall;
import dev.langchain4j.store.embedding.EmbeddingMatch;
import dev.langchain4j.store.embedding.EmbeddingSearchRequest;
import dev.langchain4j.store.embedding.EmbeddingStore;
import dev.langchain4j.store.embedding.listener.EmbeddingStoreErrorContext;
import dev.langchain4j.store.embedding.listener.EmbeddingStoreListener;
import dev.langchain4j.store.embedding.listener.EmbeddingStoreRequestContext;
import dev.langchain4j.store.embedding.listener.EmbeddingStoreResponseContext;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Logs every operation on a LangChain4j {@code EmbeddingStore} as a {@code vector_store} row named by the store:
 * a search (its query text when the request has one, max results, min score and filter; the matches and the best
 * score), an add (how many), a remove (how many ids, or all, or by filter); with its duration and error. Under a
 * retrieval it is the retrieval's child, beside the query's embedding. Attach with
 * {@link #observe(EmbeddingStore, ChatLogger, String)} (LangChain4j's {@code addListener}).
 */
public final class ChatLogEmbeddingStoreListener implements EmbeddingStoreListener {
    private final ChatLogger logger;
    private final String store;
    private final AtomicLong failures = new AtomicLong();

    public ChatLogEmbeddingStoreListener(ChatLogger logger, String store) {
        this.logger = Objects.requireNonNull(logger, "logger");
        this.store = store == null || store.isBlank() ? "embedding-store" : store;
    }

    /** {@code store} with chatlog's listener, its rows named {@code name} (each listener attached logs each operation). */
    public static <T> EmbeddingStore<T> observe(EmbeddingStore<T> store, ChatLogger logger, String name) {
        return store.addListener(new ChatLogEmbeddingStoreListener(logger, name));
    }

    public long failures() {
        return failures.get();
    }

    private record Started(String callId, Instant at, long nanos, ChatContext context, int sequence, String operation,
                           String input, Map<String, Object> metadata) {}

    @Override
    public void onRequest(EmbeddingStoreRequestContext<?> ctx) {
        try {
            ChatContext c = logger.context();
            Map<String, Object> meta = new LinkedHashMap<>();
            String operation = operation(ctx);
            meta.put("operation", operation);
            String input = null;
            if (ctx instanceof EmbeddingStoreRequestContext.Search<?> s && s.searchRequest() != null) {
                EmbeddingSearchRequest r = s.searchRequest();
                meta.put("max_results", r.maxResults());
                meta.put("min_score", r.minScore());
                if (r.filter() != null) meta.put("filter", String.valueOf(r.filter()));
                input = r.query();
            } else if (ctx instanceof EmbeddingStoreRequestContext.AddAll<?> a) {
                meta.put("requested", a.embeddings() == null ? 0 : a.embeddings().size());
            } else if (ctx instanceof EmbeddingStoreRequestContext.RemoveAllIds<?> r) {
                meta.put("requested", r.ids() == null ? 0 : r.ids().size());
            } else if (ctx instanceof EmbeddingStoreRequestContext.RemoveAllFilter<?> r) {
                meta.put("filter", String.valueOf(r.filter()));
            } else if (ctx instanceof EmbeddingStoreRequestContext.Remove<?>) {
                meta.put("requested", 1);
            } else if (ctx instanceof EmbeddingStoreRequestContext.RemoveAll<?>) {
                meta.put("requested", "all");
            }
            ctx.attributes().put(this, new Started(Ids.newId(), Instant.now(), System.nanoTime(), c, c.nextSequence(), operation,
                    input == null ? operation : input, meta));
        } catch (Throwable t) {
            failures.incrementAndGet();
        }
    }

    @Override
    public void onResponse(EmbeddingStoreResponseContext<?> ctx) {
        try {
            long end = System.nanoTime();
            if (!(ctx.attributes().remove(this) instanceof Started s)) return;
            Map<String, Object> meta = new LinkedHashMap<>(s.metadata());
            String output;
            if (ctx instanceof EmbeddingStoreResponseContext.Search<?> r) {
                List<? extends EmbeddingMatch<?>> matches = r.searchResult() == null ? List.of() : r.searchResult().matches();
                Double best = matches.stream().map(EmbeddingMatch::score).filter(Objects::nonNull).max(Double::compare).orElse(null);
                meta.put("matches", matches.size());
                if (best != null) meta.put("best_score", best);
                output = matches.size() + " match(es)" + (best == null ? "" : ", best " + Math.round(best * 1000) / 1000.0);
            } else if (ctx instanceof EmbeddingStoreResponseContext.AddAll<?> r) {
                int n = r.returnedIds() == null ? 0 : r.returnedIds().size();
                meta.put("added", n);
                output = "added " + n;
            } else if (ctx instanceof EmbeddingStoreResponseContext.Add<?>) {
                meta.put("added", 1);
                output = "added 1";
            } else {
                output = s.operation() + " done";
            }
            logger.logCall(row(s, end).outputText(output).metadata(meta).build());
        } catch (Throwable t) {
            failures.incrementAndGet();
        }
    }

    @Override
    public void onError(EmbeddingStoreErrorContext<?> ctx) {
        try {
            long end = System.nanoTime();
            if (!(ctx.attributes().remove(this) instanceof Started s)) return;
            Throwable error = ctx.error();
            Map<String, Object> meta = new LinkedHashMap<>(s.metadata());
            Integer status = error == null ? null : CallRenderer.httpStatus(error);
            if (status != null) meta.put("http_status", status);
            logger.logCall(row(s, end).success(false).errorType(error == null ? "unknown" : error.getClass().getName())
                    .errorMessage(error == null ? null : error.getMessage()).metadata(meta).build());
        } catch (Throwable t) {
            failures.incrementAndGet();
        }
    }

    private LlmCall.Builder row(Started s, long end) {
        return LlmCall.builder().callId(s.callId()).callType(CallType.VECTOR_STORE).startedAt(s.at()).durationMs((end - s.nanos()) / 1e6)
                .context(s.context()).callSequence(s.sequence()).functionName(store).inputText(s.input());
    }

    private static String operation(EmbeddingStoreRequestContext<?> ctx) {
        if (ctx instanceof EmbeddingStoreRequestContext.Search<?>) return "search";
        if (ctx instanceof EmbeddingStoreRequestContext.Add<?> || ctx instanceof EmbeddingStoreRequestContext.AddAll<?>) return "add";
        return "remove";
    }
}
