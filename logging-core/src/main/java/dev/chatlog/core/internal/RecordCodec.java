package dev.chatlog.core.internal;

import dev.chatlog.core.internal.spool.DiskSpool;

import dev.chatlog.core.CallType;
import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.LlmCall;
import dev.chatlog.core.SqlQuery;
import dev.chatlog.core.TokenSource;
import dev.chatlog.core.TraceParent;
import dev.chatlog.core.score.Score;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Compact binary form of the records, for the spool. Maps and lists go as JSON text.
 *
 * <p>Layouts by spool format ({@link DiskSpool#VERSION}): 5 (current) is 4 with the experiment arm at the end of a call and
 * of a message; 4 is 3 with score records; 3 is 2 with the trace (trace id,
 * span id) at the end of a call and of a message; 2 is 1 with a call's cache-write tokens at its end; 1 names enums by their database value, so reordering or adding constants cannot change what a spooled record means, and knows
 * {@link TurnOpened} markers; 0 (the first format) gave enums as ordinals of the order frozen in
 * {@link #V0_CALL_TYPES} and {@link #V0_TOKEN_SOURCES}. A new layout gets a new version, and the
 * decoder of every older one stays.
 */
public final class RecordCodec {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte CALL = 1;
    private static final byte MESSAGE = 2;
    private static final byte TURN_OPENED = 3;
    private static final byte SCORE = 4;
    /** {@link CallType} and {@link TokenSource} in the order format 0 wrote their ordinals. */
    public static final List<CallType> V0_CALL_TYPES = List.of(CallType.CHAT, CallType.STREAMING_CHAT, CallType.EMBEDDING,
            CallType.TOOL, CallType.AGENT);
    public static final List<TokenSource> V0_TOKEN_SOURCES = List.of(TokenSource.PROVIDER, TokenSource.ESTIMATED);

    /** A chat turn was opened (spooled so that a turn whose process died can be shown as incomplete). */
    public record TurnOpened(String conversationId, String messageId, String userInput, Instant openedAt) implements PipelineRecord {}

    private RecordCodec() {}

    public static byte[] encode(PipelineRecord record) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
            DataOutputStream out = new DataOutputStream(bytes);
            if (record instanceof PipelineRecord.Call call) {
                LlmCall c = call.call();
                out.writeByte(CALL);
                str(out, c.callId()); str(out, c.conversationId()); str(out, c.messageId()); str(out, c.parentCallId());
                out.writeInt(c.callSequence()); str(out, c.callType().dbValue());
                str(out, c.agent()); str(out, c.functionName()); str(out, c.chatMode()); str(out, c.userId());
                str(out, c.provider()); str(out, c.model()); str(out, c.responseModel());
                integer(out, c.inputTokens()); integer(out, c.outputTokens()); integer(out, c.cachedInputTokens());
                integer(out, c.reasoningTokens());
                str(out, c.tokenSource() == null ? null : c.tokenSource().dbValue());
                str(out, c.costEstimate() == null ? null : c.costEstimate().toPlainString());
                out.writeBoolean(c.priced()); str(out, c.priceVersion());
                out.writeLong(c.startedAt().getEpochSecond()); out.writeInt(c.startedAt().getNano());
                out.writeDouble(c.durationMs());
                out.writeLong(c.timeToFirstTokenMs() == null ? Long.MIN_VALUE : c.timeToFirstTokenMs());
                str(out, c.finishReason()); str(out, c.inputText()); str(out, c.outputText());
                out.writeBoolean(c.success()); str(out, c.errorType()); str(out, c.errorMessage());
                str(out, c.metadata().isEmpty() ? null : JSON.writeValueAsString(c.metadata()));
                integer(out, c.cacheWriteTokens()); // format 2
                trace(out, c.trace()); // format 3
                str(out, c.arm()); // format 5
            } else if (record instanceof PipelineRecord.Message message) {
                ConversationMessage m = message.message();
                out.writeByte(MESSAGE);
                str(out, m.messageId()); str(out, m.conversationId()); str(out, m.userId()); str(out, m.chatMode());
                str(out, m.userInput()); str(out, m.finalOutput()); str(out, m.conversationMessage());
                str(out, m.intent()); str(out, m.classification()); str(out, m.databaseUsed());
                str(out, m.sqlQueries().isEmpty() ? null : JSON.writeValueAsString(m.sqlQueries()));
                integer(out, m.sqlResultsCount()); out.writeBoolean(m.success()); str(out, m.errorMessage());
                str(out, m.debugInfo().isEmpty() ? null : JSON.writeValueAsString(m.debugInfo()));
                out.writeLong(m.timestamp().getEpochSecond()); out.writeInt(m.timestamp().getNano());
                out.writeDouble(m.responseTimeMs());
                trace(out, m.trace()); // format 3
                str(out, m.arm()); // format 5
            } else if (record instanceof PipelineRecord.Scored scored) { // format 4
                Score s = scored.score();
                out.writeByte(SCORE);
                str(out, s.target().dbValue()); str(out, s.targetId()); str(out, s.name());
                str(out, s.value() == null ? null : s.value().toPlainString()); str(out, s.label()); str(out, s.source().dbValue());
                str(out, s.evaluator()); str(out, s.evaluatorVersion()); str(out, s.key()); str(out, s.comment());
                out.writeLong(s.at().getEpochSecond()); out.writeInt(s.at().getNano());
            } else if (record instanceof TurnOpened t) {
                out.writeByte(TURN_OPENED);
                str(out, t.conversationId()); str(out, t.messageId()); str(out, t.userInput());
                out.writeLong(t.openedAt().getEpochSecond()); out.writeInt(t.openedAt().getNano());
            } else {
                throw new IllegalArgumentException("not a record: " + record);
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Decodes a record spooled in format {@code version}. */
    public static PipelineRecord decode(int version, byte[] data) {
        if (version == 0) {
            return decodeV0(data);
        }
        if (version < 1 || version > DiskSpool.VERSION) {
            throw new IllegalArgumentException("unknown spool format " + version);
        }
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
            byte type = in.readByte();
            if (type == CALL) {
                LlmCall.Builder b = LlmCall.builder().callId(str(in)).conversationId(str(in)).messageId(str(in))
                        .parentCallId(str(in)).callSequence(in.readInt()).callType(CallType.fromDb(str(in)))
                        .agent(str(in)).functionName(str(in)).chatMode(str(in)).userId(str(in))
                        .provider(str(in)).model(str(in)).responseModel(str(in))
                        .inputTokens(integer(in)).outputTokens(integer(in)).cachedInputTokens(integer(in))
                        .reasoningTokens(integer(in));
                String source = str(in);
                b.tokenSource(source == null ? null : TokenSource.valueOf(source.toUpperCase(java.util.Locale.ROOT)));
                LlmCall c = callTail(b, in);
                if (version < 2) return new PipelineRecord.Call(c);
                LlmCall.Builder more = c.toBuilder().cacheWriteTokens(integer(in));
                if (version >= 3) more.trace(trace(in));
                if (version >= 5) more.arm(str(in));
                return new PipelineRecord.Call(more.build());
            }
            if (type == MESSAGE) {
                ConversationMessage m = message(in);
                if (version < 3) return new PipelineRecord.Message(m);
                ConversationMessage.Builder more = m.toBuilder().trace(trace(in));
                if (version >= 5) more.arm(str(in));
                return new PipelineRecord.Message(more.build());
            }
            if (type == TURN_OPENED) {
                return new TurnOpened(str(in), str(in), str(in), Instant.ofEpochSecond(in.readLong(), in.readInt()));
            }
            if (type == SCORE && version >= 4) {
                Score.Target target = Score.Target.fromDb(str(in));
                String id = str(in), name = str(in), value = str(in), label = str(in);
                Score.Source source = Score.Source.fromDb(str(in));
                return new PipelineRecord.Scored(new Score(target, id, name, value == null ? null : new BigDecimal(value), label, source,
                        str(in), str(in), str(in), str(in), Instant.ofEpochSecond(in.readLong(), in.readInt())));
            }
            throw new IOException("unknown record type " + type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void trace(DataOutputStream out, TraceParent t) throws IOException {
        str(out, t == null ? null : t.traceId());
        str(out, t == null ? null : t.spanId());
    }

    private static TraceParent trace(DataInputStream in) throws IOException {
        String traceId = str(in);
        String spanId = str(in);
        return traceId == null ? null : new TraceParent(traceId, spanId);
    }

    private static LlmCall callTail(LlmCall.Builder b, DataInputStream in) throws IOException {
        String cost = str(in);
        b.costEstimate(cost == null ? null : new BigDecimal(cost)).priced(in.readBoolean()).priceVersion(str(in))
                .startedAt(Instant.ofEpochSecond(in.readLong(), in.readInt())).durationMs(in.readDouble());
        long ttft = in.readLong();
        b.timeToFirstTokenMs(ttft == Long.MIN_VALUE ? null : ttft).finishReason(str(in)).inputText(str(in))
                .outputText(str(in)).success(in.readBoolean()).errorType(str(in)).errorMessage(str(in));
        String meta = str(in);
        b.metadata(meta == null ? Map.of() : JSON.readValue(meta, new TypeReference<Map<String, Object>>() {}));
        return b.build();
    }

    private static ConversationMessage message(DataInputStream in) throws IOException {
        ConversationMessage.Builder b = ConversationMessage.builder().messageId(str(in)).conversationId(str(in))
                .userId(str(in)).chatMode(str(in)).userInput(str(in)).finalOutput(str(in))
                .conversationMessage(str(in)).intent(str(in)).classification(str(in)).databaseUsed(str(in));
        String sql = str(in);
        b.sqlQueries(sql == null ? List.of() : JSON.readValue(sql, new TypeReference<List<SqlQuery>>() {}));
        b.sqlResultsCount(integer(in)).success(in.readBoolean()).errorMessage(str(in));
        String debug = str(in);
        b.debugInfo(debug == null ? Map.of() : JSON.readValue(debug, new TypeReference<Map<String, Object>>() {}));
        b.timestamp(Instant.ofEpochSecond(in.readLong(), in.readInt())).responseTimeMs(in.readDouble());
        return b.build();
    }

    /** The first format's layout: enums as ordinals of the frozen order. */
    private static PipelineRecord decodeV0(byte[] data) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
            byte type = in.readByte();
            if (type == CALL) {
                LlmCall.Builder b = LlmCall.builder().callId(str(in)).conversationId(str(in)).messageId(str(in))
                        .parentCallId(str(in)).callSequence(in.readInt()).callType(V0_CALL_TYPES.get(in.readByte()))
                        .agent(str(in)).functionName(str(in)).chatMode(str(in)).userId(str(in))
                        .provider(str(in)).model(str(in)).responseModel(str(in))
                        .inputTokens(integer(in)).outputTokens(integer(in)).cachedInputTokens(integer(in))
                        .reasoningTokens(integer(in));
                byte source = in.readByte();
                b.tokenSource(source < 0 ? null : V0_TOKEN_SOURCES.get(source));
                return new PipelineRecord.Call(callTail(b, in));
            }
            if (type == MESSAGE) {
                return new PipelineRecord.Message(message(in));
            }
            throw new IOException("unknown record type " + type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void str(DataOutputStream out, String s) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String str(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) return null;
        byte[] b = new byte[n];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static void integer(DataOutputStream out, Integer v) throws IOException {
        out.writeInt(v == null ? Integer.MIN_VALUE : v);
    }

    private static Integer integer(DataInputStream in) throws IOException {
        int v = in.readInt();
        return v == Integer.MIN_VALUE ? null : v;
    }
}
