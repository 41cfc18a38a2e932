package dev.chatlog.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.core.price.PriceCatalog;
import dev.chatlog.budgets.Budget;
import dev.chatlog.core.budget.BudgetExceededException;
import dev.chatlog.budgets.BudgetPeriod;
import dev.chatlog.langchain4j.OpenAiStub.Reply;
import dev.chatlog.langchain4j.OpenAiStub.Usage;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.DatabaseConfig;
import dev.chatlog.sql.TestDatabase;
import dev.chatlog.budgets.BudgetDefinitions;
import dev.chatlog.budgets.BudgetLedger;
import dev.chatlog.budgets.JdbcBudgetGate;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.openai.OpenAiChatModel;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Budgets across application instances: separate JVMs ({@link BudgetWorker}) calling the real
 * OpenAI client through the decorator against one budget on one MariaDB, and a JVM SIGKILLed
 * while it holds reservations.
 */
@Tag("slow") // child JVMs; mvn -B verify runs it, -DexcludedGroups=slow leaves it out
class BudgetProcessesTest {
    private static final Pattern RESULT = Pattern.compile("RESULT admitted=(\\d+) refused=(\\d+)");
    private static DatabaseConfig config;
    private static Database db;
    private static OpenAiStub stub;

    @BeforeAll
    static void start() throws Exception {
        config = TestDatabase.freshSchema();
        db = Database.open(config, 8);
        stub = new OpenAiStub();
        stub.respond(r -> r.lastUserMessage().startsWith("hang")
                ? Reply.text("late", Usage.of(10, 500)).delay(30_000)
                : Reply.text("ok", Usage.of(10, 500 + ThreadLocalRandom.current().nextInt(490)))
                        .delay(15 + ThreadLocalRandom.current().nextInt(25)));
    }

    @AfterAll
    static void stop() {
        stub.close();
        db.close();
    }

