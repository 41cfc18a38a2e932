package dev.chatlog.alerts.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatlog.core.Batch;
import dev.chatlog.core.LlmCall;
import dev.chatlog.alerts.AlertRule;
import dev.chatlog.alerts.AlertRuleParser;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.DatabaseConfig;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.chatlog.sql.TestDatabase;
import dev.chatlog.alerts.AlertEngine;
import dev.chatlog.alerts.AlertEvaluator;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * What evaluating alert rules costs at a million calls: N calls over the last 24 hours (4 models,
 * 6 functions), then every rule evaluated 20 times from the minute rollups, against the same
 * figures summed from the calls themselves (what a rule engine without rollups reads).
 *
 * <pre>mvn -q -pl alerts exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.chatlog.alerts.bench.AlertBenchmark -Dexec.args="1000000"</pre>
 */
public final class AlertBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        DatabaseConfig cfg = TestDatabase.freshSchema();
        try (Database db = Database.open(cfg, 4)) {
            JdbcChatLogStore store = new JdbcChatLogStore(db.jdbi());
            Instant now = Instant.now();
            Instant from = now.minus(Duration.ofHours(24));
            Random random = new Random(7);
            String[] models = {"gpt-4o", "gpt-4o-mini", "claude-sonnet-4", "gemini-2.5-flash"};
            String[] functions = {"classify_intent", "generate_sql", "summarize", "respond", "plan", "extract"};
            long t0 = System.nanoTime();
            List<LlmCall> batch = new ArrayList<>(2000);
            for (int i = 0; i < n; i++) {
                batch.add(LlmCall.builder().conversationId("conv-" + random.nextInt(50_000)).messageId("m" + i).callId("c" + i)
                        .model(models[i % 4]).functionName(functions[i % 6]).inputTokens(100 + random.nextInt(900)).outputTokens(random.nextInt(300))
                        .priced(true).costEstimate(BigDecimal.valueOf(random.nextInt(5000), 7)).durationMs(200 + random.nextInt(3000))
                        .success(random.nextInt(50) != 0).startedAt(from.plusMillis((long) i * 86_400_000L / n)).build());
                if (batch.size() == 2000) {
                    store.write(new Batch(batch, List.of()));
                    batch = new ArrayList<>(2000);
                }
            }
            if (!batch.isEmpty()) store.write(new Batch(batch, List.of()));
            System.out.printf(Locale.ROOT, "stored %,d calls over 24 h in %.0f s%n", n, (System.nanoTime() - t0) / 1e9);
            String[] defs = {
                    "slow-model|{\"kind\": \"slow_calls\", \"by\": \"model\", \"window\": \"5m\", \"alert_above\": 8000}",
                    "p95-function|{\"kind\": \"slow_calls\", \"by\": \"function\", \"stat\": \"p95\", \"window\": \"1h\", \"alert_above\": 8000}",
                    "tokens|{\"kind\": \"token_usage\", \"by\": \"model\", \"window\": \"15m\", \"alert_above\": 100000}",
                    "failures|{\"kind\": \"failure_rate\", \"by\": \"model\", \"window\": \"10m\", \"alert_above\": 0.2}",
                    "spike-24h|{\"kind\": \"cost_spike\", \"by\": \"model\", \"window\": \"1h\", \"baseline\": \"24h\"}"};
            AlertEvaluator evaluator = new AlertEvaluator(db.jdbi());
            AlertEngine engine = AlertEngine.builder(db.jdbi()).build();
            System.out.println("rule          window  from rollups (p50 / max of 20)   from the calls (p50 / max of 5)");
            for (String d : defs) {
                String[] p = d.split("\\|");
                AlertRule r = AlertRuleParser.parse(p[0], JSON.readTree(p[1]));
                engine.rules().put(r);
                double[] rolled = time(20, () -> evaluator.observe(r, Instant.now()));
                Duration read = r.baseline() == null ? r.window() : r.window().plus(r.baseline());
                String col = AlertEvaluator.dimension(r).column();
                String sql = "SELECT " + col + ", COUNT(*), SUM(NOT success), MAX(duration_ms), SUM(cost_estimate), MAX(total_tokens) "
                        + "FROM chatbot_llm_calls WHERE started_at >= ? GROUP BY " + col;
                double[] raw = time(5, () -> db.jdbi().useHandle(h -> h.createQuery(sql)
                        .bind(0, java.time.LocalDateTime.ofInstant(Instant.now().minus(read), java.time.ZoneOffset.UTC)).mapToMap().list()));
                System.out.printf(Locale.ROOT, "%-13s %-7s %8.1f / %6.1f ms              %8.1f / %7.1f ms%n", r.name(),
                        AlertRule.show(read), rolled[0], rolled[1], raw[0], raw[1]);
            }
            double[] all = time(10, engine::evaluate);
            System.out.printf(Locale.ROOT, "all five rules, one evaluation with the state reads: p50 %.1f ms, max %.1f ms%n", all[0], all[1]);
        }
    }

    private static double[] time(int times, Runnable r) {
        double[] ms = new double[times];
        for (int i = 0; i < times; i++) {
            long t = System.nanoTime();
            r.run();
            ms[i] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(ms);
        return new double[] {ms[times / 2], ms[times - 1]};
    }
}
