package dev.chatlog.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatlog.budgets.BudgetDefinitions;
import dev.chatlog.budgets.BudgetLedger;
import dev.chatlog.budgets.JdbcBudgetGate;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.MessageTurn;
import dev.chatlog.budgets.Budget;
import dev.chatlog.core.budget.BudgetExceededException;
import dev.chatlog.budgets.BudgetPeriod;
import dev.chatlog.core.price.PriceCatalog;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.chatlog.sql.TestDatabase;
import dev.chatlog.sql.rollup.ConsistencyCheck;
import dev.langchain4j.data.audio.Audio;
import dev.langchain4j.data.image.Image;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.audio.AudioTranscriptionModel;
import dev.langchain4j.model.audio.AudioTranscriptionRequest;
import dev.langchain4j.model.audio.TextToSpeechModel;
import dev.langchain4j.model.image.ImageModel;
import dev.langchain4j.model.openai.OpenAiAudioTranscriptionModel;
import dev.langchain4j.model.openai.OpenAiImageModel;
import dev.langchain4j.model.openai.OpenAiTextToSpeechModel;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.model.scoring.ScoringModel;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Images, transcription, speech and re-ranking through chatlog's decorators: LangChain4j's real OpenAI image,
 * transcription and speech clients against the stub's routes, and a small scoring model; priced per unit from the
 * user's prices, unpriced without one, under budgets.
 */
class MediaModelsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** $0.04 an image, $0.006 a minute of audio, $15 per million characters, $2 per thousand searches. */
    private static final PriceCatalog PRICES = PriceCatalog.bundled()
            .withInlineOverrides("dall-e-3=0.04/image;whisper-1=0.006/minute;tts-1=15/1m_characters;rerank-lite=2/1k_searches");
    private static Database db;
    private static Jdbi jdbi;
    private static OpenAiStub stub;
    private static ChatLogger logger;
    private static JdbcBudgetGate gate;
    private static BudgetDefinitions definitions;
    private static final io.micrometer.core.instrument.simple.SimpleMeterRegistry registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();

    @BeforeAll
    static void start() throws Exception {
        db = TestDatabase.freshDatabase();
        jdbi = db.jdbi();
        stub = new OpenAiStub();
        logger = ChatLogger.builder(new JdbcChatLogStore(jdbi)).prices(PRICES).build();
        new dev.chatlog.micrometer.ChatLogMeters(logger).bindTo(registry);
        gate = JdbcBudgetGate.builder(jdbi).refresh(Duration.ofMinutes(10)).build();
        definitions = new BudgetDefinitions(jdbi);
    }

    @AfterAll
    static void stop() {
        gate.close();
        logger.close();
        stub.close();
        db.close();
    }

    @BeforeEach
    void clean() {
        stub.mediaStatus(200);
        jdbi.useHandle(h -> {
            for (String t : List.of("chatbot_budgets", "chatbot_budget_windows", "chatbot_budget_reservations", "chatbot_budget_ledger")) {
                h.execute("DELETE FROM " + t);
            }
        });
        gate.refresh();
    }

    private static ImageModel images(String modelName, BudgetGuard budgets) {
        return ChatLogMediaModels.observe(OpenAiImageModel.builder().baseUrl(stub.baseUrl()).apiKey("k").modelName(modelName)
                .maxRetries(0).build(), modelName, logger, budgets);
    }

    /** The rows of one conversation by call type, with their metadata parsed. */
    private static List<Map<String, Object>> rows(String conversation) {
        assertTrue(logger.flush(Duration.ofSeconds(20)));
        return jdbi.withHandle(h -> h.createQuery("""
                SELECT call_type, model, provider, success, priced, cost_estimate, input_text, output_text, error_category, metadata,
                       parent_call_id, message_id
                FROM chatbot_llm_calls WHERE conversation_id = :c ORDER BY call_sequence""").bind("c", conversation).mapToMap().list());
    }

    private static JsonNode meta(Map<String, Object> row) throws Exception {
        return JSON.readTree((String) row.get("metadata"));
    }

    private static BigDecimal cost(Map<String, Object> row) {
        return (BigDecimal) row.get("cost_estimate");
    }

    @Test
    void should_record_images_with_their_count_and_size_priced_per_image() throws Exception {
        String conv = "images-" + System.nanoTime();
        try (MessageTurn turn = logger.beginMessage(conv, "draw me a kettle")) {
            Response<List<Image>> made = images("dall-e-3", null).generate("a red kettle", 2);
            assertEquals(2, made.content().size());
            turn.output("two kettles", "two kettles");
        }
        Map<String, Object> row = rows(conv).get(0);
        assertEquals("image", row.get("call_type"));
        assertEquals("dall-e-3", row.get("model"));
        assertEquals("a red kettle", row.get("input_text"));
        JsonNode m = meta(row);
        assertEquals(2, m.path("images").asInt());
        assertEquals(OpenAiStub.IMAGE_WIDTH + "x" + OpenAiStub.IMAGE_HEIGHT, m.path("size").asText(), "read from the PNG's header");
        assertEquals(2, m.path("billable_units").path("image").asInt());
        assertEquals(0, new BigDecimal("0.08").compareTo(cost(row)), "2 images x $0.04");
        assertTrue((Boolean) row.get("priced"));
        // the meters: an operation with its cost, and no token counts (none are billed)
        var ops = registry.find(dev.chatlog.micrometer.ChatLogMeters.OPERATION_DURATION).tag("gen_ai.operation.name", "generate_content").timers();
        assertTrue(ops.stream().mapToLong(t -> t.count()).sum() >= 1, "an image operation timed");
        assertTrue(registry.find(dev.chatlog.micrometer.ChatLogMeters.TOKEN_USAGE).tag("gen_ai.operation.name", "generate_content").summaries().isEmpty());
        assertTrue(registry.find(dev.chatlog.micrometer.ChatLogMeters.COST).tag("gen_ai.request.model", "dall-e-3").counters().stream()
                .mapToDouble(c -> c.count()).sum() >= 0.08 - 1e-9);
    }

    @Test
    void should_leave_an_image_model_without_a_per_image_price_unpriced_not_free() throws Exception {
        String conv = "unpriced-" + System.nanoTime();
        try (MessageTurn turn = logger.beginMessage(conv, "draw")) {
            images("gpt-image-1", null).generate("a kettle"); // the price data prices its tokens, not its images
            turn.output("done", "done");
        }
        Map<String, Object> row = rows(conv).get(0);
        assertFalse((Boolean) row.get("priced"));
        assertNull(row.get("cost_estimate"));
        assertEquals(1, meta(row).path("billable_units").path("image").asInt());
    }

    @Test
    void should_record_transcription_with_the_audio_duration_priced_per_minute() throws Exception {
        String conv = "stt-" + System.nanoTime();
        AudioTranscriptionModel stt = ChatLogMediaModels.observe(OpenAiAudioTranscriptionModel.builder().baseUrl(stub.baseUrl())
                .apiKey("k").modelName("whisper-1").build(), "whisper-1", logger);
        try (MessageTurn turn = logger.beginMessage(conv, "(voice)")) {
            Audio audio = Audio.builder().binaryData(OpenAiStub.wav(3.0)).mimeType("audio/wav").build();
            assertEquals(OpenAiStub.TRANSCRIPT, stt.transcribe(AudioTranscriptionRequest.builder(audio).language("en").build()).text());
            turn.output("ok", "ok");
        }
        Map<String, Object> row = rows(conv).get(0);
        assertEquals("transcription", row.get("call_type"));
        assertEquals(OpenAiStub.TRANSCRIPT, row.get("output_text"));
        JsonNode m = meta(row);
        assertEquals(0, new BigDecimal("3.000").compareTo(m.path("audio_seconds").decimalValue()), m.toString());
        assertEquals("audio/wav", m.path("audio_format").asText());
        assertEquals("en", m.path("language").asText());
        assertEquals(0, new BigDecimal("0.0003").compareTo(cost(row)), "3 s at $0.006 a minute");
        assertEquals("openai", row.get("provider"));
    }

    @Test
    void should_record_speech_with_its_characters_priced_per_character() throws Exception {
        String conv = "tts-" + System.nanoTime();
        TextToSpeechModel tts = ChatLogMediaModels.observe(OpenAiTextToSpeechModel.builder().baseUrl(stub.baseUrl()).apiKey("k")
                .modelName("tts-1").voice("alloy").build(), "tts-1", logger);
        String text = "Our kettle holds 1.7 litres and boils in three minutes."; // 55 characters
        try (MessageTurn turn = logger.beginMessage(conv, "(voice)")) {
            assertTrue(tts.synthesize(text).audio().binaryData().length > 0);
            turn.output("spoken", "spoken");
        }
        Map<String, Object> row = rows(conv).get(0);
        assertEquals("speech", row.get("call_type"));
        JsonNode m = meta(row);
        assertEquals(text.length(), m.path("characters").asInt());
        assertTrue(m.path("output_audio_seconds").decimalValue().signum() > 0, m.toString());
        // 55 characters at $15 per million
        assertEquals(0, new BigDecimal("0.000825").compareTo(cost(row)), String.valueOf(cost(row)));
    }

    @Test
    void should_record_a_rerank_as_one_search_with_its_documents_and_best_score() throws Exception {
        String conv = "rerank-" + System.nanoTime();
        ScoringModel byLength = (segments, query) -> Response.from(segments.stream().map(s -> s.text().length() / 100.0).toList());
        ScoringModel reranker = ChatLogMediaModels.observe(byLength, "rerank-lite", logger);
        try (MessageTurn turn = logger.beginMessage(conv, "kettles?")) {
            reranker.scoreAll(List.of(TextSegment.from("a kettle"), TextSegment.from("a much longer kettle description")), "kettle");
            turn.output("ok", "ok");
        }
        Map<String, Object> row = rows(conv).get(0);
        assertEquals("rerank", row.get("call_type"));
        JsonNode m = meta(row);
        assertEquals(2, m.path("documents").asInt());
        assertEquals(0.32, m.path("best_score").asDouble(), 1e-9);
        assertEquals(0, new BigDecimal("0.002").compareTo(cost(row)), "one search at $2 per thousand");
    }

    @Test
    void should_record_a_failed_image_call_with_its_category_and_nothing_billed() throws Exception {
        String conv = "fail-" + System.nanoTime();
        stub.mediaStatus(429);
        try (MessageTurn turn = logger.beginMessage(conv, "draw")) {
            // LangChain4j's image client throws its HttpException (not a RateLimitException): the status classifies it
            assertThrows(dev.langchain4j.exception.HttpException.class, () -> images("dall-e-3", null).generate("a kettle"));
            turn.output("no image", "no image");
        }
        Map<String, Object> row = rows(conv).get(0);
        assertFalse((Boolean) row.get("success"));
        assertEquals("rate_limited", row.get("error_category"));
        assertEquals(429, meta(row).path("http_status").asInt());
        assertEquals(0, BigDecimal.ZERO.compareTo(cost(row)), "a failed generation bills no image (priced: the model has a price)");
    }

    @Test
    void should_admit_images_under_a_budget_at_their_price_and_refuse_what_does_not_fit() throws Exception {
        Budget b = new Budget("images", Budget.Scope.GLOBAL, null, BudgetPeriod.DAY, ZoneOffset.UTC, new BigDecimal("0.10"), null,
                Budget.Action.ENFORCE);
        definitions.put(b);
        gate.refresh();
        BudgetGuard guard = BudgetGuard.builder(gate, PRICES).build();
        String conv = "budget-" + System.nanoTime();
        int sent = stub.requests().size();
        try (MessageTurn turn = logger.beginMessage(conv, "draw")) {
            images("dall-e-3", guard).generate("one kettle", 2); // $0.08 of $0.10
            assertThrows(BudgetExceededException.class, () -> images("dall-e-3", guard).generate("two more", 2)); // $0.16 more
            images("dall-e-3", guard).generate("a last one"); // $0.04 does not fit either: 0.08 + 0.04 > 0.10
        } catch (BudgetExceededException expected) {
            // the last one
        }
        assertEquals(sent + 1, stub.requests().size(), "refused calls are never sent");
        BudgetLedger.WindowState w = new BudgetLedger(jdbi).window(b, Instant.now());
        assertEquals(0, new BigDecimal("0.08").compareTo(w.spent()), w.toString());
        assertEquals(0, w.reserved().signum());
        List<Map<String, Object>> rows = rows(conv);
        assertEquals(3, rows.size());
        assertEquals("budget_refused", rows.get(1).get("error_category"));
        assertEquals(List.of(), new ConsistencyCheck(jdbi).mismatches());
    }

    @Test
    void should_price_units_from_a_price_file_and_reject_an_unknown_unit() throws Exception {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("prices", ".json");
        java.nio.file.Files.writeString(file, "{\"models\": {\"dall-e-3-hd\": {\"per_image\": 0.08}, \"whisper-large\": {\"per_minute\": 0.01}}}");
        PriceCatalog c = PriceCatalog.bundled().withOverrides(file);
        assertEquals(0, new BigDecimal("0.08").compareTo(c.quote("dall-e-3-hd", null, Instant.now()).orElseThrow().rates().perUnit().get("image")));
        assertEquals(0, new BigDecimal("0.01").divide(BigDecimal.valueOf(60), 16, java.math.RoundingMode.HALF_UP)
                .compareTo(c.quote("whisper-large", null, Instant.now()).orElseThrow().rates().perUnit().get("audio_second")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PriceCatalog.bundled().withInlineOverrides("dall-e-3=0.04/picture"));
        assertTrue(e.getMessage().contains("picture") && e.getMessage().contains("1k_searches"), e.getMessage());
        for (String bad : List.of("x=/image", "x=abc/image", "x=0.04/", "x=-1/image", "x=-1:2", "x=1:2:3:4")) {
            assertThrows(IllegalArgumentException.class, () -> PriceCatalog.bundled().withInlineOverrides(bad), bad);
        }
        java.nio.file.Files.writeString(file, "{\"models\": {\"dall-e-3\": {\"PER_IMAGE\": -1}}}");
        e = assertThrows(IllegalArgumentException.class, () -> PriceCatalog.bundled().withOverrides(file));
        assertTrue(e.getMessage().contains("dall-e-3") && e.getMessage().contains("PER_IMAGE"), e.getMessage());
        // a per-unit price beside a model the data prices by the token: both hold
        PriceCatalog both = PriceCatalog.bundled().withInlineOverrides("gpt-4o=0.01/image");
        var q = both.quote("gpt-4o", "openai", Instant.now()).orElseThrow();
        assertTrue(q.rates().pricesTokens(), "the data's token prices stay");
        assertEquals(0, new BigDecimal("0.01").compareTo(q.rates().perUnit().get("image")));
    }
}
