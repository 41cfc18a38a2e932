package dev.chatlog.server.chat;

import dev.chatlog.core.ChatLogger;
import dev.chatlog.langchain4j.ChatLogEmbeddingListener;
import dev.chatlog.langchain4j.ChatLogEmbeddingStoreListener;
import dev.chatlog.langchain4j.ChatLogModels;
import dev.chatlog.langchain4j.ChatLogRetrieverListener;
import dev.langchain4j.data.document.Metadata;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.rag.content.retriever.ContentRetriever;
import dev.langchain4j.rag.content.retriever.EmbeddingStoreContentRetriever;
import dev.langchain4j.rag.query.Query;
import dev.langchain4j.store.embedding.EmbeddingStore;
import dev.langchain4j.store.embedding.inmemory.InMemoryEmbeddingStore;
import java.util.List;
import java.util.Map;

/**
 * The demo shop's products as a retrieval index, offline: each product's line embedded by the in-process
 * all-MiniLM-L6-v2 model into an in-memory store, searched by an observed {@code EmbeddingStoreContentRetriever}
 * (a {@code retrieval} row named {@code products}, the query's embedding and the store's search its children). Built on the first product
 * question, not at start (loading the model takes a second or two), with the model unobserved: indexing is not part
 * of any turn.
 */
final class ProductCatalog {
    private final ShopDatabase shop;
    private final ChatLogger logger;
    private volatile ContentRetriever retriever;

    ProductCatalog(ShopDatabase shop, ChatLogger logger) {
        this.shop = shop;
        this.logger = logger;
    }

    /** The in-process model's name in the rows, priced at an explicit $0 by the server (it runs here: it costs nothing). */
    static final String MODEL = "all-minilm-l6-v2";
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ProductCatalog.class);
    private volatile long retryAfter;

    /**
     * Up to three products matching {@code question}, as "name (category, price)" lines; none when the catalog cannot be
     * built or searched (the chat goes on without them: the retrieval is an extra, and its row says it failed).
     */
    List<String> find(String question) {
        try {
            ContentRetriever r = retriever();
            if (r == null) return List.of();
            return r.retrieve(Query.from(question)).stream().map(c -> c.textSegment().text()).toList();
        } catch (RuntimeException | LinkageError e) { // a native library missing is a LinkageError
            log.warn("the product catalog failed; answering without it: {}", e.toString());
            return List.of();
        }
    }

    /** The retriever, built once; after a failed build, tried again a minute later at the earliest (not on every question). */
    private ContentRetriever retriever() {
        ContentRetriever r = retriever;
        if (r != null) return r;
        synchronized (this) {
            if (retriever != null) return retriever;
            if (System.nanoTime() - retryAfter < 0) return null;
            try {
                retriever = build();
                return retriever;
            } catch (RuntimeException | LinkageError e) {
                retryAfter = System.nanoTime() + 60_000_000_000L;
                throw e;
            }
        }
    }

    private ContentRetriever build() {
        EmbeddingModel model = new AllMiniLmL6V2EmbeddingModel() {
            @Override
            public String modelName() {
                return MODEL;
            }
        };
        InMemoryEmbeddingStore<TextSegment> store = new InMemoryEmbeddingStore<>();
        ShopDatabase.Result products = shop.query("SELECT id, name, category, price FROM products ORDER BY id", "product-catalog");
        if (!products.query().success() || products.rows().isEmpty()) {
            throw new IllegalStateException("the shop's products could not be read: " + products.publicError());
        }
        for (Map<String, Object> p : products.rows()) {
            TextSegment s = TextSegment.from(p.get("name") + " (" + p.get("category") + ", $" + p.get("price") + ")",
                    Metadata.from("product_id", String.valueOf(p.get("id"))));
            store.add(model.embed(s).content(), s);
        }
        EmbeddingModel observed = ChatLogModels.observe(model, new ChatLogEmbeddingListener(logger));
        EmbeddingStore<TextSegment> searched = ChatLogEmbeddingStoreListener.observe(store, logger, "products"); // after indexing
        return ChatLogRetrieverListener.observe(EmbeddingStoreContentRetriever.builder().embeddingStore(searched)
                .embeddingModel(observed).maxResults(3).minScore(0.3).build(), logger, "products");
    }
}
