package dev.chatlog.core.internal;

import dev.chatlog.core.internal.spool.DiskSpool;

import dev.chatlog.core.CallType;
import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.LlmCall;
import dev.chatlog.core.SqlQuery;
import dev.chatlog.core.TokenSource;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The records of the spool fixtures in {@code src/test/resources}: {@code spool-v0}, one segment written
 * by the first spool format (frames with no segment header, call types and token sources as ordinals),
 * and {@code spool-v1}, by format 1 (no cache-write tokens), each made once by {@link #main} with the
 * code of its time and kept, so that every later format must still replay them.
 */
final class LegacySpool {
    private LegacySpool() {}

    static List<Object> records() {
        List<Object> out = new ArrayList<>();
        Instant t = Instant.parse("2026-11-30T10:15:30.123456789Z");
        for (CallType type : RecordCodec.V0_CALL_TYPES) { // the call types of the fixtures' time (RETRIEVAL and later came after)
            out.add(LlmCall.builder().callId("legacy-" + type.dbValue()).conversationId("legacy-conv").messageId("legacy-m1")
                    .parentCallId(type == CallType.TOOL ? "legacy-agent" : null).callSequence(type.ordinal() + 1).callType(type)
                    .agent("RAGAgent").functionName("generate_sql").chatMode("tool").userId("u-1").provider("openai")
                    .model("gpt-4o-mini").responseModel("gpt-4o-mini-2024-07-18").inputTokens(120 + type.ordinal())
                    .outputTokens(30).cachedInputTokens(type == CallType.CHAT ? 64 : null).reasoningTokens(null)
                    .tokenSource(type == CallType.EMBEDDING ? TokenSource.ESTIMATED : TokenSource.PROVIDER)
                    .costEstimate(type.isModelCall() ? new BigDecimal("0.00003600") : null).priced(type.isModelCall())
                    .priceVersion(type.isModelCall() ? "bundled-2026-11" : null).startedAt(t.plusSeconds(type.ordinal()))
                    .durationMs(250.25).timeToFirstTokenMs(type == CallType.STREAMING_CHAT ? 42L : null).finishReason("stop")
                    .inputText("Show me recent orders — é ✓").outputText("SELECT * FROM orders").success(type != CallType.TOOL)
                    .errorType(type == CallType.TOOL ? "java.lang.IllegalStateException" : null)
                    .errorMessage(type == CallType.TOOL ? "tool failed" : null)
                    .metadata(type == CallType.AGENT ? Map.of("tools", 2) : Map.of()).build());
        }
        out.add(ConversationMessage.builder().messageId("legacy-m1").conversationId("legacy-conv").userId("u-1").chatMode("tool")
                .userInput("Show me recent orders").finalOutput("{\"type\":\"orders_summary\"}").conversationMessage("Here they are")
                .intent("orders").classification("data_question").databaseUsed("chatlog_shop")
                .sqlQueries(List.of(SqlQuery.succeeded("SELECT * FROM orders LIMIT 10", 3.5, 10))).sqlResultsCount(10)
                .success(true).debugInfo(Map.of("k", "v")).timestamp(t.plusSeconds(9)).responseTimeMs(812.5).build());
        out.add(ConversationMessage.builder().messageId("legacy-m2").conversationId("legacy-conv").userInput("hi")
                .success(false).errorMessage("model failed").timestamp(t.plusSeconds(20)).responseTimeMs(5).build());
        return out;
    }

    /** Writes the fixture (run once, with the format it stands for): {@code LegacySpool <dir>}. */
    public static void main(String[] args) {
        try (DiskSpool spool = new DiskSpool(Path.of(args[0]), 1 << 20, 1 << 16)) {
            List<byte[]> frames = new ArrayList<>();
            for (Object r : records()) {
                frames.add(RecordCodec.encode(r instanceof LlmCall c ? new PipelineRecord.Call(c) : new PipelineRecord.Message((ConversationMessage) r)));
            }
            spool.append(frames);
            spool.sync();
        }
    }
}
