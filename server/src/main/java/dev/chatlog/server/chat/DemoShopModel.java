package dev.chatlog.server.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatlog.core.token.TokenCounter;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.DefaultChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.ChatResponseMetadata;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The offline demo model ({@value #NAME}): a LangChain4j {@link ChatModel} that answers the shop
 * chatbot's prompts deterministically with no network and no API key, and reports token usage
 * counted with jtokkit, so the whole logging path (listener, tokens, prices, dashboard) runs as it
 * would with a real provider. A question starting with {@code sql:} is obeyed verbatim at the SQL
 * step, standing in for a model that was talked into writing a harmful statement.
 */
public final class DemoShopModel implements ChatModel {
    public static final String NAME = "chatlog-demo";
    /** The demo experiment's other arm: the same answers from a cheaper model (priced at a third). */
    public static final String MINI = "chatlog-demo-mini";
    /** The demo's keyword moderation model ({@link DemoModeration}). */
    public static final String MODERATION = DemoModeration.MODEL;
    /** The in-process embedding model of the product catalog ({@link ProductCatalog}). */
    public static final String EMBEDDINGS = ProductCatalog.MODEL;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NUMBER = Pattern.compile("\\b(\\d{1,3})\\b");
    private static final Pattern CUSTOMER = Pattern.compile("customer\\s*#?\\s*(\\d+)", Pattern.CASE_INSENSITIVE);
    /** One order named by its number ("where is order #42?"): the order desk's tool looks it up. */
    static final Pattern ORDER_NUMBER = Pattern.compile("order\\s*(?:#|no\\.?|number)?\\s*(\\d{1,9})\\b", Pattern.CASE_INSENSITIVE);

    private final List<ChatModelListener> listeners;
    private final TokenCounter tokens = TokenCounter.shared();
    private final String name;

    public DemoShopModel(List<ChatModelListener> listeners) {
        this(NAME, listeners);
    }

    /** The demo model under another name ({@link #MINI}). */
    public DemoShopModel(String name, List<ChatModelListener> listeners) {
        this.name = name;
        this.listeners = List.copyOf(listeners);
    }

    @Override
    public List<ChatModelListener> listeners() {
        return listeners;
    }

    @Override
    public ModelProvider provider() {
        return ModelProvider.OTHER;
    }

    @Override
    public ChatRequestParameters defaultRequestParameters() {
        return DefaultChatRequestParameters.builder().modelName(name).build();
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        if (!request.toolSpecifications().isEmpty()) {
            return orderDesk(request);
        }
        String task = "";
        String user = "";
        for (ChatMessage m : request.messages()) {
            if (m instanceof SystemMessage s && s.text().startsWith("TASK: ")) {
                task = s.text().lines().findFirst().orElse("").substring(6).trim();
            } else if (m instanceof UserMessage u && u.hasSingleText()) {
                user = u.singleText();
            }
        }
        String answer = switch (task) {
            case "classify_intent" -> classify(user);
            case "generate_sql" -> sql(user);
            case "summarize" -> answer(user);
            case "summarize_conversation" -> "The user asked " + (user.split("\nuser: ", -1).length - 1)
                    + " question(s) about the shop's data and got answers from the database.";
            default -> "Hello! I am the shop's data assistant (offline demo model). Ask me about orders, customers, products or revenue.";
        };
        List<TokenCounter.PromptMessage> prompt = request.messages().stream()
                .map(m -> new TokenCounter.PromptMessage(m.type().name().toLowerCase(Locale.ROOT), text(m), null)).toList();
        int in = tokens.countChat("gpt-4o-mini", prompt);
        int out = tokens.countText("gpt-4o-mini", answer);
        return ChatResponse.builder().aiMessage(AiMessage.from(answer))
                .metadata(ChatResponseMetadata.builder().id("demo-" + Integer.toHexString(answer.hashCode()))
                        .modelName(name).finishReason(FinishReason.STOP).tokenUsage(new TokenUsage(in, out)).build())
                .build();
    }

    /**
     * The order desk (an AI service with tools): asks for {@code lookup_order} with the order number of the
     * question, then answers from the tool's result.
     */
    private ChatResponse orderDesk(ChatRequest request) {
        String user = "";
        String toolResult = null;
        for (ChatMessage m : request.messages()) {
            if (m instanceof UserMessage u && u.hasSingleText()) user = u.singleText();
            if (m instanceof dev.langchain4j.data.message.ToolExecutionResultMessage t) toolResult = t.text();
        }
        AiMessage reply;
        Matcher n = ORDER_NUMBER.matcher(user);
        if (toolResult == null && n.find()) {
            reply = AiMessage.from(dev.langchain4j.agent.tool.ToolExecutionRequest.builder().id("call-" + n.group(1))
                    .name("lookup_order").arguments("{\"orderId\": " + Integer.parseInt(n.group(1)) + "}").build());
        } else {
            reply = AiMessage.from(toolResult == null ? "Which order? Give me its number, e.g. \"where is order 42?\""
                    : toolResult.startsWith("{") ? orderSentence(toolResult) : toolResult);
        }
        List<TokenCounter.PromptMessage> prompt = request.messages().stream()
                .map(m -> new TokenCounter.PromptMessage(m.type().name().toLowerCase(Locale.ROOT), text(m), null)).toList();
        int in = tokens.countChat("gpt-4o-mini", prompt) + 60 * request.toolSpecifications().size(); // the tools' schemas
        int out = tokens.countText("gpt-4o-mini", reply.hasToolExecutionRequests()
                ? reply.toolExecutionRequests().get(0).arguments() : reply.text());
        return ChatResponse.builder().aiMessage(reply)
                .metadata(ChatResponseMetadata.builder().id("demo-desk-" + Integer.toHexString(user.hashCode()))
                        .modelName(name).finishReason(reply.hasToolExecutionRequests() ? FinishReason.TOOL_EXECUTION : FinishReason.STOP)
                        .tokenUsage(new TokenUsage(in, out)).build())
                .build();
    }

    private static String orderSentence(String json) {
        try {
            JsonNode o = JSON.readTree(json);
            return "Order #" + o.path("id").asText() + " from " + o.path("customer").asText() + " (" + o.path("ordered_at").asText()
                    .replace('T', ' ') + ", " + o.path("items").asText() + " item(s), total " + o.path("total").asText() + ") is "
                    + o.path("status").asText() + ".";
        } catch (Exception e) {
            return json;
        }
    }

    private static String text(ChatMessage m) {
        if (m instanceof SystemMessage s) return s.text();
        if (m instanceof UserMessage u) return u.hasSingleText() ? u.singleText() : "";
        if (m instanceof AiMessage a) return a.text() == null ? "" : a.text();
        if (m instanceof dev.langchain4j.data.message.ToolExecutionResultMessage t) return t.text();
        return "";
    }

    static String classify(String question) {
        String q = question.toLowerCase(Locale.ROOT);
        if (q.startsWith("sql:")) return "orders";
        if (ORDER_NUMBER.matcher(q).find() && !q.contains("how many")) return "order_status";
        if (q.contains("order")) return "orders";
        // "top customers by revenue" is about customers: who, before how much
        if (q.contains("customer") || q.contains("client") || q.contains("buyer")) return "customers";
        if (q.contains("revenue") || q.contains("sales") || q.contains("turnover") || q.contains("earn")) return "revenue";
        if (q.contains("product") || q.contains("item") || q.contains("price") || q.contains("sell") || q.contains("stock")) return "products";
        return "smalltalk";
    }

    static String sql(String question) {
        String trimmed = question.trim();
        if (trimmed.regionMatches(true, 0, "sql:", 0, 4)) {
            return trimmed.substring(4).trim();
        }
        String q = trimmed.toLowerCase(Locale.ROOT);
        int limit = 5;
        Matcher n = NUMBER.matcher(q.replaceAll("customer\\s*#?\\s*\\d+", ""));
        if (n.find()) limit = Math.max(1, Math.min(50, Integer.parseInt(n.group(1))));
        Matcher c = CUSTOMER.matcher(q);
        String intent = classify(question);
        if (q.startsWith("how many")) {
            return count(intent, q);
        }
        if (intent.equals("products") && q.contains("stock")) {
            return "SELECT name, category, stock FROM products WHERE stock < 10 ORDER BY stock, name LIMIT " + Math.max(limit, 10);
        }
        return switch (intent) {
            case "revenue" -> "SELECT DATE_FORMAT(ordered_at, '%Y-%m') AS month, COUNT(*) AS orders, SUM(total) AS revenue "
                    + "FROM orders WHERE status <> 'cancelled' GROUP BY month ORDER BY month DESC LIMIT " + Math.max(limit, 6);
            case "customers" -> "SELECT c.id, c.name, c.city, COUNT(o.id) AS orders, SUM(o.total) AS spent FROM customers c "
                    + "JOIN orders o ON o.customer_id = c.id WHERE o.status <> 'cancelled' GROUP BY c.id, c.name, c.city "
                    + "ORDER BY spent DESC LIMIT " + limit;
            case "products" -> {
                String where = "";
                for (String cat : List.of("kitchen", "sports", "electronics", "home", "office", "travel")) {
                    if (q.contains(cat)) where = " WHERE p.category = '" + cat + "'";
                }
                yield "SELECT p.name, p.category, p.price, COALESCE(SUM(oi.quantity), 0) AS units_sold FROM products p "
                        + "LEFT JOIN order_items oi ON oi.product_id = p.id" + where
                        + " GROUP BY p.id, p.name, p.category, p.price ORDER BY units_sold DESC LIMIT " + limit;
            }
            default -> {
                StringBuilder where = new StringBuilder();
                if (c.find()) where.append(" WHERE o.customer_id = ").append(Integer.parseInt(c.group(1)));
                for (String st : List.of("pending", "shipped", "delivered", "cancelled")) {
                    if (q.contains(st)) where.append(where.length() == 0 ? " WHERE " : " AND ").append("o.status = '").append(st).append('\'');
                }
                yield "SELECT o.id, c.name AS customer, o.status, o.total, o.ordered_at FROM orders o "
                        + "JOIN customers c ON c.id = o.customer_id" + where + " ORDER BY o.ordered_at DESC LIMIT " + limit;
            }
        };
    }

    /** A count ("how many orders are pending?"), its column named for what it counts. */
    private static String count(String intent, String q) {
        return switch (intent) {
            case "customers" -> "SELECT COUNT(*) AS customers FROM customers";
            case "products" -> q.contains("stock") ? "SELECT COUNT(*) AS products_low_in_stock FROM products WHERE stock < 10"
                    : "SELECT COUNT(*) AS products FROM products";
            default -> {
                for (String st : List.of("pending", "shipped", "delivered", "cancelled")) {
                    if (q.contains(st)) yield "SELECT COUNT(*) AS " + st + "_orders FROM orders WHERE status = '" + st + "'";
                }
                yield "SELECT COUNT(*) AS orders FROM orders";
            }
        };
    }

    static String answer(String prompt) {
        String question = section(prompt, "QUESTION:");
        String error = section(prompt, "ERROR:");
        if (!error.isEmpty()) {
            return "I could not get that from the database: " + error;
        }
        try {
            JsonNode rows = JSON.readTree(section(prompt, "ROWS:"));
            if (!rows.isArray() || rows.isEmpty()) {
                return "I found no matching records for \"" + question + "\".";
            }
            JsonNode first = rows.get(0);
            if (rows.size() == 1 && first.size() == 1 && first.elements().next().isNumber()) { // a count
                var only = first.fields().next();
                return "There " + (only.getValue().asLong() == 1 ? "is " : "are ") + only.getValue().asText() + " "
                        + only.getKey().replace('_', ' ') + ".";
            }
            StringBuilder sb = new StringBuilder("I found ").append(rows.size()).append(rows.size() == 1 ? " record" : " records")
                    .append(" for \"").append(question).append("\": ");
            for (int i = 0; i < Math.min(5, rows.size()); i++) {
                var it = rows.get(i).fields();
                int k = 0;
                sb.append(i > 0 ? "; " : "");
                while (it.hasNext() && k++ < 5) {
                    var e = it.next();
                    sb.append(k > 1 ? ", " : "").append(e.getKey()).append(' ').append(e.getValue().asText());
                }
            }
            return sb.append(rows.size() > 5 ? "; …" : "").append('.').toString();
        } catch (Exception e) {
            return "I found some records for \"" + question + "\".";
        }
    }

    private static String section(String prompt, String label) {
        for (String line : prompt.split("\n")) {
            if (line.startsWith(label)) {
                return line.substring(label.length()).trim();
            }
        }
        return "";
    }
}