    private static Process worker(String mode, int threads, int leaseSeconds) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"), BudgetWorker.class.getName(),
                mode, config.jdbcUrl(), config.user(), config.password(), stub.baseUrl(), String.valueOf(threads), String.valueOf(leaseSeconds))
                .redirectErrorStream(true).start();
    }

    /** The lines the worker prints, as they come (its log goes to the same stream). */
    private static CompletableFuture<List<String>> output(Process p) {
        return CompletableFuture.supplyAsync(() -> {
            List<String> lines = new ArrayList<>();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    synchronized (lines) {
                        lines.add(l);
                    }
                }
            } catch (java.io.IOException e) {
                lines.add("read failed: " + e);
            }
            return lines;
        });
    }

    private static Budget define(String name, String limit) {
        Budget b = new Budget(name, Budget.Scope.GLOBAL, null, BudgetPeriod.DAY, ZoneOffset.UTC, new BigDecimal(limit), null,
                Budget.Action.ENFORCE);
        db.jdbi().useHandle(h -> h.execute("UPDATE chatbot_budgets SET deleted_at = CURRENT_TIMESTAMP(3)"));
        new BudgetDefinitions(db.jdbi()).put(b);
        return b;
    }

    @Test
    void should_never_pass_the_limit_with_three_jvms_of_sixteen_threads_and_still_use_most_of_it() throws Exception {
        // a call reserves ~$0.000603 (1,000 output tokens at $0.60 / M plus its prompt) and costs $0.000306-0.000600:
        // $0.045 admits about a hundred of them
        Budget b = define("shared-day", "0.045");
        int requestsBefore = stub.requests().size();
        List<Process> jvms = new ArrayList<>();
        List<CompletableFuture<List<String>>> outs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Process p = worker("run", 16, 600);
            jvms.add(p);
            outs.add(output(p));
        }
        int admitted = 0;
        int refused = 0;
        for (int i = 0; i < 3; i++) {
            assertTrue(jvms.get(i).waitFor(120, TimeUnit.SECONDS), "worker " + i + " ended");
            List<String> lines = outs.get(i).get(10, TimeUnit.SECONDS);
            Matcher m = lines.stream().map(RESULT::matcher).filter(Matcher::find).findFirst()
                    .orElseThrow(() -> new AssertionError("no result from worker: " + lines));
            assertTrue(lines.stream().noneMatch(l -> l.startsWith("ERROR")), lines.toString());
            admitted += Integer.parseInt(m.group(1));
            refused += Integer.parseInt(m.group(2));
        }
        BudgetLedger ledger = new BudgetLedger(db.jdbi());
        BudgetLedger.WindowState w = ledger.window(b, Instant.now());
        BigDecimal used = w.spent().divide(b.limitUsd(), 4, RoundingMode.HALF_UP);
        System.out.printf("3 JVMs x 16 threads on a $%s budget: %d admitted, %d refused, spent $%s (%s%% of the limit), reserved $%s%n",
                b.limitUsd(), admitted, refused, w.spent().stripTrailingZeros().toPlainString(),
                used.movePointRight(2).stripTrailingZeros().toPlainString(), w.reserved().stripTrailingZeros().toPlainString());
        assertTrue(w.spent().compareTo(b.limitUsd()) <= 0, "spent " + w.spent() + " passed the limit");
        assertTrue(used.compareTo(new BigDecimal("0.90")) >= 0, "only " + used + " of the limit used");
        assertEquals(0, w.reserved().signum(), "nothing left reserved");
        assertEquals(List.of(), ledger.audit(), "the counters equal the ledger");
        assertEquals(admitted, stub.requests().size() - requestsBefore, "every admitted call was sent, no refused one was");
        assertTrue(admitted >= 70 && refused > 0, admitted + " admitted, " + refused + " refused");
        int settled = db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM chatbot_budget_reservations "
                + "WHERE budget_name = 'shared-day' AND state = 'settled'").mapTo(Integer.class).one());
        assertEquals(admitted, settled, "each admitted call settled once");
    }

    @Test
    void should_renew_a_live_holders_leases_and_count_a_killed_holders_reservations_at_their_worst_case() throws Exception {
        // 16 calls of the holder JVM (hanging at the provider) hold 16 x ~$0.000602: all of the limit
        Budget b = define("killed-holder", "0.0097");
        Process holder = worker("hold", 16, 4);
        CompletableFuture<List<String>> out = output(holder);
        BudgetLedger ledger = new BudgetLedger(db.jdbi());
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (held(b) < 16 && System.nanoTime() < until) Thread.sleep(50);
        assertEquals(16, held(b), "the holder took 16 reservations: " + (holder.isAlive() ? "" : out.getNow(List.of())));
        BigDecimal reserved = ledger.window(b, Instant.now()).reserved();
        Thread.sleep(7_000); // past the 4 s lease, with any instance expiring leases meanwhile
        assertEquals(0, ledger.expireLeases(Instant.now()), "a live holder's leases are renewed: none lapses");
        assertEquals(16, held(b), "its calls are still running");
        holder.destroyForcibly().waitFor(); // SIGKILL: the provider may still bill the 16 calls it was sent
        Instant killedAt = Instant.now();

        JdbcBudgetGate gate = JdbcBudgetGate.builder(db.jdbi()).refresh(Duration.ofMinutes(10)).admissionWait(Duration.ZERO).build();
        ChatModel model = BudgetGuard.builder(gate, PriceCatalog.bundled()).build().guard(OpenAiChatModel.builder()
                .baseUrl(stub.baseUrl()).apiKey("k").modelName("gpt-4o-mini").maxRetries(0).timeout(Duration.ofSeconds(10)).build());
        ChatRequest request = ChatRequest.builder().messages(UserMessage.from("after the kill")).maxOutputTokens(1000).build();
        try {
            until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (held(b) > 0 && System.nanoTime() < until) {
                ledger.expireLeases(Instant.now());
                Thread.sleep(200);
            }
            System.out.printf("a SIGKILLed holder's 16 reservations (lease 4 s) lapsed %d ms after the kill%n",
                    Duration.between(killedAt, Instant.now()).toMillis());
            int lapsed = db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM chatbot_budget_reservations "
                    + "WHERE budget_name = 'killed-holder' AND state = 'lapsed'").mapTo(Integer.class).one());
            assertEquals(16, lapsed, "each of the dead holder's reservations lapsed once");
            BudgetLedger.WindowState w = ledger.window(b, Instant.now());
            assertEquals(0, w.reserved().signum(), "nothing stays reserved: " + w);
            assertEquals(0, reserved.compareTo(w.spent()), "what the dead holder may have spent counts at its worst case: " + w);
            assertTrue(w.spent().compareTo(b.limitUsd()) <= 0, "never over the limit: " + w);
            assertThrows(BudgetExceededException.class, () -> model.chat(request), "no headroom comes back for calls the provider may bill");
            assertEquals(List.of(), ledger.audit());
        } finally {
            gate.close();
        }
    }

    private static int held(Budget b) {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM chatbot_budget_reservations WHERE budget_name = :b "
                + "AND state = 'held'").bind("b", b.name()).mapTo(Integer.class).one());
    }
}
