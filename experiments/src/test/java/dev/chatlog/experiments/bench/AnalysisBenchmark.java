package dev.chatlog.experiments.bench;

import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.LlmCall;
import dev.chatlog.experiments.Assignment;
import dev.chatlog.experiments.Experiment;
import dev.chatlog.experiments.Variant;
import dev.chatlog.experiments.analysis.Analysis;
import dev.chatlog.experiments.analysis.ArmReader;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.chatlog.sql.TestDatabase;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * How long an experiment's analysis takes as it grows: {@code conversations} conversations of 1 to 3 turns (a message and
 * a model call each) in a 50/50 experiment, beside as many turns in no arm, through the real logger into the embedded
 * MariaDB; then the analysis (every turn metric: success, cost, cost per successful turn, tokens, latency) read
 * {@code reads} times. Prints the write time and the reads' median and worst.
 *
 * <pre>mvn -q -pl experiments exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.chatlog.experiments.bench.AnalysisBenchmark -Dexec.args="100000 5"</pre>
 */
public final class AnalysisBenchmark {
    private AnalysisBenchmark() {}

    public static void main(String[] args) throws Exception {
        int conversations = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int reads = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Instant base = Instant.now().minus(Duration.ofHours(2));
        Experiment e = new Experiment("bench", null, List.of(new Variant("control", new BigDecimal("50"), null, null, null),
                new Variant("mini", new BigDecimal("50"), null, null, null)), "cost_per_turn",
                List.of("success_rate", "latency_ms", "tokens", "cost_per_successful_turn"), null, base.minusSeconds(60), null, null);
        try (Database db = TestDatabase.freshDatabase()) {
            Random r = new Random(1);
            long t0 = System.nanoTime();
            long turns = 0;
            try (ChatLogger logger = ChatLogger.builder(new JdbcChatLogStore(db.jdbi())).batchSize(2000).queueCapacity(500_000).build()) {
                for (int c = 0; c < 2 * conversations; c++) {
                    boolean inExperiment = c % 2 == 0;
                    String conv = "bench-" + c;
                    String arm = inExperiment ? "bench/" + Assignment.variantFor(e, conv, base).name() : null;
                    int n = 1 + r.nextInt(3);
                    for (int t = 0; t < n; t++, turns++) {
                        Instant at = base.plusMillis(c * 30L + t);
                        String msg = conv + "-" + t;
                        logger.logCall(LlmCall.builder().conversationId(conv).messageId(msg).model("sim").arm(arm).inputTokens(200 + r.nextInt(400))
                                .outputTokens(20 + r.nextInt(80)).costEstimate(new BigDecimal(r.nextInt(900) + 100).movePointLeft(7)).priced(true)
                                .startedAt(at).durationMs(200 + r.nextInt(2000)).build());
                        logger.logMessage(ConversationMessage.builder().conversationId(conv).messageId(msg).arm(arm).userInput("q").finalOutput("a")
                                .success(r.nextInt(10) != 0).responseTimeMs(300 + r.nextInt(3000)).timestamp(at).build());
                    }
                    if (c % 20_000 == 0) logger.flush(Duration.ofMinutes(5));
                }
                if (!logger.flush(Duration.ofMinutes(30))) throw new IllegalStateException("not written: " + logger.stats());
            }
            double writeS = (System.nanoTime() - t0) / 1e9;
            System.out.printf("wrote %,d turns (%,d conversations, half in the experiment) in %.1f s%n", turns, 2 * conversations, writeS);
            ArmReader reader = new ArmReader(db.jdbi());
            List<String> metrics = new ArrayList<>(List.of(e.primaryMetric()));
            metrics.addAll(e.guardrails());
            List<Double> ms = new ArrayList<>();
            Analysis.Result last = null;
            for (int i = 0; i < reads; i++) {
                long s = System.nanoTime();
                last = Analysis.of(e, reader.read(e, metrics, base.minusSeconds(60), Instant.now().plusSeconds(60)), x -> false);
                ms.add((System.nanoTime() - s) / 1e6);
            }
            List<Double> sorted = ms.stream().sorted().toList();
            System.out.printf("analysis of %,d + %,d conversations: median %.0f ms, worst %.0f ms over %d reads (%s)%n",
                    last.arms().get(0).units(), last.arms().get(1).units(), sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1), reads,
                    last.verdict().reason());
        }
        System.exit(0); // exec:java waits for the pool's and the embedded database's threads otherwise
    }
}
