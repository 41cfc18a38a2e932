package dev.chatlog.budgets.bench;

import dev.chatlog.budgets.Budget;
import dev.chatlog.core.budget.BudgetExceededException;
import dev.chatlog.core.budget.BudgetGate;
import dev.chatlog.budgets.BudgetPeriod;
import dev.chatlog.core.budget.BudgetSubject;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.DatabaseConfig;
import dev.chatlog.sql.TestDatabase;
import dev.chatlog.budgets.BudgetDefinitions;
import dev.chatlog.budgets.BudgetLedger;
import dev.chatlog.budgets.JdbcBudgetGate;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What budgets add to a call, on the embedded MariaDB on this machine: the reserve + settle path
 * of {@link JdbcBudgetGate} (what the decorator does around a model call) timed call by call from
 * one thread (p50 / p99 / max), with one and with three covering budgets; then admitted calls per
 * second on one hot budget from 3 JVMs of 16 threads each (every call reserves and settles on the
 * same window row), and the same budget's ledger audited afterwards.
 *
 * <pre>mvn -q -pl budgets exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.chatlog.budgets.bench.BudgetBenchmark \
 *   -Dexec.args="5000 10"</pre>
 * Arguments: sequential calls (default 5,000), seconds of the 3-JVM run (default 10).
 */
public final class BudgetBenchmark {
    private static final BigDecimal WORST = new BigDecimal("0.000603");
    private static final BigDecimal COST = new BigDecimal("0.000450");

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("worker")) {
            worker(new DatabaseConfig(args[1], args[2], args[3]), Integer.parseInt(args[4]), Integer.parseInt(args[5]));
            return;
        }
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 5_000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        DatabaseConfig cfg = TestDatabase.freshSchema();
        try (Database db = Database.open(cfg, 8)) {
            BudgetDefinitions defs = new BudgetDefinitions(db.jdbi());
            defs.put(budget("bench-global", Budget.Scope.GLOBAL, null));
            try (JdbcBudgetGate gate = JdbcBudgetGate.builder(db.jdbi()).refresh(Duration.ofMinutes(10)).build()) {
                BudgetSubject who = new BudgetSubject("alice", "conv-1", "tool", "planner", "gpt-4o-mini", Set.of("team:a"), null);
                sequential("1 budget", gate, who, calls);
                defs.put(budget("bench-user", Budget.Scope.USER, "alice"));
                defs.put(budget("bench-tag", Budget.Scope.TAG, "team:a"));
                gate.refresh();
                sequential("3 budgets", gate, who, calls);
            }
            db.jdbi().useHandle(h -> h.execute("UPDATE chatbot_budgets SET deleted_at = CURRENT_TIMESTAMP(3) WHERE name <> 'bench-global'"));
            hot(cfg, db, seconds);
        }
        System.exit(0);
    }

    private static Budget budget(String name, Budget.Scope scope, String value) {
        return new Budget(name, scope, value, BudgetPeriod.DAY, ZoneOffset.UTC, new BigDecimal("1000000"), null, Budget.Action.ENFORCE);
    }

    private static void sequential(String label, JdbcBudgetGate gate, BudgetSubject who, int calls) {
        for (int i = 0; i < Math.min(500, calls); i++) gate.reserve(who, WORST).settle(COST); // warm-up
        long[] reserve = new long[calls];
        long[] both = new long[calls];
        for (int i = 0; i < calls; i++) {
            long t0 = System.nanoTime();
            BudgetGate.Hold h = gate.reserve(who, WORST);
            long t1 = System.nanoTime();
            h.settle(COST);
            long t2 = System.nanoTime();
            reserve[i] = t1 - t0;
            both[i] = t2 - t0;
        }
        System.out.printf("%s, one thread, %,d calls: reserve p50 %.2f ms p99 %.2f ms; reserve + settle p50 %.2f ms p99 %.2f ms max %.2f ms%n",
                label, calls, pct(reserve, 50), pct(reserve, 99), pct(both, 50), pct(both, 99), pct(both, 100));
    }

    private static double pct(long[] nanos, double p) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        int i = (int) Math.min(s.length - 1, Math.max(0, Math.ceil(p / 100.0 * s.length) - 1));
        return s[i] / 1e6;
    }

    /** 3 JVMs x 16 threads reserving and settling on one budget's window row for {@code seconds}. */
    private static void hot(DatabaseConfig cfg, Database db, int seconds) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> jvms = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            jvms.add(new ProcessBuilder(java, "-Xmx256m", "-cp", classPath(), BudgetBenchmark.class.getName(),
                    "worker", cfg.jdbcUrl(), cfg.user(), cfg.password(), "16", String.valueOf(seconds)).redirectErrorStream(true).start());
        }
        long total = 0;
        for (Process p : jvms) {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
                for (String l; (l = r.readLine()) != null; ) {
                    if (l.startsWith("WORKER ")) {
                        System.out.println("  " + l);
                        total += Long.parseLong(l.replaceAll(".*admitted=(\\d+).*", "$1"));
                    } else if (l.contains("Exception") || l.contains("ERROR")) {
                        System.out.println("  worker: " + l);
                    }
                }
            }
            p.waitFor();
        }
        BudgetLedger ledger = new BudgetLedger(db.jdbi());
        System.out.printf("one hot budget, 3 JVMs x 16 threads, %d s: %,d calls admitted and settled, %,.0f calls/s; ledger audit: %s%n",
                seconds, total, total / (double) seconds, ledger.audit().isEmpty() ? "counters = ledger" : ledger.audit());
    }

    /** The test class path, also under exec:java (whose own class path is Maven's: the classes come from a class loader). */
    private static String classPath() {
        if (BudgetBenchmark.class.getClassLoader() instanceof java.net.URLClassLoader u && u.getURLs().length > 0) {
            List<String> parts = new ArrayList<>();
            for (java.net.URL url : u.getURLs()) {
                try {
                    parts.add(Path.of(url.toURI()).toString());
                } catch (java.net.URISyntaxException e) {
                    throw new IllegalStateException(e);
                }
            }
            return String.join(java.io.File.pathSeparator, parts);
        }
        return System.getProperty("java.class.path");
    }

    private static void worker(DatabaseConfig cfg, int threads, int seconds) throws Exception {
        try (Database db = Database.open(cfg, threads + 2);
             JdbcBudgetGate gate = JdbcBudgetGate.builder(db.jdbi()).refresh(Duration.ofMinutes(10)).build()) {
            BudgetSubject who = new BudgetSubject("u", "c", null, null, "gpt-4o-mini", Set.of(), null);
            for (int i = 0; i < 200; i++) gate.reserve(who, WORST).settle(COST);
            AtomicLong admitted = new AtomicLong();
            AtomicLong refused = new AtomicLong();
            long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
            List<Thread> all = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Thread th = new Thread(() -> {
                    while (System.nanoTime() < end) {
                        try {
                            gate.reserve(who, WORST).settle(COST);
                            admitted.incrementAndGet();
                        } catch (BudgetExceededException e) {
                            refused.incrementAndGet();
                        }
                    }
                });
                th.start();
                all.add(th);
            }
            for (Thread th : all) th.join();
            System.out.println("WORKER pid " + ProcessHandle.current().pid() + " admitted=" + admitted.get() + " refused=" + refused.get()
                    + " at " + Instant.now());
        }
    }
}
