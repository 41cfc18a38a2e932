package dev.chatlog.budgets.bench;

import dev.chatlog.budgets.Budget;
import dev.chatlog.budgets.BudgetLedger;
import dev.chatlog.budgets.BudgetPeriod;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.LlmCall;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.DatabaseConfig;
import dev.chatlog.sql.GaleraCluster;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.chatlog.sql.SystemMariaDb;
import dev.chatlog.sql.rollup.ConsistencyCheck;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * When to move past one database server: the same work on one MariaDB 10.11 server and on a 3-node Galera cluster of
 * the same MariaDB (both from Debian's packages, on this machine's loopback), three application instances each time
 * (on the single server all three on it; on the cluster one per node), alternating single, cluster, single, cluster:
 * <ol>
 *   <li>write throughput: each instance's ChatLogger stores {@code calls} calls (two per turn, with their turn's
 *   message) over 300 shared conversations; calls/s until all are in the database, then the consistency check;</li>
 *   <li>hot-budget admissions: 8 threads per instance reserve and settle on one budget (never refusing) for 10 s;
 *   admissions/s, admissions that failed (still conflicting after 30 runs within 10 s), and how many certification
 *   conflicts the cluster refused.</li>
 * </ol>
 * All nodes share this machine's 2 cores and disk: the cluster's figures say what synchronous replication costs here,
 * not what three machines would do.
 *
 * <pre>mvn -q -pl budgets -am install -DskipTests && mvn -q -pl budgets test-compile org.codehaus.mojo:exec-maven-plugin:3.5.0:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.chatlog.budgets.bench.ClusterBenchmark -Dexec.args="30000 2"</pre>
 */
public final class ClusterBenchmark {
    private static final Path DIR = Path.of("target", "cluster-bench");

    public static void main(String[] args) throws Exception {
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 30_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        List<String> lines = new ArrayList<>();
        try {
            rounds(calls, rounds, lines);
        } catch (Exception | Error e) {
            e.printStackTrace();
            lines.add("FAILED: " + e);
        }
        System.out.println();
        System.out.println("setup          round  writes (calls/s)  exact  admissions/s  failed (>10 s)  conflicts retried");
        lines.forEach(System.out::println);
        System.exit(lines.stream().anyMatch(l -> l.startsWith("FAILED")) ? 1 : 0);
    }

    private static void rounds(int calls, int rounds, List<String> lines) throws Exception {
        for (int round = 1; round <= rounds; round++) {
            try (SystemMariaDb single = SystemMariaDb.start(DIR)) {
                single.admin("CREATE DATABASE chatlog");
                DatabaseConfig c = new DatabaseConfig(single.jdbcUrl("chatlog"), SystemMariaDb.ADMIN, SystemMariaDb.ADMIN_PASSWORD);
                lines.add(run("one server   ", round, List.of(c, c, c), calls, null));
            }
            try (GaleraCluster cluster = GaleraCluster.start(DIR, 3, "chatlog")) {
                lines.add(run("3-node Galera", round, List.of(cluster.config(1, "chatlog"), cluster.config(2, "chatlog"),
                        cluster.config(3, "chatlog")), calls, cluster));
            }
        }
    }

    private static String run(String name, int round, List<DatabaseConfig> instances, int calls, GaleraCluster cluster) throws Exception {
        List<Database> dbs = new ArrayList<>();
        try {
            for (DatabaseConfig c : instances) dbs.add(Database.open(c, 6));
            long conflictsBefore = conflicts(dbs, cluster);
            double writes = writes(dbs, calls);
            List<String> mismatches = new ConsistencyCheck(dbs.get(0).jdbi()).mismatches();
            double admissions = admissions(dbs);
            long conflicts = conflicts(dbs, cluster) - conflictsBefore;
            String line = String.format("%s  %5d  %,16.0f  %5s  %,12.0f  %,15d  %s", name, round, writes, mismatches.isEmpty() ? "yes" : "NO",
                    admissions, lastFailedAdmissions, cluster == null ? "-" : String.valueOf(conflicts));
            System.out.println(line);
            return line;
        } finally {
            dbs.forEach(Database::close);
        }
    }

