package dev.chatlog.sql.rollup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.chatlog.core.CallType;
import dev.chatlog.core.LlmCall;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Each dimension's key for a call, its rollup name and its SQL, as the writer and the readers share them. */
class DimensionTest {
    private static LlmCall call(CallType type) {
        return LlmCall.builder().conversationId("c").callType(type).model(type.isModelCall() ? "gpt-4o" : null).agent("RAG")
                .functionName("search").chatMode(null).userId("ann").build();
    }

    @Test
    void should_key_a_call_as_the_rollups_store_it() {
        LlmCall chat = call(CallType.CHAT);
        LlmCall tool = call(CallType.TOOL);
        assertEquals("gpt-4o", Dimension.MODEL.key(chat));
        assertNull(Dimension.MODEL.key(tool)); // tool rows have no model figures
        assertEquals("", Dimension.CHAT_MODE.key(chat)); // no value: the '' group
        assertEquals("gpt-4o|search", Dimension.MODEL_FUNCTION.key(chat));
        assertNull(Dimension.MODEL_AGENT.key(tool));
        assertEquals("RAG|", Dimension.AGENT_CHAT_MODE.key(tool));
        assertEquals("search|RAG", Dimension.TOOL_AGENT.key(tool));
        assertNull(Dimension.TOOL.key(chat));
        assertEquals("", Dimension.ALL.key(tool));
    }

    @Test
    void should_write_and_read_a_step_key_in_one_form() {
        assertEquals("stage:tts", StepKey.of(dev.chatlog.core.CallType.STAGE, "tts"));
        assertEquals(new StepKey("service", "stripe:eu"), StepKey.parse("service:stripe:eu"), "a name may hold the separator");
        assertEquals(new StepKey("retrieval", null), StepKey.parse(StepKey.of(dev.chatlog.core.CallType.RETRIEVAL, null)));
        assertEquals("responses", StepKey.nameIf(dev.chatlog.core.CallType.CACHE, "cache:responses"));
        assertEquals(null, StepKey.nameIf(dev.chatlog.core.CallType.CACHE, "cached:responses"));
    }

    @Test
    void should_name_pairs_in_one_order_and_group_raw_rows_like_the_rollups() {
        assertEquals(Optional.of(Dimension.MODEL_AGENT), Dimension.pair(Dimension.AGENT, Dimension.MODEL));
        assertEquals(Optional.of(Dimension.FUNCTION_CHAT_MODE), Dimension.pair(Dimension.FUNCTION, Dimension.CHAT_MODE));
        assertEquals(Optional.empty(), Dimension.pair(Dimension.MODEL, Dimension.USER));
        assertEquals(Optional.empty(), Dimension.pair(Dimension.MODEL, Dimension.MODEL));
        assertEquals("model_function", Dimension.MODEL_FUNCTION.rollupName());
        assertEquals(Optional.of(Dimension.CHAT_MODE), Dimension.named("chat_mode"));
        assertEquals("CONCAT(COALESCE(model, ''), '|', COALESCE(function_name, ''))", Dimension.MODEL_FUNCTION.callGroupSql());
        assertEquals("COALESCE(user_id, '')", Dimension.USER.callGroupSql());
        assertNull(Dimension.MODEL.messageGroupSql());
        assertEquals("call_type IN ('chat', 'streaming_chat', 'embedding', 'moderation', 'image', 'transcription', 'speech', 'rerank', 'evaluation')", RawSql.MODEL_CALL);
        assertEquals("call_type IN ('retrieval', 'guardrail', 'stage', 'cache', 'service', 'vector_store')", RawSql.STEP_CALL);
        assertEquals("LEFT(CONCAT(call_type, ':', COALESCE(function_name, '')), 255)", Dimension.STEP.callGroupSql());
        assertEquals("retrieval:products", Dimension.STEP.key(dev.chatlog.core.LlmCall.builder().callId("r")
                .callType(dev.chatlog.core.CallType.RETRIEVAL).functionName("products").build()));
        assertNull(Dimension.STEP.key(dev.chatlog.core.LlmCall.builder().callId("t").callType(dev.chatlog.core.CallType.TOOL).build()));
    }

    @Test
    void should_interpolate_percentiles_within_a_bucket_and_end_at_the_largest_value() {
        long[] counts = new long[Histogram.BUCKETS];
        counts[0] = 10; // ten calls of at most 50 ms, the slowest 11 ms
        assertEquals(25.0, Histogram.percentile(counts, 50));
        assertEquals(5.5, Histogram.percentile(counts, 50, 11.0));
        assertNull(Histogram.percentile(new long[Histogram.BUCKETS], 50));
        assertEquals(3, Histogram.bucket(300));
        assertEquals(4, Histogram.bucket(300.01));
        assertEquals(2.0, Histogram.nearestRank(java.util.List.of(1.0, 2.0, 3.0), 50));
    }
}
