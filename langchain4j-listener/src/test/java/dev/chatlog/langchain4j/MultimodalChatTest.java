package dev.chatlog.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.MessageTurn;
import dev.chatlog.core.token.TokenCounter;
import dev.chatlog.langchain4j.OpenAiStub.Reply;
import dev.chatlog.langchain4j.OpenAiStub.Usage;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.chatlog.sql.TestDatabase;
import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A chat carrying images, through the real OpenAI client against the stub: the row counts and sizes its parts, and
 * when the provider reports no usage, estimates the images' tokens by the provider's published rule and says so.
 */
class MultimodalChatTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Database db;
    private static Jdbi jdbi;
    private static OpenAiStub stub;
    private static ChatLogger logger;
    private static ChatModel model;

    @BeforeAll
    static void start() throws Exception {
        db = TestDatabase.freshDatabase();
        jdbi = db.jdbi();
        stub = new OpenAiStub();
        logger = ChatLogger.builder(new JdbcChatLogStore(jdbi)).build();
        model = OpenAiChatModel.builder().baseUrl(stub.baseUrl()).apiKey("k").modelName("gpt-4o").maxRetries(0)
                .listeners(List.of(ChatLogListener.builder(logger).build())).build();
    }

    @AfterAll
    static void stop() {
        logger.close();
        stub.close();
        db.close();
    }

    private static String png(int w, int h) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB), "png", out);
        return Base64.getEncoder().encodeToString(out.toByteArray());
    }

    private static Map<String, Object> row(String conversation) {
        assertTrue(logger.flush(Duration.ofSeconds(20)));
        return jdbi.withHandle(h -> h.createQuery("SELECT input_tokens, token_source, metadata FROM chatbot_llm_calls WHERE conversation_id = :c")
                .bind("c", conversation).mapToMap().one());
    }

    @Test
    void should_estimate_two_images_by_the_tile_rule_when_the_provider_reports_no_usage() throws Exception {
        stub.respond(r -> Reply.text("a kettle and a pan", null));
        String conv = "vision-" + System.nanoTime();
        String small = png(64, 32), square = png(1024, 1024);
        UserMessage question = UserMessage.from(TextContent.from("What is in these pictures?"),
                ImageContent.from(small, "image/png", ImageContent.DetailLevel.HIGH), ImageContent.from(square, "image/png", ImageContent.DetailLevel.AUTO));
        try (MessageTurn turn = logger.beginMessage(conv, "What is in these pictures?")) {
            model.chat(question);
            turn.output("{}", "a kettle and a pan");
        }
        Map<String, Object> row = row(conv);
        JsonNode m = JSON.readTree((String) row.get("metadata"));
        assertEquals(2, m.path("input_parts").path("image").asInt());
        assertEquals(Base64.getDecoder().decode(small).length + Base64.getDecoder().decode(square).length,
                m.path("input_part_bytes").path("image").asLong());
        assertEquals("64x32", m.path("image_sizes").get(0).asText());
        assertEquals("1024x1024", m.path("image_sizes").get(1).asText());
        // OpenAI's rule: 64x32 is one 512 tile (85 + 170); 1024x1024 scales to 768x768, four tiles (85 + 680)
        assertEquals(255 + 765, m.path("image_tokens_estimated").asInt());
        assertEquals("openai", m.path("image_token_rule").asText());
        assertEquals("estimated", row.get("token_source"));
        int text = TokenCounter.shared().countChat("gpt-4o", CallRenderer.prompt(
                dev.langchain4j.model.chat.request.ChatRequest.builder().messages(question).build()));
        assertEquals(text + 1020, ((Number) row.get("input_tokens")).intValue(), "the text's tokens plus the images' estimate");
    }

    @Test
    void should_keep_the_providers_usage_and_still_record_the_parts() throws Exception {
        stub.respond(r -> Reply.text("a kettle", Usage.of(900, 4)));
        String conv = "vision-usage-" + System.nanoTime();
        try (MessageTurn turn = logger.beginMessage(conv, "What is this?")) {
            model.chat(UserMessage.from(TextContent.from("What is this?"), ImageContent.from("https://example.invalid/kettle.png")));
            turn.output("{}", "a kettle");
        }
        Map<String, Object> row = row(conv);
        JsonNode m = JSON.readTree((String) row.get("metadata"));
        assertEquals(900, ((Number) row.get("input_tokens")).intValue());
        assertEquals(1, m.path("input_parts").path("image").asInt());
        assertFalse(m.has("image_tokens_estimated"), "the provider counted them: nothing estimated");
        assertFalse(m.has("input_part_bytes"), "an image by URL has no bytes in the request");
    }

    @Test
    void should_apply_each_providers_published_rule() {
        assertEquals(85, PromptParts.imageTokens("openai", 4000, 3000, true), "low detail: a flat 85");
        assertEquals(1105, PromptParts.imageTokens("openai", 2048, 4096, false), "OpenAI's own example: 2048x4096 is 1105");
        assertEquals(1334, PromptParts.imageTokens("anthropic", 1000, 1000, false), "Anthropic: 1000x1000 / 750");
        assertEquals(1590, PromptParts.imageTokens("anthropic", 1092, 1092, false), "Anthropic's table: 1092x1092 is about 1,590");
        assertTrue(PromptParts.imageTokens("anthropic", 3136, 1568, false) <= 1600, "scaled to 1568 and ~1.19 megapixels first");
        assertTrue(PromptParts.imageTokens("anthropic", 1568, 1568, false) <= 1600);
        assertEquals(2833 + 4 * 5667, PromptParts.imageTokens(PromptParts.rule("openai", "gpt-4o-mini"), 1024, 1024, false), "gpt-4o-mini's figures");
        assertEquals("anthropic", PromptParts.rule("amazon-bedrock", "us.anthropic.claude-sonnet-4-5-v1:0"));
        assertEquals(258, PromptParts.imageTokens("gemini", 384, 200, false));
        assertEquals(4 * 258, PromptParts.imageTokens("gemini", 1024, 1024, false), "two by two 768 tiles");
        assertEquals("anthropic", PromptParts.rule("anthropic", "claude-sonnet-4-5"));
        assertEquals("gemini", PromptParts.rule("google-ai-gemini", "gemini-2.5-pro"));
        assertEquals("openai", PromptParts.rule("openai", "gpt-4o"));
    }

    @Test
    void should_estimate_an_image_given_by_url_as_1024_square_and_say_so() throws Exception {
        stub.respond(r -> Reply.text("a tent", null));
        String conv = "vision-url-" + System.nanoTime();
        try (MessageTurn turn = logger.beginMessage(conv, "What is this?")) {
            model.chat(UserMessage.from(TextContent.from("What is this?"),
                    ImageContent.from("https://example.invalid/tent.png", ImageContent.DetailLevel.HIGH),
                    ImageContent.from("https://example.invalid/tent-small.png"))); // LangChain4j's default detail: low
            turn.output("{}", "a tent");
        }
        JsonNode m = JSON.readTree((String) row(conv).get("metadata"));
        assertEquals(765 + 85, m.path("image_tokens_estimated").asInt(), "high detail as 1024x1024: 765; low detail: 85 whatever the size");
        assertEquals(2, m.path("images_of_unknown_size").asInt());
    }
}
