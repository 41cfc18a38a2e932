package dev.chatlog.server.chat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.langchain4j.ChatLogAiServices;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.SystemMessage;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The chatbot's order desk: a LangChain4j AI service with a tool, for questions about one order ("where is order
 * #42?"). Each invocation is an {@code agent} row ({@code OrderDesk.Assistant.answer}) with its chat calls and the
 * {@code lookup_order} tool row as children, so the dashboard's agent and tool panels show what an AI service does.
 */
final class OrderDesk {
    /** The {@code max_tokens} of each of the desk's calls: a tool request or a one-sentence answer. */
    static final int MAX_TOKENS = 200;
    private static final ObjectMapper JSON = new ObjectMapper();

    interface Assistant {
        @SystemMessage("You are the shop's order desk. Look the order up with the lookup_order tool, then answer in one sentence.")
        String answer(String question);
    }

    /** The desk's tool: one order by its number, read through the shop's read-only query path. */
    static final class Tools {
        private final ShopDatabase shop;

        Tools(ShopDatabase shop) {
            this.shop = shop;
        }

        @Tool(name = "lookup_order", value = "Looks up one order by its number: customer, status, date, number of items and total")
        String lookupOrder(@P("the order number") int orderId) throws JsonProcessingException {
            ShopDatabase.Result r = shop.query("SELECT o.id, c.name AS customer, o.status, o.ordered_at, o.total, "
                    + "(SELECT COUNT(*) FROM order_items i WHERE i.order_id = o.id) AS items FROM orders o "
                    + "JOIN customers c ON c.id = o.customer_id WHERE o.id = " + orderId,
                    "order-desk-" + Thread.currentThread().getId()); // one primary-key read per request thread
            if (!r.query().success()) return "The order could not be looked up: " + r.publicError();
            if (r.rows().isEmpty()) return "There is no order #" + orderId + ".";
            Map<String, Object> row = new LinkedHashMap<>(r.rows().get(0));
            return JSON.writeValueAsString(row);
        }
    }

    private final Assistant assistant;

    OrderDesk(ChatModel model, ShopDatabase shop, ChatLogger logger) {
        assistant = ChatLogAiServices.observe(logger, AiServices.builder(Assistant.class).chatModel(model)
                .tools(new Tools(shop)).maxSequentialToolsInvocations(3).inputGuardrails(new DemoModeration.NoPromptInjection())
                .chatRequestTransformer(r -> r.toBuilder().maxOutputTokens(MAX_TOKENS).build())).build();
    }

    String answer(String question) {
        return assistant.answer(question);
    }
}
