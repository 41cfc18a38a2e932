package dev.chatlog.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.core.CallType;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.LlmCall;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The meters' cardinality under hostile data: distinct values in every tag, and the totals kept exact. */
class ChatLogMetersTest {

    @Test
    void should_bound_the_series_of_each_meter_with_10000_distinct_values_per_tag_and_keep_the_totals() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        int calls = 10_000;
        try (ChatLogger logger = ChatLogger.builder(batch -> { }).build()) {
            new ChatLogMeters(logger).bindTo(registry);
            java.util.Random random = new java.util.Random(42);
            for (int i = 0; i < calls; i++) { // every combination new: 200 values per key still make 200^3 combinations
                logger.logCall(LlmCall.builder().callId("c" + i).conversationId("conv").messageId("m").callType(CallType.CHAT)
                        .provider("provider-" + i).model("model-" + random.nextInt(200)).responseModel("served-" + random.nextInt(200))
                        .success(false).errorType("com.example.Error" + random.nextInt(200)).inputTokens(10).outputTokens(5)
                        .priced(true).costEstimate(new BigDecimal("0.001")).durationMs(12).build());
            }
            assertTrue(logger.flush(Duration.ofSeconds(60)));
        }
        Map<String, Integer> series = new TreeMap<>();
        for (Meter m : registry.getMeters()) {
            if (!m.getId().getName().endsWith(".histogram")) series.merge(m.getId().getName(), 1, Integer::sum); // SimpleMeterRegistry's buckets
        }
        System.out.println("series per meter after 10,000 calls with distinct providers, models and errors: " + series);
        for (var e : series.entrySet()) {
            assertTrue(e.getValue() <= ChatLogMeters.MAX_SERIES + 4, e.getKey() + " has " + e.getValue() + " series");
        }
        long counted = registry.find(ChatLogMeters.OPERATION_DURATION).timers().stream().mapToLong(Timer::count).sum();
        assertEquals(calls, counted, "every call counted, in its series or the overflow");
        double cost = registry.find(ChatLogMeters.COST).counters().stream().mapToDouble(c -> c.count()).sum();
        assertEquals(10.0, cost, 1e-6);
        assertTrue(registry.find(ChatLogMeters.OPERATION_DURATION).tag("gen_ai.provider.name", ChatLogMeters.OTHER).timers().size() > 0,
                "providers are bounded like every value");
    }

    @Test
    void should_not_change_the_series_of_a_normal_workload() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (ChatLogger logger = ChatLogger.builder(batch -> { }).build()) {
            new ChatLogMeters(logger).bindTo(registry);
            for (int i = 0; i < 50; i++) {
                logger.logCall(LlmCall.builder().callId("n" + i).conversationId("conv").messageId("m").callType(CallType.CHAT)
                        .provider("openai").model(i % 2 == 0 ? "gpt-4o" : "gpt-4o-mini").success(true).inputTokens(10).outputTokens(5)
                        .priced(true).costEstimate(new BigDecimal("0.001")).durationMs(12).build());
            }
            assertTrue(logger.flush(Duration.ofSeconds(60)));
        }
        assertEquals(2, registry.find(ChatLogMeters.OPERATION_DURATION).timers().size());
        assertEquals(0, registry.find(ChatLogMeters.OPERATION_DURATION).tag("gen_ai.request.model", ChatLogMeters.OTHER).timers().size());
    }

    @Test
    void should_time_retrievals_and_guardrails_by_kind_and_name_and_leave_them_out_of_the_model_meters() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (ChatLogger logger = ChatLogger.builder(batch -> { }).build()) {
            new ChatLogMeters(logger).bindTo(registry);
            for (int i = 0; i < 3; i++) {
                logger.logCall(LlmCall.builder().callId("r" + i).conversationId("conv").messageId("m").callType(CallType.RETRIEVAL)
                        .functionName("products").durationMs(40).build());
            }
            logger.logCall(LlmCall.builder().callId("g").conversationId("conv").messageId("m").callType(CallType.GUARDRAIL)
                    .functionName("NoOverrides").success(false).errorType("guardrail_refused").durationMs(2).build());
            assertTrue(logger.flush(Duration.ofSeconds(60)));
        }
        Timer retrievals = registry.find(ChatLogMeters.STEP_DURATION).tags("kind", "retrieval", "name", "products", "outcome", "success").timer();
        assertEquals(3, retrievals.count());
        assertEquals(120.0, retrievals.totalTime(java.util.concurrent.TimeUnit.MILLISECONDS), 1e-6);
        assertEquals(1, registry.find(ChatLogMeters.STEP_DURATION).tags("kind", "guardrail", "name", "nooverrides", "outcome", "error").timer().count());
        assertEquals(0, registry.find(ChatLogMeters.OPERATION_DURATION).timers().size(), "a step is not a model call");
        assertEquals(0, registry.find(ChatLogMeters.UNPRICED_CALLS).counters().size(), "nor an unpriced one");
    }
}
