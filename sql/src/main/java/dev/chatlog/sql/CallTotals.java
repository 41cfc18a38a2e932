package dev.chatlog.sql;

import dev.chatlog.core.LlmCall;
import dev.chatlog.sql.rollup.Sums;
import java.math.BigDecimal;

/** The model-call figures a message or a conversation adds up, as stored (durations to 0.01 ms). */
final class CallTotals {
    long calls, failed, inputTokens, outputTokens, tokens, unpriced;
    BigDecimal cost = BigDecimal.ZERO;
    BigDecimal durationMs = BigDecimal.ZERO;

    void add(LlmCall c) {
        calls++;
        failed += c.success() ? 0 : 1;
        inputTokens += JdbcChatLogStore.nz(c.inputTokens());
        outputTokens += JdbcChatLogStore.nz(c.outputTokens());
        tokens += c.totalTokens();
        if (c.priced() && c.costEstimate() != null) {
            cost = cost.add(c.costEstimate());
        } else {
            unpriced++;
        }
        durationMs = durationMs.add(Sums.stored(c.durationMs()));
    }
}
