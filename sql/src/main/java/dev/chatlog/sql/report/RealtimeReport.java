package dev.chatlog.sql.report;

import dev.chatlog.sql.Utc;

import dev.chatlog.sql.query.Rows;
import dev.chatlog.sql.rollup.RawSql;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/** {@code stats/realtime}: the last minutes, from the raw rows. */
final class RealtimeReport {
    private static final String TOTALS = """
            SELECT (SELECT COUNT(*) FROM chatbot_conversation_messages WHERE `timestamp` >= :from) AS requests,
                   COUNT(*) AS llm_calls, COALESCE(SUM(total_tokens), 0) AS total_tokens,
                   COALESCE(SUM(cost_estimate), 0) AS cost, ROUND(COALESCE(AVG(duration_ms), 0), 2) AS avg_duration_ms,
                   COALESCE(SUM(NOT success), 0) AS failed_llm_calls
            FROM chatbot_llm_calls WHERE started_at >= :from AND <model_call>""";
    private static final String ACTIVE = """
            SELECT <column>, COUNT(*) AS calls FROM chatbot_llm_calls WHERE started_at >= :from AND <column> IS NOT NULL
            GROUP BY <column> ORDER BY calls DESC LIMIT 50""";

    private final Jdbi jdbi;

    RealtimeReport(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    Map<String, Object> realtime(int minutes, Instant now) {
        LocalDateTime from = Utc.time(now.minusSeconds(60L * minutes));
        return jdbi.withHandle(h -> {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("minutes", minutes);
            out.put("from", Rows.iso(from));
            out.putAll(h.createQuery(TOTALS).define("model_call", RawSql.MODEL_CALL).bind("from", from).map((rs, ctx) -> Rows.row(rs)).one());
            double calls = ((Number) out.get("llm_calls")).doubleValue();
            out.put("calls_per_minute", BigDecimal.valueOf(calls / minutes).setScale(2, RoundingMode.HALF_UP).doubleValue());
            out.put("active_agents", h.createQuery(ACTIVE).define("column", "agent").bind("from", from).map((rs, ctx) -> Rows.row(rs)).list());
            out.put("active_models", h.createQuery(ACTIVE).define("column", "model").bind("from", from).map((rs, ctx) -> Rows.row(rs)).list());
            return out;
        });
    }
}
