package dev.chatlog.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.MessageTurn;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.chatlog.sql.TestDatabase;
import dev.chatlog.sql.rollup.ConsistencyCheck;
import dev.langchain4j.data.document.Metadata;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.rag.content.retriever.ContentRetriever;
import dev.langchain4j.rag.content.retriever.EmbeddingStoreContentRetriever;
import dev.langchain4j.rag.query.Query;
import dev.langchain4j.store.embedding.EmbeddingSearchRequest;
import dev.langchain4j.store.embedding.EmbeddingSearchResult;
import dev.langchain4j.store.embedding.EmbeddingStore;
import dev.langchain4j.store.embedding.inmemory.InMemoryEmbeddingStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/**
 * Embedding-store operations through LangChain4j's {@code EmbeddingStoreListener}: ingestion adds, a RAG turn's search
 * (a child of its retrieval, beside the query's embedding, with the matches and best score), a remove, and a store
 * that fails.
 */
class EmbeddingStoreListenerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A store whose searches fail, as a remote store that is down. */
    static final class DownStore extends InMemoryEmbeddingStore<TextSegment> {
        @Override
        public EmbeddingSearchResult<TextSegment> search(EmbeddingSearchRequest request) {
            throw new IllegalStateException("vector store unreachable");
        }
    }

    @Test
    void should_record_adds_searches_under_their_retrieval_removes_and_failures() throws Exception {
        try (Database db = TestDatabase.freshDatabase()) {
            Jdbi jdbi = db.jdbi();
            String conv = "rag-" + System.nanoTime();
            try (ChatLogger logger = ChatLogger.builder(new JdbcChatLogStore(jdbi)).build()) {
                EmbeddingModel embeddings = ChatLogModels.observe(new AllMiniLmL6V2EmbeddingModel(), new ChatLogEmbeddingListener(logger));
                EmbeddingStore<TextSegment> store = ChatLogEmbeddingStoreListener.observe(new InMemoryEmbeddingStore<>(), logger, "products");
                List<TextSegment> docs = List.of(TextSegment.from("Electric kettle, 1.7 litres, for the kitchen.", Metadata.from("id", "k1")),
                        TextSegment.from("Non-stick frying pan for the kitchen.", Metadata.from("id", "p2")),
                        TextSegment.from("Two-person camping tent.", Metadata.from("id", "t3")));
                List<Embedding> vectors = embeddings.embedAll(docs).content();
                List<String> ids = store.addAll(vectors, docs); // ingestion: outside any turn
                ContentRetriever retriever = ChatLogRetrieverListener.observe(EmbeddingStoreContentRetriever.builder().embeddingStore(store)
                        .embeddingModel(embeddings).maxResults(2).minScore(0.0).build(), logger, "products");
                EmbeddingStore<TextSegment> down = ChatLogEmbeddingStoreListener.observe(new DownStore(), logger, "backup");
                try (MessageTurn turn = logger.beginMessage(conv, "Which products do you have for the kitchen?")) {
                    assertEquals(2, retriever.retrieve(Query.from("Which products do you have for the kitchen?")).size());
                    assertThrows(IllegalStateException.class, () -> down.search(EmbeddingSearchRequest.builder()
                            .queryEmbedding(vectors.get(0)).maxResults(1).build()));
                    turn.output("{}", "a kettle and a pan");
                }
                store.removeAll(List.of(ids.get(2)));
                // observed twice (two listeners share LangChain4j's attributes of a call): each logs its own row
                EmbeddingStore<TextSegment> twice = ChatLogEmbeddingStoreListener.observe(
                        ChatLogEmbeddingStoreListener.observe(new InMemoryEmbeddingStore<>(), logger, "inner"), logger, "outer");
                twice.add(vectors.get(0));
                assertTrue(logger.flush(Duration.ofSeconds(20)));
            }
            List<Map<String, Object>> rows = jdbi.withHandle(h -> h.createQuery("""
                    SELECT call_id, call_type, function_name, parent_call_id, conversation_id, success, input_text, output_text, metadata
                    FROM chatbot_llm_calls WHERE call_type = 'vector_store' AND function_name IN ('products', 'backup')
                    ORDER BY started_at, call_sequence""").mapToMap().list());
            List<String> twice = jdbi.withHandle(h -> h.createQuery(
                    "SELECT function_name FROM chatbot_llm_calls WHERE function_name IN ('inner', 'outer') ORDER BY function_name").mapTo(String.class).list());
            assertEquals(List.of("inner", "outer"), twice);
            assertEquals(4, rows.size(), rows.toString());
            Map<String, Object> add = rows.get(0), search = rows.get(1), failed = rows.get(2), remove = rows.get(3);
            assertEquals(3, JSON.readTree((String) add.get("metadata")).path("added").asInt());
            assertEquals("", add.get("conversation_id"), "ingestion belongs to no conversation (stored as the empty id)");

            String retrievalId = jdbi.withHandle(h -> h.createQuery("SELECT call_id FROM chatbot_llm_calls WHERE call_type = 'retrieval' AND conversation_id = :c")
                    .bind("c", conv).mapTo(String.class).one());
            assertEquals(retrievalId, search.get("parent_call_id"), "the search is its retrieval's child");
            int embeddingsUnder = jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM chatbot_llm_calls WHERE call_type = 'embedding' AND parent_call_id = :p")
                    .bind("p", retrievalId).mapTo(Integer.class).one());
            assertEquals(1, embeddingsUnder, "beside the query's embedding");
            JsonNode sm = JSON.readTree((String) search.get("metadata"));
            assertEquals("search", sm.path("operation").asText());
            assertEquals(2, sm.path("matches").asInt());
            assertEquals(2, sm.path("max_results").asInt());
            assertTrue(sm.path("best_score").asDouble() > 0.5, sm.toString());
            assertEquals("products", search.get("function_name"));
            assertEquals(conv, search.get("conversation_id"));

            assertFalse((Boolean) failed.get("success"));
            assertEquals("backup", failed.get("function_name"));
            assertEquals("remove", JSON.readTree((String) remove.get("metadata")).path("operation").asText());
            assertEquals(1, JSON.readTree((String) remove.get("metadata")).path("requested").asInt());
            assertEquals(List.of(), new ConsistencyCheck(jdbi).mismatches());
        }
    }
}
