package dev.chatlog.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.MessageTurn;
import dev.chatlog.core.StepScope;
import dev.chatlog.langchain4j.OpenAiStub.Reply;
import dev.chatlog.langchain4j.OpenAiStub.Usage;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.chatlog.sql.TestDatabase;
import dev.chatlog.sql.query.Filter;
import dev.chatlog.sql.query.Window;
import dev.chatlog.sql.report.Reports;
import dev.chatlog.sql.report.StageTargets;
import dev.chatlog.sql.rollup.ConsistencyCheck;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.rag.content.Content;
import dev.langchain4j.rag.content.retriever.ContentRetriever;
import dev.langchain4j.rag.content.retriever.EmbeddingStoreContentRetriever;
import dev.langchain4j.rag.query.Query;
import dev.langchain4j.store.embedding.inmemory.InMemoryEmbeddingStore;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Seed 002's voice pipeline, stage by stage: speech-to-text (a stage), retrieval through a real
 * {@code EmbeddingStoreContentRetriever} over the in-process embedding model, a chat through the real OpenAI client on
 * the stub, text-to-speech (a stage). The turn's tree is exact, the stages' times nest and add up, the waterfall names
 * the critical path, and the stages route counts the targets missed.
 */
class VoicePipelineTest {
    private static Database db;
    private static Jdbi jdbi;
    private static OpenAiStub stub;
    private static ChatLogger logger;
    private static ChatModel chat;
    private static ContentRetriever retriever;

    @BeforeAll
    static void start() throws Exception {
        db = TestDatabase.freshDatabase();
        jdbi = db.jdbi();
        stub = new OpenAiStub();
        logger = ChatLogger.builder(new JdbcChatLogStore(jdbi)).build();
        chat = OpenAiChatModel.builder().baseUrl(stub.baseUrl()).apiKey("k").modelName("gpt-4o-mini").maxRetries(0)
                .listeners(List.of(ChatLogListener.builder(logger).build())).build();
        EmbeddingModel embeddings = ChatLogModels.observe(new AllMiniLmL6V2EmbeddingModel(), new ChatLogEmbeddingListener(logger));
        InMemoryEmbeddingStore<TextSegment> store = new InMemoryEmbeddingStore<>();
        for (String text : List.of("Opening hours: 9 to 18, Monday to Saturday.", "Returns are free within 30 days.")) {
            TextSegment s = TextSegment.from(text);
            store.add(embeddings.embed(s).content(), s);
        }
        retriever = ChatLogRetrieverListener.observe(EmbeddingStoreContentRetriever.builder().embeddingStore(store)
                .embeddingModel(embeddings).maxResults(1).build(), logger, "faq");
    }

    @AfterAll
    static void stop() {
        logger.close();
        stub.close();
        db.close();
    }

