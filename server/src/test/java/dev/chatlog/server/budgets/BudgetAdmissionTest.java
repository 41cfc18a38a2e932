package dev.chatlog.server.budgets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatlog.server.load.ServerProcess;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.TestDatabase;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * An enforced budget as a user meets it, through the server ({@code ./run.sh}'s child JVM, the demo
 * model priced at gpt-4o-mini): a global day budget of $0.01 and 144 chats from 24 concurrent
 * clients, more than the budget pays for. The budget is used (the day's spend reaches 90% of the limit), never passed, and every
 * 429 says which budget refused and why.
 */
@Tag("slow")
class BudgetAdmissionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** 144 chats: about $0.013 of demo-model calls, more than the limit, so some must be refused. */
    private static final int CHATS_PER_CLIENT = 6;
    private static final String[] INPUTS = {"Show me recent orders", "hello there", "top customers by revenue", "which products sell best"};

    @Test
    void should_use_the_budget_without_passing_it_when_many_clients_race_for_it() throws Exception {
        Path data = Files.createTempDirectory("chatlog-budget-admission");
        TestDatabase.deleteAtExit(data);
        BigDecimal limit = new BigDecimal("0.01");
        ServerProcess server = ServerProcess.start(data, Map.of("CHATLOG_BUDGETS",
                "{\"daily\": {\"scope\": \"global\", \"period\": \"day\", \"limit_usd\": " + limit + ", \"action\": \"enforce\"}}"), 180);
        try {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            AtomicInteger answered = new AtomicInteger(), refused = new AtomicInteger();
            ConcurrentLinkedQueue<String> unexplained = new ConcurrentLinkedQueue<>();
            List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < 24; c++) {
                int id = c;
                Thread t = new Thread(() -> {
                    for (int i = 0; i < CHATS_PER_CLIENT; i++) {
                        String body = "{\"input\": \"" + INPUTS[(id + i) % INPUTS.length] + "\", \"user_id\": \"u" + id + "\"}";
                        try {
                            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/chat-chat/"))
                                    .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() == 200) {
                                answered.incrementAndGet();
                            } else if (r.statusCode() == 429) {
                                refused.incrementAndGet();
                                JsonNode j = JSON.readTree(r.body());
                                if (!"daily".equals(j.path("budget").asText()) || !j.path("error").asText().contains("daily")
                                        || r.headers().firstValue("Retry-After").isEmpty()) {
                                    unexplained.add(r.body());
                                }
                            } else {
                                unexplained.add(r.statusCode() + " " + r.body());
                            }
                        } catch (Exception e) {
                            unexplained.add(e.toString());
                        }
                    }
                });
                t.start();
                clients.add(t);
            }
            for (Thread t : clients) t.join();
            BigDecimal spent, reserved;
            try (Database db = Database.open(server.database(), 2)) {
                Map<String, Object> w = db.jdbi().withHandle(h -> h.createQuery(
                        "SELECT spent, reserved FROM chatbot_budget_windows WHERE budget_name = 'daily'").mapToMap().one());
                spent = (BigDecimal) w.get("spent");
                reserved = (BigDecimal) w.get("reserved");
            }
            System.out.printf("budget $%s, %d chats from 24 clients: %d answered, %d refused (429); spent $%s (%.0f%% of the limit), reserved $%s%n",
                    limit, 24 * CHATS_PER_CLIENT, answered.get(), refused.get(), spent.stripTrailingZeros().toPlainString(),
                    spent.doubleValue() * 100 / limit.doubleValue(), reserved.stripTrailingZeros().toPlainString());
            assertEquals(List.of(), List.copyOf(unexplained), "every answer is a 200 or a 429 naming its budget");
            assertTrue(spent.compareTo(limit) <= 0, "never over the limit: spent " + spent);
            assertEquals(0, reserved.signum(), "nothing left reserved once every call ended");
            assertTrue(refused.get() > 0, "the chats wanted more than the limit (else this test shows nothing)");
            assertTrue(spent.compareTo(limit.multiply(new BigDecimal("0.9"))) >= 0,
                    "the budget is used, not refused away by reservations: spent " + spent + " of " + limit);
        } finally {
            server.close();
        }
    }
}
