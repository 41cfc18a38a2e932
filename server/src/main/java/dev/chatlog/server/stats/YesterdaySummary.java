package dev.chatlog.server.stats;

import dev.chatlog.sql.query.Filter;
import dev.chatlog.sql.report.Reports;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

/**
 * The start-up line on yesterday (UTC), from the daily rollups ({@code stats/daily}'s figures):
 * requests, model calls, tokens, cost, the most expensive agent and the slowest function.
 */
public final class YesterdaySummary {
    private YesterdaySummary() {}

    public static String line(Reports reports, Clock clock) {
        LocalDate day = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).minusDays(1);
        return line(reports.daily(day, Filter.NONE, 8_000));
    }

    @SuppressWarnings("unchecked")
    static String line(Map<String, Object> daily) {
        Map<String, Object> t = (Map<String, Object>) daily.get("totals");
        StringBuilder sb = new StringBuilder("yesterday (").append(daily.get("date")).append(" UTC): ").append(t.get("requests"))
                .append(" requests (").append(t.get("failed_requests")).append(" failed), ").append(t.get("llm_calls")).append(" LLM calls, tokens ")
                .append(t.get("input_tokens")).append(" prompt / ").append(t.get("output_tokens")).append(" completion, $")
                .append(plain(t.get("cost")));
        if (((Number) t.get("unpriced_calls")).longValue() > 0) sb.append(" + ").append(t.get("unpriced_calls")).append(" unpriced calls");
        for (Map<String, Object> a : (List<Map<String, Object>>) daily.get("by_agent")) {
            if (a.get("agent") == null) continue;
            sb.append("; most expensive agent ").append(a.get("agent")).append(" ($").append(plain(a.get("cost"))).append(')');
            break;
        }
        Map<String, Object> slowest = null;
        for (Map<String, Object> f : (List<Map<String, Object>>) daily.get("by_function")) {
            if (f.get("function") == null || f.get("avg_llm_latency_ms") == null) continue;
            if (slowest == null || ((Number) f.get("avg_llm_latency_ms")).doubleValue() > ((Number) slowest.get("avg_llm_latency_ms")).doubleValue()) {
                slowest = f;
            }
        }
        if (slowest != null) {
            sb.append("; slowest function ").append(slowest.get("function")).append(String.format(java.util.Locale.ROOT, " (%.0f ms on average over %s calls)",
                    ((Number) slowest.get("avg_llm_latency_ms")).doubleValue(), slowest.get("llm_calls")));
        }
        return sb.toString();
    }

    private static String plain(Object cost) {
        return cost instanceof BigDecimal b ? b.stripTrailingZeros().toPlainString() : String.valueOf(cost);
    }
}
