package dev.chatlog.alerts;

import dev.chatlog.sql.Utc;


import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/** The rules' states per subject ({@code chatbot_alert_states}) as the routes show them. */
public final class AlertStates {
    /** One rule and subject: its state since when, its last figure, and the last state notified. */
    public record Row(String rule, String subject, AlertState state, long changes, BigDecimal value, long calls, Instant since,
                      Instant evaluatedAt, AlertState notified, Instant alertedAt) {}

    private final Jdbi jdbi;

    public AlertStates(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** Every state row (of one rule when {@code rule} is not null), those not OK first, then by rule and subject. */
    public List<Row> list(String rule) {
        return jdbi.withHandle(h -> {
            var q = h.createQuery("SELECT rule_name, subject, state, seq, value, calls, since, evaluated_at, notified_state, alerted_at "
                    + "FROM chatbot_alert_states" + (rule == null ? "" : " WHERE rule_name = :r")
                    + " ORDER BY state = 'OK', state = 'WARNING', rule_name, subject LIMIT 1000");
            if (rule != null) q.bind("r", rule);
            return q.map((rs, ctx) -> new Row(rs.getString(1), rs.getString(2), AlertState.parse(rs.getString(3)), rs.getLong(4), rs.getBigDecimal(5),
                    rs.getLong(6), Utc.instant(rs.getObject(7, LocalDateTime.class)), Utc.instant(rs.getObject(8, LocalDateTime.class)),
                    rs.getString(9) == null ? null : AlertState.parse(rs.getString(9)), Utc.instant(rs.getObject(10, LocalDateTime.class))))
                    .list();
        });
    }
}
