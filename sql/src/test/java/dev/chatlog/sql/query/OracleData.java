package dev.chatlog.sql.query;


import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatlog.core.CallType;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.LlmCall;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.chatlog.sql.TestDatabase;
import dev.chatlog.sql.export.Exporter;
import dev.chatlog.sql.report.Figures;
import dev.chatlog.sql.report.Reports;
import dev.chatlog.sql.rollup.ConsistencyCheck;
import dev.chatlog.sql.rollup.Dimension;
import dev.chatlog.sql.rollup.Histogram;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The rows the read-side oracle tests write once per JVM (five days, 120 conversations, model and
 * tool calls, replays, edge durations, a separator in an agent name), and the figures recomputed from them.
 */
final class OracleData {
    static final LocalDate D0 = LocalDate.of(2026, 10, 1);
    static final List<String> MODELS = List.of("gpt-4o", "gpt-4o-mini", "unknown-x");
    static final List<String> AGENTS = List.of("Orchestrator", "RAGAgent", "");
    static final List<String> MODES = List.of("simple", "tool", "rag");
    /** Experiment arms by conversation (null: in none). */
    static final List<String> ARMS = java.util.Arrays.asList(null, "exp/a", "exp/b", "exp2/x");
    static final String NASTY = "a, \"quoted\" word\nnew line; ünïcödé ✓ ,\r\nend";

    static final Database db = TestDatabase.freshDatabase();
    static final Reports stats = new Reports(db.jdbi());
    static final Planner planner = Planner.standard();
    static final List<LlmCall> calls = new ArrayList<>();
    static final List<ConversationMessage> messages = new ArrayList<>();

    static {
        fill();
    }

    private OracleData() {}