    /** Each instance logs {@code calls} calls and their messages at once; calls/s from the first log to the last row stored. */
    private static double writes(List<Database> dbs, int calls) throws Exception {
        List<ChatLogger> loggers = new ArrayList<>();
        for (Database db : dbs) loggers.add(ChatLogger.builder(new JdbcChatLogStore(db.jdbi())).queueCapacity(calls * 2).build());
        Instant t0 = Instant.parse("2026-12-06T00:00:00Z");
        long start = System.nanoTime();
        for (int i = 0; i < calls; i += 2) {
            for (int n = 0; n < loggers.size(); n++) {
                String conv = "conv-" + (i / 2 % 300);
                String msg = "i" + n + "-m" + i;
                Instant at = t0.plusMillis(i * 10L);
                for (int k = 0; k < 2; k++) {
                    loggers.get(n).logCall(LlmCall.builder().callId(msg + "-" + k).conversationId(conv).messageId(msg)
                            .model(k == 0 ? "gpt-4o" : "gpt-4o-mini").functionName("answer").inputTokens(400).outputTokens(60)
                            .durationMs(300).startedAt(at).inputText("question " + i).outputText("answer " + i).build());
                }
                loggers.get(n).logMessage(ConversationMessage.builder().conversationId(conv).messageId(msg).userInput("question " + i)
                        .finalOutput("{}").success(true).timestamp(at.plusMillis(600)).build());
            }
        }
        for (ChatLogger l : loggers) {
            if (!l.flush(Duration.ofMinutes(10))) throw new IllegalStateException("not flushed: " + l.stats());
        }
        double rate = (double) calls * loggers.size() / ((System.nanoTime() - start) / 1e9);
        for (ChatLogger l : loggers) l.close();
        return rate;
    }

    private static double admissions(List<Database> dbs) throws Exception {
        Budget hot = new Budget("hot", Budget.Scope.GLOBAL, null, BudgetPeriod.DAY, ZoneOffset.UTC, new BigDecimal("1000000"), null,
                Budget.Action.ENFORCE);
        AtomicLong admitted = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(dbs.size() * 8, r -> {
            Thread t = new Thread(r, "admissions");
            t.setDaemon(true);
            return t;
        });
        long end = System.nanoTime() + 10_000_000_000L;
        long start = System.nanoTime();
        List<Future<?>> work = new ArrayList<>();
        for (Database db : dbs) {
            BudgetLedger ledger = new BudgetLedger(db.jdbi());
            for (int t = 0; t < 8; t++) {
                work.add(pool.submit(() -> {
                    while (System.nanoTime() < end) {
                        Instant now = Instant.now();
                        BudgetLedger.Admission a;
                        try {
                            a = ledger.reserve(hot, new BigDecimal("0.02"), now, Duration.ofMinutes(5));
                        } catch (RuntimeException e) { // conflicts still after 30 runs within 10 s: the call would fail
                            failed.incrementAndGet();
                            continue;
                        }
                        if (!a.admitted()) throw new IllegalStateException("refused under a limit it cannot reach");
                        ledger.settle(a.reservation(), new BigDecimal("0.011"), now);
                        admitted.incrementAndGet();
                    }
                    return null;
                }));
            }
        }
        for (Future<?> f : work) f.get();
        pool.shutdown();
        List<String> audit = new BudgetLedger(dbs.get(0).jdbi()).audit();
        if (!audit.isEmpty()) throw new IllegalStateException("the ledger and its counters differ: " + audit);
        lastFailedAdmissions = failed.get();
        return admitted.get() / ((System.nanoTime() - start) / 1e9);
    }

    private static long lastFailedAdmissions;

    private static long conflicts(List<Database> dbs, GaleraCluster cluster) {
        if (cluster == null) return 0;
        long sum = 0;
        for (Database db : dbs) {
            sum += db.jdbi().withHandle(h -> h.createQuery("SHOW STATUS LIKE 'wsrep_local_cert_failures'")
                    .map((rs, ctx) -> rs.getLong(2)).findOne().orElse(0L));
        }
        return sum;
    }
}
