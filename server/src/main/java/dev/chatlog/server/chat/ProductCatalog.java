package dev.chatlog.server.chat;

import dev.chatlog.core.ChatLogger;
import dev.chatlog.langchain4j.ChatLogEmbeddingListener;
import dev.chatlog.langchain4j.ChatLogModels;
import dev.chatlog.langchain4j.ChatLogRetrieverListener;
import dev.langchain4j.data.document.Metadata;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.rag.content.Content;
import dev.langchain4j.rag.content.retriever.ContentRetriever;
import dev.langchain4j.rag.content.retriever.EmbeddingStoreContentRetriever;
import dev.langchain4j.rag.query.Query;
import dev.langchain4j.store.embedding.inmemory.InMemoryEmbeddingStore;
import java.util.List;
import java.util.Map;

/**
 * The demo shop's products as a retrieval index, offline: each product's line embedded by the in-process
 * all-MiniLM-L6-v2 model into an in-memory store, searched by an observed {@code EmbeddingStoreContentRetriever}
 * (a {@code retrieval} row named {@code products}, the query's embedding its child). Built on the first product
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

    /** Up to three products matching {@code question}, as "name (category, price)" lines. */
    List<String> find(String question) {
        List<Content> found = retriever().retrieve(Query.from(question));
        return found.stream().map(c -> c.textSegment().text()).toList();
    }

    private ContentRetriever retriever() {
        ContentRetriever r = retriever;
        if (r != null) return r;
        synchronized (this) {
            if (retriever == null) retriever = build();
            return retriever;
        }
    }

    private ContentRetriever build() {
        EmbeddingModel model = new AllMiniLmL6V2EmbeddingModel();
        InMemoryEmbeddingStore<TextSegment> store = new InMemoryEmbeddingStore<>();
        ShopDatabase.Result products = shop.query("SELECT id, name, category, price FROM products ORDER BY id", "product-catalog");
        for (Map<String, Object> p : products.rows()) {
            TextSegment s = TextSegment.from(p.get("name") + " (" + p.get("category") + ", $" + p.get("price") + ")",
                    Metadata.from("product_id", String.valueOf(p.get("id"))));
            store.add(model.embed(s).content(), s);
        }
        EmbeddingModel observed = ChatLogModels.observe(model, new ChatLogEmbeddingListener(logger));
        return ChatLogRetrieverListener.observe(EmbeddingStoreContentRetriever.builder().embeddingStore(store)
                .embeddingModel(observed).maxResults(3).minScore(0.3).build(), logger, "products");
    }
}
