package dev.chatlog.micrometer;

import dev.chatlog.core.Batch;
import dev.chatlog.core.CallType;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.GenAiNames;
import dev.chatlog.core.LlmCall;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * chatlog's meters for a Micrometer registry, following the OpenTelemetry GenAI semantic
 * conventions (v1.41) where they name a figure: {@code gen_ai.client.token.usage},
 * {@code gen_ai.client.operation.duration}, {@code gen_ai.client.operation.time_to_first_chunk},
 * with their recommended bucket boundaries; and chatlog's own (cost, unpriced calls, cached and
 * reasoning tokens, tool executions, the logger's health). Bind it to one registry or several (Spring
 * Boot binds it to the application's). Recorded from what the store took
 * ({@link ChatLogger#onStored}), on the logger's writer thread: the caller's thread never touches
 * a meter, and the meters count what the database holds.
 *
 * <p>Cardinality is bounded by construction: every meter has one fixed set of tag keys (a missing
 * value is {@value #NONE}); model, provider, error and tool values are canonicalised (lower case,
 * trimmed, at most 100 characters) and at most {@link #MAX_VALUES} distinct values per key are kept,
 * later ones counted under {@value #OTHER}; and each meter name has at most {@link #MAX_SERIES}
 * series (combinations of values): a new combination past it is counted in the name's overflow
 * series, whose variable tags all read {@value #OTHER}. Nothing is dropped: totals stay exact. User
 * and conversation ids are never tags.
 */
public final class ChatLogMeters implements MeterBinder {
    public static final String NONE = "none";
    public static final String OTHER = GenAiNames.OTHER;
    public static final int MAX_VALUES = 200;
    public static final int MAX_SERIES = 1_000;
    /** The tags whose values come from the data; the others (operation, token type, outcome) have a few fixed values. */
    private static final Set<String> VARIABLE_TAGS = Set.of("gen_ai.provider.name", "gen_ai.request.model", "gen_ai.response.model",
            "error.type", "gen_ai.tool.name");

    public static final String TOKEN_USAGE = "gen_ai.client.token.usage";
    public static final String OPERATION_DURATION = "gen_ai.client.operation.duration";
    public static final String TIME_TO_FIRST_CHUNK = "gen_ai.client.operation.time_to_first_chunk";
    public static final String CACHED_INPUT_TOKENS = "chatlog.client.token.cached_input";
    public static final String REASONING_TOKENS = "chatlog.client.token.reasoning";
    public static final String COST = "chatlog.client.cost";
    public static final String UNPRICED_CALLS = "chatlog.client.calls.unpriced";
    public static final String TOOL_EXECUTIONS = "chatlog.tool.executions";
    /** Steps other than tools (retrievals, guardrails, stages) by kind and name, timed: {@code chatlog.step.duration{kind, name, outcome}}. */
    public static final String STEP_DURATION = "chatlog.step.duration";
    /** Lookups in the application's caches: {@code chatlog.cache.lookups{cache, result}} (hit or miss). */
    public static final String CACHE_LOOKUPS = "chatlog.cache.lookups";

    /** [1, 4, 16, … 67108864]: the conventions' token buckets. */
    static final double[] TOKEN_BUCKETS = {1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864};
    /** [0.01, 0.02, … 81.92] s: the conventions' duration buckets. */
    static final double[] SECOND_BUCKETS = {0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92};
    private final ChatLogger logger;
    private final Map<String, Set<String>> seen = new ConcurrentHashMap<>();
    private final Map<String, Set<Tags>> series = new ConcurrentHashMap<>();
    private final List<MeterRegistry> registries = new java.util.concurrent.CopyOnWriteArrayList<>();

    public ChatLogMeters(ChatLogger logger) {
        this.logger = logger;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        if (registries.contains(registry)) return;
        FunctionCounter.builder("chatlog.logger.records.accepted", logger, l -> l.stats().accepted())
                .description("records the logger accepted from callers").register(registry);
        FunctionCounter.builder("chatlog.logger.records.written", logger, l -> l.stats().written())
                .description("records stored in the database").register(registry);
        FunctionCounter.builder("chatlog.logger.records.dropped", logger, l -> l.stats().dropped())
                .description("records dropped: the in-memory queue was full").register(registry);
        FunctionCounter.builder("chatlog.logger.records.rejected", logger, l -> l.stats().rejected())
                .description("records the database refused for good").register(registry);
        FunctionCounter.builder("chatlog.logger.records.lost", logger, l -> l.stats().lost())
                .description("records lost: the spool was at its cap").register(registry);
        Gauge.builder("chatlog.logger.queue.depth", logger, l -> l.stats().queueDepth()).description("records waiting in memory")
                .register(registry);
        Gauge.builder("chatlog.logger.spool.bytes", logger, l -> l.stats().spoolPendingBytes()).baseUnit("bytes")
                .description("bytes in the spool not yet in the database").register(registry);
        Gauge.builder("chatlog.logger.spool.max", logger, l -> l.stats().spoolMaxBytes()).baseUnit("bytes")
                .description("the spool's cap (0: no spool)").register(registry);
        Gauge.builder("chatlog.logger.backlog.records", logger, l -> l.stats().spoolBacklogRecords())
                .description("records in the spool waiting for the database").register(registry);
        boolean first = registries.isEmpty();
        registries.add(registry);
        if (first) {
            Consumer<Batch> record = this::record;
            logger.onStored(record);
        }
    }

    /** Records the model calls and tool executions of a batch the store took. */
    void record(Batch batch) {
        for (MeterRegistry r : registries) record(r, batch);
    }

    private void record(MeterRegistry r, Batch batch) {
        for (LlmCall c : batch.calls()) {
            if (c.callType() == CallType.TOOL) {
                Counter.builder(TOOL_EXECUTIONS).description("tool executions").tags(capped(TOOL_EXECUTIONS, Tags.of(
                        "gen_ai.tool.name", bounded("tool", c.functionName()), "outcome", c.success() ? "success" : "error")))
                        .register(r).increment();
                continue;
            }
            if (c.callType() == CallType.CACHE) {
                Counter.builder(CACHE_LOOKUPS).description("lookups in the application's caches").tags(capped(CACHE_LOOKUPS, Tags.of(
                        "cache", bounded("cache", c.functionName()), "result", "hit".equals(c.finishReason()) ? "hit" : "miss")))
                        .register(r).increment();
            }
            if (c.callType().isStep()) {
                seconds(r, STEP_DURATION, "duration of a pipeline step (retrieval, guardrail, stage, cache lookup, service, vector store)", capped(STEP_DURATION, Tags.of(
                        "kind", c.callType().dbValue(), "name", bounded("step", c.functionName()), "outcome", c.success() ? "success" : "error")),
                        (long) (c.durationMs() * 1_000_000));
                continue;
            }
            if (!c.callType().isModelCall()) continue;
            String op = GenAiNames.operation(c.callType());
            Tags base = Tags.of("gen_ai.operation.name", op, "gen_ai.provider.name", provider(c.provider()),
                    "gen_ai.request.model", bounded("model", c.model()), "gen_ai.response.model", bounded("model", c.responseModel()),
                    "chatlog.arm", bounded("arm", c.arm()));
            boolean tokensBilled = !c.callType().billsByUnit(); // images, audio, re-ranking: billed by the unit, no tokens to count
            if (tokensBilled && c.inputTokens() != null) tokens(r, TOKEN_USAGE, capped(TOKEN_USAGE, base.and("gen_ai.token.type", "input")), c.inputTokens());
            if (tokensBilled && c.outputTokens() != null && c.callType() != CallType.EMBEDDING && c.callType() != CallType.MODERATION) {
                tokens(r, TOKEN_USAGE, capped(TOKEN_USAGE, base.and("gen_ai.token.type", "output")), c.outputTokens());
            }
            if (c.cachedInputTokens() != null && c.cachedInputTokens() > 0) {
                tokens(r, CACHED_INPUT_TOKENS, capped(CACHED_INPUT_TOKENS, base), c.cachedInputTokens());
            }
            if (c.reasoningTokens() != null && c.reasoningTokens() > 0) tokens(r, REASONING_TOKENS, capped(REASONING_TOKENS, base), c.reasoningTokens());
            String error = c.success() ? NONE : errorType(c.errorType());
            seconds(r, OPERATION_DURATION, "GenAI operation duration", capped(OPERATION_DURATION, base.and("error.type", error)),
                    (long) (c.durationMs() * 1_000_000));
            if (c.callType() == CallType.STREAMING_CHAT && c.timeToFirstTokenMs() != null) {
                seconds(r, TIME_TO_FIRST_CHUNK, "time to the first chunk of a streamed response", capped(TIME_TO_FIRST_CHUNK, base),
                        c.timeToFirstTokenMs() * 1_000_000L);
            }
            if (c.priced() && c.costEstimate() != null) {
                Counter.builder(COST).baseUnit("usd").description("cost of the calls, from chatlog's price data").tags(capped(COST, base))
                        .register(r).increment(c.costEstimate().doubleValue());
            } else {
                Counter.builder(UNPRICED_CALLS).description("calls of a model with no price (not counted as free)")
                        .tags(capped(UNPRICED_CALLS, base)).register(r).increment();
            }
        }
    }

    private static void tokens(MeterRegistry r, String name, Tags tags, long n) {
        DistributionSummary.builder(name).description(name.equals(TOKEN_USAGE) ? "Number of input and output tokens used."
                        : name.equals(CACHED_INPUT_TOKENS) ? "input tokens read from the provider's cache (part of the input tokens)"
                        : "reasoning tokens (part of the output tokens)")
                .serviceLevelObjectives(TOKEN_BUCKETS).tags(tags).register(r).record(n);
    }

    private static void seconds(MeterRegistry r, String name, String description, Tags tags, long nanos) {
        Timer.builder(name).description(description).serviceLevelObjectives(secondBuckets()).tags(tags).register(r)
                .record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }

    private static Duration[] secondBuckets() {
        Duration[] d = new Duration[SECOND_BUCKETS.length];
        for (int i = 0; i < d.length; i++) d[i] = Duration.ofNanos(Math.round(SECOND_BUCKETS[i] * 1e9));
        return d;
    }

    /** The conventions' provider name for a stored one ({@value #NONE} without one), bounded like every value. */
    private String provider(String stored) {
        String p = GenAiNames.provider(stored);
        return p == null ? NONE : bounded("provider", p);
    }

    /**
     * {@code tags} if the meter {@code name} has them already or has room for one more series;
     * else the name's overflow series: the same keys, every variable value {@value #OTHER}.
     */
    private Tags capped(String name, Tags tags) {
        Set<Tags> known = series.computeIfAbsent(name, k -> ConcurrentHashMap.newKeySet());
        if (known.contains(tags)) return tags;
        if (known.size() < MAX_SERIES) {
            known.add(tags); // one writer thread: the size check and the add do not race
            return tags;
        }
        List<Tag> out = new java.util.ArrayList<>();
        for (Tag t : tags) out.add(VARIABLE_TAGS.contains(t.getKey()) ? Tag.of(t.getKey(), OTHER) : t);
        return Tags.of(out);
    }

    /** An error's type as a class name or an HTTP status (class), never a message; bounded like every value. */
    private String errorType(String stored) {
        String e = GenAiNames.errorType(stored);
        return e.equals(OTHER) ? OTHER : bounded("error", e);
    }

    /** {@code value} canonicalised, or {@value #OTHER} once {@link #MAX_VALUES} others were seen for {@code key}. */
    private String bounded(String key, String value) {
        if (value == null || value.isBlank()) return NONE;
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.length() > 100) return OTHER;
        Set<String> values = seen.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet());
        if (values.contains(v)) return v;
        if (values.size() >= MAX_VALUES) return OTHER;
        values.add(v);
        return v;
    }

    /** The meter names this binder registers, for a test or a dashboard to check against. */
    public static List<String> names() {
        return List.of(TOKEN_USAGE, OPERATION_DURATION, TIME_TO_FIRST_CHUNK, CACHED_INPUT_TOKENS, REASONING_TOKENS, COST, UNPRICED_CALLS,
                TOOL_EXECUTIONS, STEP_DURATION, CACHE_LOOKUPS, "chatlog.logger.records.accepted", "chatlog.logger.records.written", "chatlog.logger.records.dropped",
                "chatlog.logger.records.rejected", "chatlog.logger.records.lost", "chatlog.logger.queue.depth", "chatlog.logger.spool.bytes",
                "chatlog.logger.spool.max", "chatlog.logger.backlog.records");
    }
}