    private static void work(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Object o) {
        return (List<Map<String, Object>>) o;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    private static double d(Object o) {
        return new BigDecimal(o.toString()).doubleValue();
    }

    /** One voice turn: stt 120 ms, retrieval, chat (the stub answers after 80 ms), tts 300 ms. */
    private static String voiceTurn() {
        stub.respond(r -> Reply.text("We open at nine.", Usage.of(60, 6)).delay(80));
        try (MessageTurn turn = logger.beginMessage(null, "[audio 2.1 s]")) {
            String question;
            try (StepScope stt = turn.stage("stt")) {
                work(120);
                question = "When do you open?";
                stt.output(question);
            }
            List<Content> found = retriever.retrieve(Query.from(question));
            String answer = chat.chat(UserMessage.from(found.get(0).textSegment().text() + "\n\n" + question)).aiMessage().text();
            try (StepScope tts = turn.stage("tts")) {
                work(300);
                tts.output(answer.length() + " characters spoken");
            }
            turn.output(answer, answer);
            return turn.conversationId();
        }
    }

    @Test
    void should_store_the_exact_tree_nested_times_the_critical_path_and_the_missed_targets() {
        String conversation = voiceTurn();
        assertTrue(logger.flush(Duration.ofSeconds(20)));
        Map<String, Object> message = list(new Reports(jdbi).conversation(conversation).orElseThrow().get("messages")).get(0);
        List<Map<String, Object>> roots = list(message.get("llm_calls"));
        assertEquals(List.of("stage:stt", "retrieval:faq", "chat:null", "stage:tts"),
                roots.stream().map(r -> r.get("call_type") + ":" + r.get("function_name")).toList());
        assertEquals(List.of("embedding"), list(roots.get(1).get("children")).stream().map(c -> c.get("call_type")).toList());
        assertTrue(d(roots.get(0).get("duration_ms")) >= 120, roots.get(0).toString());
        assertTrue(d(roots.get(3).get("duration_ms")) >= 300, roots.get(3).toString());

        Map<String, Object> waterfall = map(message.get("waterfall"));
        List<Map<String, Object>> rows = list(waterfall.get("rows"));
        assertEquals(5, rows.size(), "every row of the tree, the embedding inside its retrieval");
        double turnMs = d(waterfall.get("turn_ms"));
        double sum = 0;
        double previousEnd = 0;
        for (Map<String, Object> r : rows) {
            if (((Number) r.get("depth")).intValue() != 0) continue;
            assertTrue(d(r.get("start_ms")) >= previousEnd - 1.5, "the stages follow each other: " + rows);
            previousEnd = d(r.get("end_ms"));
            sum += d(r.get("duration_ms"));
        }
        assertTrue(sum <= turnMs + 1.5, "the stages add up to no more than the turn: " + sum + " of " + turnMs);
        assertTrue(previousEnd <= turnMs + 1.5, "the last stage ends within the turn: " + previousEnd + " of " + turnMs + ": " + rows);
        Map<String, Object> embedding = rows.get(2);
        Map<String, Object> retrieval = rows.get(1);
        assertEquals(1, ((Number) embedding.get("depth")).intValue());
        assertTrue(d(embedding.get("start_ms")) >= d(retrieval.get("start_ms")) - 1.5
                && d(embedding.get("end_ms")) <= d(retrieval.get("end_ms")) + 1.5, "the embedding nests in its retrieval: " + rows);
        // a sequential pipeline waits for every stage: all four are on the critical path, and so is the query's embedding
        List<String> critical = rows.stream().filter(r -> Boolean.TRUE.equals(r.get("critical"))).map(r -> (String) r.get("name")).toList();
        assertEquals(5, critical.size(), rows.toString());
        assertTrue(new ConsistencyCheck(jdbi).mismatches().isEmpty(), new ConsistencyCheck(jdbi).mismatches().toString());

        voiceTurn(); // a second turn: two of each stage
        assertTrue(logger.flush(Duration.ofSeconds(20)));
        // 100 ms is a histogram edge (counted from the rollups' histogram: the window is whole hours), 250 ms is not
        // (counted in the rows); 3 s is never missed
        Reports reports = new Reports(jdbi, StageTargets.parse("stt=100ms,tts=250ms,retrieval=3s,turn=100ms"), dev.chatlog.sql.report.CacheTargets.NONE);
        Window all = Window.between(Instant.parse("2020-01-01T00:00:00Z"),
                Instant.now().truncatedTo(java.time.temporal.ChronoUnit.HOURS).plusSeconds(7200));
        assertTrue(jdbi.withHandle(h -> dev.chatlog.sql.query.Planner.standard().route(all, Filter.NONE, dev.chatlog.sql.rollup.Dimension.STEP))
                .contains("rollup"), "the stages of whole hours are read from the rollups");
        Map<String, Object> stages = reports.stages(all, Filter.NONE);
        Map<String, Map<String, Object>> byKey = list(stages.get("stages")).stream()
                .collect(Collectors.toMap(s -> s.get("kind") + ":" + s.get("name"), s -> s));
        System.out.println("stages: " + stages);
        Map<String, Object> stt = byKey.get("stage:stt");
        assertEquals(2L, ((Number) stt.get("executions")).longValue());
        assertEquals(0, new BigDecimal("100").compareTo(new BigDecimal(stt.get("target_ms").toString())));
        assertEquals(2L, ((Number) stt.get("over_target")).longValue());
        assertEquals(100.0, stt.get("over_target_rate"));
        assertTrue(d(stt.get("p50_ms")) >= 100, stt.toString());
        Map<String, Object> tts = byKey.get("stage:tts");
        assertEquals(2L, ((Number) tts.get("over_target")).longValue(), "tts=250ms, from the rows: " + tts);
        Map<String, Object> faq = byKey.get("retrieval:faq");
        assertEquals(0L, ((Number) faq.get("over_target")).longValue(), "the kind's target (retrieval=3s) applies to faq");
        assertEquals(0.0, faq.get("over_target_rate"));
        Map<String, Object> turn = map(stages.get("turn"));
        assertEquals(2L, ((Number) turn.get("turns")).longValue());
        assertEquals(2L, ((Number) turn.get("over_target")).longValue());
        assertNull(new Reports(jdbi).stages(all, Filter.NONE).get("turn") instanceof Map<?, ?> m ? m.get("target_ms") : "no turn",
                "without targets, none is shown");
    }
}
