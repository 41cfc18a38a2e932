package dev.chatlog.sql.bench;

import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.LlmCall;
import dev.chatlog.sql.rollup.ConsistencyCheck;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.DatabaseConfig;
import dev.chatlog.embedded.EmbeddedMariaDb;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.chatlog.sql.TcpProxy;
import dev.chatlog.sql.TestDatabase;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;

/**
 * Issue 7's targets: the application's call latency with the database up and down (cut by a TCP
 * proxy), the backlog's drain rate once it is back compared with the ingest rate, and how many
 * calls the default 1 GiB spool holds.
 *
 * <pre>mvn -q -B -DskipTests install && mvn -q -pl sql exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.chatlog.sql.bench.SpoolBenchmark -Dexec.args="1000 15"</pre>
 * (ingest calls/s, seconds per phase)
 */
public final class SpoolBenchmark {
    public static void main(String[] args) throws Exception {
        int rate = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        EmbeddedMariaDb server = TestDatabase.server();
        String schema = TestDatabase.createSchema();
        try (TcpProxy proxy = new TcpProxy(server.port());
             Database db = Database.open(new DatabaseConfig("jdbc:mysql://127.0.0.1:" + proxy.port() + "/" + schema,
                     server.user(), server.password()), 4)) {
            ChatLogger logger = ChatLogger.builder(new JdbcChatLogStore(db.jdbi())).spool(Files.createTempDirectory("spool-bench"))
                    .maxBackoff(Duration.ofMillis(500)).build();
            int[] n = {0};
            long[] up = phase(logger, rate, seconds, n);
            var handoffUp = logger.stats();
            proxy.cut();
            long[] down = phase(logger, rate, seconds, n);
            var handoffDown = logger.stats();
            long backlogBytes = logger.stats().spoolPendingBytes();
            long writtenBefore = logger.stats().written();
            long bytesPerCall = backlogBytes / Math.max(1, (long) rate * seconds);
            proxy.restore();
            long t0 = System.nanoTime();
            long[] recovering = new long[0];
            // keep ingesting while the backlog drains
            while (logger.stats().spoolPendingBytes() > bytesPerCall * rate / 2 && System.nanoTime() - t0 < 300_000_000_000L) {
                long[] one = phase(logger, rate, 1, n);
                recovering = concat(recovering, one);
            }
            double drainSeconds = (System.nanoTime() - t0) / 1e9;
            long drained = logger.stats().written() - writtenBefore;
            logger.flush(Duration.ofMinutes(5));
            logger.close();
            long stored = db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM chatbot_llm_calls").mapTo(Long.class).one());
            System.out.printf("ingest %d calls/s, %d s per phase, %d calls in all, %d stored, lost %d, summaries exact: %s%n",
                    rate, seconds, n[0], stored, logger.stats().lost(), new ConsistencyCheck(db.jdbi()).mismatches().isEmpty());
            print("caller logCall, database up", up);
            print("caller logCall, database down", down);
            print("caller logCall, while the backlog drains", recovering);
            System.out.printf("p99 change when the database is down: %+.1f us (target: at most 1 ms)%n", (pct(down, 99) - pct(up, 99)) / 1e3);
            System.out.printf("accepted to in the spool (last 4,096 calls): database up p50 %d us, p99 %d us; down p50 %d us, p99 %d us%n",
                    handoffUp.handoffP50Micros(), handoffUp.handoffP99Micros(), handoffDown.handoffP50Micros(), handoffDown.handoffP99Micros());
            System.out.printf("backlog: %,d bytes for %,d calls (%d bytes a call); drained in %.1f s while ingesting: %,.0f calls/s = %.1fx the ingest rate (target >= 5x)%n",
                    backlogBytes, (long) rate * seconds, bytesPerCall, drainSeconds, drained / drainSeconds, drained / drainSeconds / rate);
            System.out.printf("a 1 GiB spool holds %,d such calls = %.1f hours at 1,000 calls/min (target >= 1 h)%n",
                    (1L << 30) / Math.max(1, bytesPerCall), (1L << 30) / (double) Math.max(1, bytesPerCall) / 60_000.0);
        }
        spoolerCapacity(200_000);
        System.exit(0);
    }

    /** How fast the spooler alone takes records (the database never answers): the rate past which an embedding application's queue fills. */
    private static void spoolerCapacity(int calls) throws Exception {
        java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);
        ChatLogger logger = ChatLogger.builder(batch -> never.await()).spool(Files.createTempDirectory("spool-capacity"))
                .queueCapacity(calls).closeTimeout(Duration.ofMillis(100)).build();
        LlmCall[] prepared = new LlmCall[calls];
        for (int i = 0; i < calls; i++) prepared[i] = call(i);
        long t0 = System.nanoTime();
        for (LlmCall c : prepared) logger.logCall(c);
        while (logger.stats().spooled() < calls) Thread.sleep(1);
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("spooler alone: %,d calls (1 KB of text each, masked) into the spool in %.2f s = %,.0f calls/s; dropped %d%n",
                calls, s, calls / s, logger.stats().dropped());
    }

    private static LlmCall call(int k) {
        return LlmCall.builder().callId("sb-" + k).conversationId("sb-" + (k % 200)).messageId("sb-m" + (k / 3))
                .model("gpt-4o-mini").inputTokens(400).outputTokens(80).durationMs(800)
                .inputText("Summarise the last orders of customer " + k + " with their totals, statuses and delivery dates. ".repeat(8))
                .outputText("Customer " + k + " placed 3 orders: #1 shipped, #2 pending, #3 delivered; total 412.50 EUR. ".repeat(4))
                .build();
    }

    private static long[] phase(ChatLogger logger, int rate, int seconds, int[] n) throws InterruptedException {
        long[] t = new long[rate * seconds];
        long start = System.nanoTime();
        for (int i = 0; i < t.length; i++) {
            long due = start + (long) i * 1_000_000_000L / rate;
            while (System.nanoTime() < due) {
                if (due - System.nanoTime() > 200_000) Thread.sleep(0, 100_000);
            }
            LlmCall call = call(n[0]++);
            long a = System.nanoTime();
            logger.logCall(call);
            t[i] = System.nanoTime() - a;
        }
        return t;
    }

    private static long[] concat(long[] a, long[] b) {
        long[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static double pct(long[] s, double p) {
        if (s.length == 0) return 0;
        long[] c = s.clone();
        Arrays.sort(c);
        return c[(int) Math.min(c.length - 1, Math.ceil(p / 100 * c.length) - 1)];
    }

    private static void print(String what, long[] s) {
        System.out.printf("%-44s p50 %6.1f us  p99 %7.1f us  max %8.1f us  (%,d calls)%n", what, pct(s, 50) / 1e3, pct(s, 99) / 1e3,
                pct(s, 100) / 1e3, s.length);
    }
}
