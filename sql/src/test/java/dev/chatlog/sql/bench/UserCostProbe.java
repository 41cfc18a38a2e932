package dev.chatlog.sql.bench;

import dev.chatlog.sql.Database;
import dev.chatlog.sql.query.Filter;
import dev.chatlog.sql.query.Window;
import dev.chatlog.sql.report.Reports;
import dev.chatlog.sql.rollup.Dimension;
import dev.chatlog.sql.TestDatabase;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/** Times the per-user cost query on 30 days x 5,000 users of chatbot_user_daily rows. */
public final class UserCostProbe {
    public static void main(String[] args) {
        try (Database db = TestDatabase.freshDatabase()) {
            LocalDate today = LocalDate.now(ZoneOffset.UTC);
            db.jdbi().useHandle(h -> {
                for (int d = 0; d < 30; d++) {
                    StringBuilder sb = new StringBuilder("INSERT INTO chatbot_user_daily (day, user_id, llm_calls, total_tokens, cost) VALUES ");
                    for (int u = 0; u < 5000; u++) {
                        sb.append(u == 0 ? "" : ",").append("('").append(today.minusDays(d)).append("','user-").append(u).append("',3,3000,0.0123)");
                    }
                    h.execute(sb.toString());
                }
            });
            if (args.length > 0) {
                db.jdbi().useHandle(h -> h.execute(args[0]));
                System.out.println("with: " + args[0]);
            }
            Reports q = new Reports(db.jdbi());
            Instant from = today.minusDays(29).atStartOfDay().toInstant(ZoneOffset.UTC);
            Window w = new Window(from, today.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC), null);
            for (int i = 0; i < 8; i++) {
                long a = System.nanoTime();
                q.cost(w, Filter.NONE, Dimension.USER, Instant.now(), 100);
                long b = System.nanoTime();
                long sqlOnly = db.jdbi().withHandle(h -> {
                    long t = System.nanoTime();
                    h.createQuery("SELECT user_id, SUM(cost), SUM(llm_calls) FROM chatbot_user_daily WHERE day >= :f AND day < :t GROUP BY user_id")
                            .bind("f", today.minusDays(29)).bind("t", today.plusDays(1)).mapToMap().list();
                    return System.nanoTime() - t;
                });
                System.out.printf("cost by user: %.1f ms, the GROUP BY alone: %.1f ms%n", (b - a) / 1e6, sqlOnly / 1e6);
            }
        }
        System.exit(0);
    }
}
