package dev.chatlog.server.chat;

import dev.chatlog.server.ChatlogServer;
import dev.chatlog.server.Http;
import dev.chatlog.server.ServerTestSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatlog.sql.rollup.ConsistencyCheck;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The questions a newcomer asks the demo (README's, the dashboard's) answered right by the offline demo model,
 * checked against the shop's own tables; and after them, the dashboard has an agent and a tool to show.
 */
class DemoQuestionsTest {
    private static ChatlogServer demo;
    private static Http http;
    private static Jdbi db;

    @BeforeAll
    static void start() throws Exception {
        demo = ServerTestSupport.start(Map.of());
        http = new Http("http://127.0.0.1:" + demo.port());
        db = demo.database().jdbi();
    }

    @AfterAll
    static void stop() {
        demo.close();
    }

    private static JsonNode ask(String question) throws Exception {
        Http.Response r = http.post("/chat-chat/", "{\"input\": " + Http.JSON.valueToTree(question) + "}");
        assertEquals(200, r.status(), r.raw());
        return r.json();
    }

    @Test
    void should_show_orders_from_today_not_from_the_day_the_demo_was_written() throws Exception {
        JsonNode a = ask("Show me recent orders");
        JsonNode rows = a.at("/output/rows");
        assertEquals(5, rows.size(), a.toString());
        LocalDateTime newest = LocalDateTime.parse(rows.get(0).get("ordered_at").asText());
        LocalDateTime now = LocalDateTime.now(ZoneOffset.UTC);
        assertTrue(newest.isAfter(now.minusHours(24)) && newest.isBefore(now), "the newest order is from the last day: " + newest);
        List<Integer> expected = db.withHandle(h -> h.createQuery("SELECT id FROM chatlog_shop.orders ORDER BY ordered_at DESC LIMIT 5")
                .mapTo(Integer.class).list());
        List<Integer> got = new ArrayList<>();
        rows.forEach(r -> got.add(r.get("id").asInt()));
        assertEquals(expected, got);
        assertTrue(a.get("conversation_message").asText().contains("id " + expected.get(0)), a.toString());
    }

    @Test
    void should_name_the_top_customers_by_revenue_not_the_monthly_revenue() throws Exception {
        JsonNode a = ask("Who are our top customers by revenue?");
        assertEquals("customers_summary", a.at("/output/type").asText(), a.toString());
        Map<String, Object> top = db.withHandle(h -> h.createQuery("""
                SELECT c.name, SUM(o.total) spent FROM chatlog_shop.customers c JOIN chatlog_shop.orders o ON o.customer_id = c.id
                WHERE o.status <> 'cancelled' GROUP BY c.id, c.name ORDER BY spent DESC LIMIT 1""").mapToMap().one());
        assertEquals(top.get("name"), a.at("/output/rows/0/name").asText());
        assertEquals(0, ((BigDecimal) top.get("spent")).compareTo(new BigDecimal(a.at("/output/rows/0/spent").asText())));
        assertTrue(a.get("conversation_message").asText().contains((String) top.get("name")), a.toString());
    }

    @Test
    void should_list_the_products_low_in_stock() throws Exception {
        JsonNode a = ask("What products are low in stock?");
        List<String> low = db.withHandle(h -> h.createQuery("SELECT name FROM chatlog_shop.products WHERE stock < 10 ORDER BY stock, name")
                .mapTo(String.class).list());
        assertTrue(low.size() >= 3, "the seed has products running low: " + low);
        List<String> got = new ArrayList<>();
        a.at("/output/rows").forEach(r -> {
            got.add(r.get("name").asText());
            assertTrue(r.get("stock").asInt() < 10, r.toString());
        });
        assertEquals(low, got, a.toString());
    }

    @Test
    void should_count_the_pending_orders() throws Exception {
        JsonNode a = ask("How many orders are pending?");
        long pending = db.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM chatlog_shop.orders WHERE status = 'pending'")
                .mapTo(Long.class).one());
        assertTrue(pending > 0);
        assertEquals("There are " + pending + " pending orders.", a.get("conversation_message").asText(), a.toString());
    }

    @Test
    @SuppressWarnings("unchecked")
    void should_answer_about_one_order_through_the_order_desks_agent_and_its_lookup_tool() throws Exception {
        JsonNode a = ask("Where is order 42?");
        Map<String, Object> order = db.withHandle(h -> h.createQuery("""
                SELECT c.name, o.status FROM chatlog_shop.orders o JOIN chatlog_shop.customers c ON c.id = o.customer_id WHERE o.id = 42""")
                .mapToMap().one());
        String answer = a.get("conversation_message").asText();
        assertTrue(answer.startsWith("Order #42 from " + order.get("name")) && answer.endsWith("is " + order.get("status") + "."), answer);
        assertEquals("order_status", a.get("intent").asText(), a.toString());

        assertTrue(demo.logger().flush(Duration.ofSeconds(20)));
        String messageId = a.get("message_id").asText();
        List<Map<String, Object>> rows = db.withHandle(h -> h.createQuery("""
                SELECT call_type, agent, function_name, parent_call_id, call_id FROM chatbot_llm_calls WHERE message_id = :m
                ORDER BY call_sequence""").bind("m", messageId).mapToMap().list());
        // the demo moderation first; the order desk's input guardrail passes before its model is asked
        assertEquals(List.of("moderation", "chat", "agent", "guardrail", "chat", "tool", "chat"), rows.stream().map(r -> r.get("call_type")).toList(),
                rows.toString());
        assertEquals("classify_intent", rows.get(1).get("function_name"));
        assertEquals("OrderDesk.Assistant.answer", rows.get(2).get("agent"));
        assertEquals("NoPromptInjection", rows.get(3).get("function_name"));
        assertEquals("lookup_order", rows.get(5).get("function_name"));
        for (Map<String, Object> child : rows.subList(3, 7)) assertEquals(rows.get(2).get("call_id"), child.get("parent_call_id"));
        JsonNode overview = http.get("/logging-dashboard/overview?hours=1").json();
        assertTrue(overview.get("by_agent").toString().contains("OrderDesk.Assistant.answer"), overview.get("by_agent").toString());
        assertTrue(overview.get("by_tool").toString().contains("lookup_order"), overview.get("by_tool").toString());
        assertEquals(List.of(), new ConsistencyCheck(db).mismatches());
    }
}
