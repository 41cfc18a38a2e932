package dev.chatlog.server.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatlog.core.TokenCounter;
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
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NUMBER = Pattern.compile("\\b(\\d{1,3})\\b");
    private static final Pattern CUSTOMER = Pattern.compile("customer\\s*#?\\s*(\\d+)", Pattern.CASE_INSENSITIVE);

    private final List<ChatModelListener> listeners;
    private final TokenCounter tokens = TokenCounter.shared();

    public DemoShopModel(List<ChatModelListener> listeners) {
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
        return DefaultChatRequestParameters.builder().modelName(NAME).build();
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
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
                        .modelName(NAME).finishReason(FinishReason.STOP).tokenUsage(new TokenUsage(in, out)).build())
                .build();
    }

    private static String text(ChatMessage m) {
        if (m instanceof SystemMessage s) return s.text();
        if (m instanceof UserMessage u) return u.hasSingleText() ? u.singleText() : "";
        if (m instanceof AiMessage a) return a.text() == null ? "" : a.text();
        return "";
    }

    static String classify(String question) {
        String q = question.toLowerCase(Locale.ROOT);
        if (q.startsWith("sql:") || q.contains("order")) return "orders";
        if (q.contains("revenue") || q.contains("sales") || q.contains("turnover") || q.contains("earn")) return "revenue";
        if (q.contains("customer") || q.contains("client") || q.contains("buyer")) return "customers";
        if (q.contains("product") || q.contains("item") || q.contains("price") || q.contains("sell")) return "products";
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
            StringBuilder sb = new StringBuilder("I found ").append(rows.size()).append(rows.size() == 1 ? " record" : " records")
                    .append(" for \"").append(question).append("\". The first: ");
            var it = first.fields();
            int k = 0;
            while (it.hasNext() && k++ < 5) {
                var e = it.next();
                sb.append(k > 1 ? ", " : "").append(e.getKey()).append(' ').append(e.getValue().asText());
            }
            return sb.append('.').toString();
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
