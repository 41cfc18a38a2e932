package dev.chatlog.insights;

import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.LlmCall;
import dev.chatlog.core.TokenSource;
import dev.chatlog.core.price.PriceCatalog;
import dev.chatlog.core.price.Rates;
import dev.chatlog.sql.JdbcChatLogStore;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/** Writes synthetic calls through the real logger (priced by it, rolled up by the store) and prices them by hand. */
final class PlantedLog implements AutoCloseable {
    static final PriceCatalog PRICES = PriceCatalog.bundled();
    final ChatLogger logger;
    final Instant now;

    PlantedLog(Jdbi jdbi, Instant now) {
        this.logger = ChatLogger.builder(new JdbcChatLogStore(jdbi)).queueCapacity(100_000).batchSize(1_000).build();
        this.now = now;
    }

    /** A successful chat call; {@code meta} as the listener records it (request_hash, prefix_hash, prefix_tokens...). */
    LlmCall.Builder call(String function, String model, String conversation, String message, Instant at, int in, int out) {
        return LlmCall.builder().callId(UUID.randomUUID().toString()).callType(dev.chatlog.core.CallType.CHAT)
                .conversationId(conversation).messageId(message).functionName(function).provider("openai").model(model)
                .inputTokens(in).outputTokens(out).tokenSource(TokenSource.PROVIDER).startedAt(at).durationMs(800)
                .inputText("prompt").outputText("answer").success(true).metadata(Map.of("request_hash", UUID.randomUUID().toString().replace("-", "")));
    }

    static Map<String, Object> meta(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    void log(LlmCall.Builder b) {
        logger.logCall(b.build());
    }

    void flush() {
        if (!logger.flush(Duration.ofSeconds(120))) throw new AssertionError("the logger did not flush");
    }

    @Override
    public void close() {
        logger.close();
    }

    static Rates rates(String model) {
        return PRICES.quote(model, "openai", Instant.now()).orElseThrow().rates();
    }

    /** USD for {@code tokens} at {@code perMillion}, by hand. */
    static BigDecimal usd(double tokens, BigDecimal perMillion) {
        return perMillion.multiply(BigDecimal.valueOf(tokens)).divide(BigDecimal.valueOf(1_000_000), 10, RoundingMode.HALF_UP);
    }

    /** One call's cost: input and output tokens at the model's base rates, by hand. */
    static BigDecimal cost(String model, int in, int out) {
        Rates r = rates(model);
        return usd(in, r.input().base()).add(usd(out, r.output().base()));
    }
}
