package dev.chatlog.sql.rollup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.chatlog.core.CallType;
import dev.chatlog.core.LlmCall;
import dev.chatlog.sql.report.Figures;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a call adds to a group, how groups add up, and the figures derived from them. */
class SumsTest {
    private static LlmCall chat(double ms, String cost, boolean ok) {
        LlmCall.Builder b = LlmCall.builder().conversationId("c").callType(CallType.CHAT).model("gpt-4o").inputTokens(100)
                .outputTokens(20).durationMs(ms).success(ok);
        return cost == null ? b.build() : b.costEstimate(new BigDecimal(cost)).priced(true).build();
    }

    @Test
    void should_add_calls_as_stored_and_keep_maxima_when_groups_add_up() {
        Sums a = new Sums();
        a.addCall(chat(100.004, "0.002", true)); // stored as 100.00: in the <= 100 ms bucket
        a.addCall(chat(250, null, false)); // unpriced: no cost, counted as such
        Sums b = new Sums();
        b.addCall(chat(40, "0.010", true));
        b.addCall(LlmCall.builder().conversationId("c").callType(CallType.TOOL).functionName("search").durationMs(7).build());
        Sums all = Sums.total(List.of(a, b));
        assertEquals(3, all.count(Measure.LLM_CALLS));
        assertEquals(1, all.count(Measure.FAILED_LLM_CALLS));
        assertEquals(1, all.count(Measure.TOOL_CALLS));
        assertEquals(1, all.count(Measure.UNPRICED_CALLS));
        assertEquals(0, new BigDecimal("0.012").compareTo(all.amount(Measure.COST)));
        assertEquals(0, new BigDecimal("250.00").compareTo(all.amount(Measure.MAX_DURATION_MS)));
        assertEquals(0, new BigDecimal("0.010").compareTo(all.amount(Measure.MAX_COST)));
        assertEquals(1, all.latency(Histogram.bucket(100))); // 100.004 counted as stored
        assertEquals(1, all.latency(0));
        assertEquals(360, all.count(Measure.TOTAL_TOKENS));
        assertEquals(0, new Sums().amount(Measure.MAX_COST).signum()); // a maximum of no rows reads as zero
    }

    @Test
    void should_derive_rates_and_averages_and_leave_them_null_without_a_denominator() {
        Sums s = new Sums();
        s.addCall(chat(100, "0.002", true));
        s.addCall(chat(300, "0.004", false));
        s.add(Measure.MESSAGES, 2);
        Figures f = Figures.of(s);
        assertEquals(50.0, f.successRate());
        assertEquals(50.0, f.errorRate());
        assertEquals(200.0, f.avgLlmLatencyMs());
        assertEquals(0, new BigDecimal("0.025").compareTo(f.costPer1kTokens())); // 0.006 per 240 tokens
        assertEquals(0, new BigDecimal("0.003").compareTo(f.avgCostPerRequest()));
        assertEquals(1L, f.callTotals().get("failed_calls"));
        assertEquals(1L, f.toMap().get("failed_llm_calls"));
        Figures none = Figures.of(new Sums());
        assertNull(none.successRate());
        assertNull(none.costPer1kTokens());
        assertNull(none.latency().p50Ms());
        assertEquals(0, none.callTotals().get("avg_latency_ms"));
    }
}