    private static void fill() {
        Random r = new Random(7);
        for (int conv = 0; conv < 120; conv++) {
            LocalDate day = D0.plusDays(conv % 5);
            String user = "u" + (conv % 7);
            String mode = MODES.get(conv % 3);
            String arm = ARMS.get(conv % 4);
            for (int msg = 0; msg < 3; msg++) {
                Instant t = day.atStartOfDay().toInstant(ZoneOffset.UTC).plusSeconds(r.nextInt(86_000));
                String messageId = "c" + conv + "m" + msg;
                for (int k = 0; k < 4; k++) {
                    boolean tool = k == 2;
                    String model = MODELS.get(r.nextInt(3));
                    double duration = Math.round((10 + r.nextDouble() * (r.nextInt(10) == 0 ? 20_000 : 3_000)) * 100) / 100.0;
                    LlmCall.Builder b = LlmCall.builder().conversationId("conv-" + conv).messageId(messageId)
                            .callSequence(k + 1).userId(user).chatMode(mode).arm(arm).agent(AGENTS.get(r.nextInt(3)).isEmpty() ? null : AGENTS.get(r.nextInt(2)))
                            .startedAt(t.plusMillis(k * 10L)).durationMs(duration).success(r.nextInt(12) != 0)
                            .inputText(k == 0 ? NASTY + messageId : "prompt " + messageId).outputText("out " + k);
                    if (tool) {
                        b.callType(CallType.TOOL).functionName("search_orders").inputTokens(0).outputTokens(0);
                    } else {
                        b.callType(k == 3 ? CallType.STREAMING_CHAT : CallType.CHAT).model(model)
                                .functionName(k == 0 ? "classify_intent" : "summarize")
                                .inputTokens(50 + r.nextInt(900)).outputTokens(5 + r.nextInt(200))
                                .timeToFirstTokenMs(k == 3 ? (long) (duration / 3) : null);
                        if (!model.equals("unknown-x")) {
                            b.costEstimate(new BigDecimal(r.nextInt(90_000) + 1).movePointLeft(8)).priced(true);
                        }
                    }
                    calls.add(b.build());
                }
                messages.add(ConversationMessage.builder().conversationId("conv-" + conv).messageId(messageId).userId(user)
                        .chatMode(mode).arm(arm).userInput("question " + messageId).finalOutput("{}").timestamp(t)
                        .success(r.nextInt(10) != 0).responseTimeMs(Math.round(r.nextDouble() * 500_000) / 100.0).build());
            }
        }
        // durations a hair above a histogram edge that round onto it when stored (as a measured 100.004 ms does):
        // the rollups must bucket them as stored, as every reader of the rows does
        Instant edge = D0.plusDays(3).atStartOfDay().toInstant(ZoneOffset.UTC).plusSeconds(5_000);
        double[] hairs = {100.004, 50.0049, 2000.001};
        for (int k = 0; k < hairs.length; k++) {
            calls.add(LlmCall.builder().conversationId("conv-edge").messageId("edge-m").callSequence(k + 1).userId("u2").chatMode("simple")
                    .functionName(k == 2 ? "search_orders" : "summarize").callType(k == 2 ? CallType.TOOL : CallType.CHAT)
                    .model(k == 2 ? null : "unknown-x").inputText("edge " + k).outputText("edge answer " + k).inputTokens(k == 2 ? 0 : 10)
                    .outputTokens(k == 2 ? 0 : 5).startedAt(edge.plusSeconds(k)).durationMs(hairs[k]).success(true).build());
        }
        // an agent whose name holds the pair rollups' separator: those breakdowns must still be exact
        Instant night = D0.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC).plusSeconds(7_200);
        for (int k = 0; k < 3; k++) {
            calls.add(LlmCall.builder().conversationId("conv-pipe").messageId("pipe-m").callSequence(k + 1).userId("u1").chatMode("rag")
                    .agent("Night|Shift").functionName("summarize").callType(CallType.CHAT).model("gpt-4o")
                    .inputText("night question " + k).outputText("night answer " + k).inputTokens(100 + k).outputTokens(10).costEstimate(new BigDecimal("0.0003")).priced(true)
                    .startedAt(night.plusSeconds(k)).durationMs(400 + k * 100).success(true).build());
        }
        try (ChatLogger logger = ChatLogger.builder(new JdbcChatLogStore(db.jdbi())).batchSize(300).build()) {
            calls.forEach(logger::logCall);
            messages.forEach(logger::logMessage);
            // replay a slice, as a retry would: nothing may change
            calls.subList(0, 500).forEach(logger::logCall);
            messages.subList(0, 50).forEach(logger::logMessage);
            org.junit.jupiter.api.Assertions.assertTrue(logger.flush(Duration.ofSeconds(60)));
        }
        org.junit.jupiter.api.Assertions.assertEquals(List.of(), new ConsistencyCheck(db.jdbi()).mismatches());
    }

    static boolean model(LlmCall c) {
        return c.callType().isModelCall();
    }

    static Predicate<LlmCall> on(LocalDate d) {
        return c -> LocalDate.ofInstant(c.startedAt(), ZoneOffset.UTC).equals(d);
    }

    static Window days(LocalDate from, int n) {
        return new Window(from.atStartOfDay().toInstant(ZoneOffset.UTC), from.plusDays(n).atStartOfDay().toInstant(ZoneOffset.UTC), null);
    }

    static BigDecimal cost(List<LlmCall> cs) {
        return cs.stream().filter(c -> c.costEstimate() != null).map(LlmCall::costEstimate).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    static Map<String, Object> figures(dev.chatlog.sql.rollup.Sums s) {
        return Figures.of(s).toMap();
    }

    static long n(Object o) {
        return ((Number) o).longValue();
    }

    static BigDecimal dec(Object o) {
        return new BigDecimal(o.toString());
    }

    static void assertFigures(List<LlmCall> expected, Map<String, Object> m) {
        List<LlmCall> mc = expected.stream().filter(OracleData::model).toList();
        org.junit.jupiter.api.Assertions.assertEquals(mc.size(), n(m.get("llm_calls")), "llm_calls");
        org.junit.jupiter.api.Assertions.assertEquals(mc.stream().filter(c -> !c.success()).count(), n(m.get("failed_llm_calls")), "failed_llm_calls");
        org.junit.jupiter.api.Assertions.assertEquals(expected.stream().filter(c -> c.callType() == CallType.TOOL).count(), n(m.get("tool_calls")), "tool_calls");
        org.junit.jupiter.api.Assertions.assertEquals(mc.stream().mapToLong(LlmCall::totalTokens).sum(), n(m.get("total_tokens")), "total_tokens");
        org.junit.jupiter.api.Assertions.assertEquals(mc.stream().mapToLong(LlmCall::inputTokens).sum(), n(m.get("input_tokens")), "input_tokens");
        org.junit.jupiter.api.Assertions.assertEquals(0, cost(mc).compareTo(dec(m.get("cost"))), "cost");
        org.junit.jupiter.api.Assertions.assertEquals(mc.stream().filter(c -> c.costEstimate() == null).count(), n(m.get("unpriced_calls")), "unpriced");
        List<Double> durations = mc.stream().map(LlmCall::durationMs).sorted().toList();
        @SuppressWarnings("unchecked")
        Map<String, Object> latency = (Map<String, Object>) m.get("latency");
        List<Long> ttfts = mc.stream().map(LlmCall::timeToFirstTokenMs).filter(java.util.Objects::nonNull).toList();
        if (!ttfts.isEmpty() && !(latency.get("p50_ms") == null && m.containsKey("user"))) {
            double avg = ttfts.stream().mapToLong(Long::longValue).average().orElseThrow();
            org.junit.jupiter.api.Assertions.assertEquals(Math.round(avg * 100) / 100.0, ((Number) latency.get("ttft_avg_ms")).doubleValue(), 0.011, "ttft_avg_ms");
        }
        for (int p : new int[] {50, 95, 99}) {
            if (durations.isEmpty() || latency.get("p50_ms") == null && m.containsKey("user")) continue; // per-user lists: no histograms
            double truth = durations.get((int) Math.ceil(p / 100.0 * durations.size()) - 1);
            double reported = ((Number) latency.get("p" + p + "_ms")).doubleValue();
            org.junit.jupiter.api.Assertions.assertEquals(Histogram.bucket(truth), Histogram.bucket(reported), "p" + p + " true " + truth + " reported " + reported);
        }
    }

    /** The reported top 10 hold the ten highest values in order, each row one of the calls with that value. */
    static void assertRanked(List<BigDecimal> sortedValues, List<LlmCall> sortedCalls, List<Map<String, Object>> got,
                                     String column, String what) {
        org.junit.jupiter.api.Assertions.assertEquals(Math.min(10, sortedValues.size()), got.size(), what + " " + column);
        for (int i = 0; i < got.size(); i++) {
            BigDecimal value = dec(got.get(i).get(column));
            org.junit.jupiter.api.Assertions.assertEquals(0, sortedValues.get(i).compareTo(value), what + " #" + i + ": " + sortedValues.subList(0, got.size()) + " vs " + got);
            Object callId = got.get(i).get("call_id");
            org.junit.jupiter.api.Assertions.assertTrue(sortedCalls.stream().anyMatch(c -> c.callId().equals(callId)
                    && (column.equals("cost_estimate") ? c.costEstimate() : BigDecimal.valueOf(c.durationMs())).compareTo(value) == 0),
                    what + " #" + i + " " + callId);
        }
    }
}
