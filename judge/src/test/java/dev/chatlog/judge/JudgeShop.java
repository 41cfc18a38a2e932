package dev.chatlog.judge;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.MessageTurn;
import dev.chatlog.core.price.PriceCatalog;
import dev.chatlog.langchain4j.ChatLogListener;
import dev.chatlog.langchain4j.OpenAiStub;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.chatlog.sql.TestDatabase;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/**
 * The judge tests' shop, on a fresh database: LangChain4j's real OpenAI client on the stub, the product's turns answered
 * by {@code shop-model} ($10 / $20 per million tokens), the judge's by {@code judge-mini} ($1 / $2) with 200 prompt
 * tokens and {@link #judgeReplyTokens} of reply (20: a rating costs exactly $0.00024) — a rating when the rated
 * message speaks of a kettle, prose otherwise —, both observed by one listener.
 */
final class JudgeShop implements AutoCloseable {
    static final PriceCatalog PRICES = PriceCatalog.bundled().withInlineOverrides("shop-model=10:20;judge-mini=1:2");
    final Database db = TestDatabase.freshDatabase();
    final Jdbi jdbi = db.jdbi();
    final OpenAiStub stub;
    final ChatLogger logger = ChatLogger.builder(new JdbcChatLogStore(jdbi)).prices(PRICES).build();
    final ChatModel product;
    final ChatModel judgeModel;
    volatile int judgeReplyTokens = 20;
    volatile long judgeDelayMs = 0;

    JudgeShop() throws Exception {
        stub = new OpenAiStub();
        stub.respond(r -> r.body().path("messages").get(0).path("content").asText().contains("evaluator")
                ? OpenAiStub.Reply.text(r.lastUserMessage().contains("kettle") ? "{\"score\": 4, \"reason\": \"Answers the question.\"}"
                        : "I would give it a good mark", OpenAiStub.Usage.of(200, judgeReplyTokens)).model("judge-mini").delay(judgeDelayMs)
                : OpenAiStub.Reply.text("We have the Steel Kettle at 39 EUR.", OpenAiStub.Usage.of(50, 10)).model("shop-model"));
        ChatLogListener listener = ChatLogListener.builder(logger).build();
        product = OpenAiChatModel.builder().baseUrl(stub.baseUrl()).apiKey("k").modelName("shop-model").maxRetries(0)
                .listeners(List.of(listener)).build();
        judgeModel = OpenAiChatModel.builder().baseUrl(stub.baseUrl()).apiKey("k").modelName("judge-mini").maxRetries(0)
                .listeners(List.of(listener)).build();
    }

    /** One turn of the product, of {@code user} (or none); returns {conversation, message, call}. */
    String[] turn(String input, String user) {
        String conv = "c-" + System.nanoTime();
        String msg;
        try (MessageTurn t = logger.beginMessage(conv, input)) {
            if (user != null) t.user(user);
            msg = t.messageId();
            t.output(product.chat(input), null);
        }
        assertTrue(logger.flush(Duration.ofSeconds(20)));
        String call = jdbi.withHandle(h -> h.createQuery("SELECT call_id FROM chatbot_llm_calls WHERE message_id = :m AND call_type = 'chat'")
                .bind("m", msg).mapTo(String.class).one());
        return new String[] {conv, msg, call};
    }

    /** A judge of {@code name} with the default rubric on {@code model}. */
    LlmJudge judge(String name, ChatModel model) {
        return new LlmJudge(name, model, Rubric.helpfulness(), logger, PRICES, Clock.systemUTC());
    }

    @Override
    public void close() {
        logger.close();
        stub.close();
        db.close();
    }
}
