package dev.chatlog.sql.score;

import dev.chatlog.sql.Utc;
import dev.chatlog.sql.rollup.Dimension;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;

/**
 * The score rollups ({@code chatbot_score_rollup}): per hour and day of the scored target, per dimension (all, model,
 * agent, function, chat mode, intent, user) and per score name, a number's count, sum and sum of squares (label
 * {@code ''}), or a label's count. A score's contribution is added when it is stored, moved when it is replaced (the
 * old one out, the new one in) and removed when it is erased: averages, spreads and label distributions are a
 * rollup read.
 */
public final class ScoreRollups {
    /** The dimensions a score rolls up by. */
    public static final List<Dimension> DIMENSIONS = List.of(Dimension.ALL, Dimension.MODEL, Dimension.AGENT, Dimension.FUNCTION,
            Dimension.CHAT_MODE, Dimension.INTENT, Dimension.USER);

    private ScoreRollups() {}

    /** What one stored score adds: its target's attribution and time, its name, its number or its label. */
    public record Contribution(Map<Dimension, String> attribution, Instant at, String name, BigDecimal value, String label) {
        /** The dimension values of a score row (nulls as {@code ''}, as the other rollups key them). */
        public static Map<Dimension, String> attribution(String model, String agent, String function, String chatMode, String intent, String user) {
            Map<Dimension, String> m = new LinkedHashMap<>();
            m.put(Dimension.ALL, "");
            m.put(Dimension.MODEL, cut(model));
            m.put(Dimension.AGENT, cut(agent));
            m.put(Dimension.FUNCTION, cut(function));
            m.put(Dimension.CHAT_MODE, cut(chatMode));
            m.put(Dimension.INTENT, cut(intent));
            m.put(Dimension.USER, cut(user));
            return m;
        }

        private static String cut(String s) {
            return s == null ? "" : s.length() > 255 ? s.substring(0, 255) : s;
        }
    }

    /** Adds {@code c} to every rollup row it belongs to. */
    public static void add(Handle h, Contribution c) {
        apply(h, c, 1);
    }

    /** Takes {@code c} out of every rollup row it belongs to. */
    public static void remove(Handle h, Contribution c) {
        apply(h, c, -1);
    }

    private static void apply(Handle h, Contribution c, int sign) {
        BigDecimal v = c.label() != null ? BigDecimal.ZERO : c.value();
        BigDecimal sum = v.multiply(BigDecimal.valueOf(sign));
        BigDecimal sq = v.multiply(v).setScale(6, java.math.RoundingMode.HALF_UP).multiply(BigDecimal.valueOf(sign)); // as stored, and as the check sums it
        String label = c.label() == null ? "" : c.label();
        var batch = h.prepareBatch("""
                INSERT INTO chatbot_score_rollup (granularity, dimension, bucket_start, dim_value, name, label, scores, value_sum, value_sq_sum)
                VALUES (:g, :d, :b, :v, :n, :l, :k, :s, :q)
                ON DUPLICATE KEY UPDATE scores = scores + VALUES(scores), value_sum = value_sum + VALUES(value_sum),
                  value_sq_sum = value_sq_sum + VALUES(value_sq_sum)""");
        for (String g : List.of("h", "d")) {
            Instant bucket = c.at().truncatedTo(g.equals("h") ? ChronoUnit.HOURS : ChronoUnit.DAYS);
            for (Dimension d : DIMENSIONS) {
                batch.bind("g", g).bind("d", d.rollupName()).bind("b", Utc.time(bucket)).bind("v", c.attribution().get(d))
                        .bind("n", c.name()).bind("l", label).bind("k", sign).bind("s", sum).bind("q", sq).add();
            }
        }
        batch.execute();
    }
}
