package dev.chatlog.langchain4j;

import dev.chatlog.core.price.PriceCatalog;
import dev.chatlog.core.budget.BudgetExceededException;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.DatabaseConfig;
import dev.chatlog.budgets.JdbcBudgetGate;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.openai.OpenAiChatModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One application instance of {@link BudgetProcessesTest}, in its own JVM: {@code threads} threads
 * calling the real OpenAI client through the budget decorator. {@code run}: each thread calls
 * until the budget has refused it 30 times in a row (60 s at most), then the JVM prints
 * {@code RESULT admitted=N refused=M} and exits. {@code hold}: each thread makes one call the stub
 * never answers in time, and the JVM waits to be killed.
 */
public final class BudgetWorker {
    public static void main(String[] args) throws Exception {
        String mode = args[0];
        DatabaseConfig config = new DatabaseConfig(args[1], args[2], args[3]);
        String stubUrl = args[4];
        int threads = Integer.parseInt(args[5]);
        Duration lease = Duration.ofSeconds(Long.parseLong(args[6]));
        Database db = Database.open(config, threads + 4);
        JdbcBudgetGate gate = JdbcBudgetGate.builder(db.jdbi()).lease(lease).refresh(Duration.ofSeconds(1)).build();
        ChatModel model = BudgetGuard.builder(gate, PriceCatalog.bundled()).build().guard(OpenAiChatModel.builder()
                .baseUrl(stubUrl).apiKey("k").modelName("gpt-4o-mini").maxRetries(0).timeout(Duration.ofSeconds(90)).build());
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread worker = new Thread(() -> {
                int inRow = 0;
                for (int i = 0; inRow < 30 && System.nanoTime() < deadline; i++) {
                    String text = mode.equals("hold") ? "hang " + id : "question " + i + " of thread " + id;
                    try {
                        model.chat(ChatRequest.builder().messages(UserMessage.from(text)).maxOutputTokens(1000).build());
                        admitted.incrementAndGet();
                        inRow = 0;
                    } catch (BudgetExceededException e) {
                        refused.incrementAndGet();
                        inRow++;
                        sleep(5);
                    } catch (RuntimeException e) {
                        System.out.println("ERROR " + e);
                    }
                    if (mode.equals("hold")) sleep(Long.MAX_VALUE);
                }
            }, "worker-" + id);
            worker.start();
            all.add(worker);
        }
        if (mode.equals("hold")) System.out.println("HOLDING");
        for (Thread t : all) t.join();
        System.out.println("RESULT admitted=" + admitted.get() + " refused=" + refused.get());
        gate.close();
        db.close();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
