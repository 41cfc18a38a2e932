package dev.chatlog.server.chat;

import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.budget.BudgetExceededException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatlog.server.web.ApiError;
import dev.chatlog.server.web.Params;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code POST /chat-chat/}: validates the body, asks the chatbot, answers with the seed's fields. */
public final class ChatController {
    /** One JSON value per body: anything after it (a second object, garbage) is refused, not ignored. */
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION); // {"user_id":"a","user_id":"b"}: which one? neither
    static final int MAX_INPUT = 4_000;
    static final int MAX_HISTORY = 50;

    private final ShopChatbot bot;
    private final Durability durability;
    private final CallerTrace trace;

    /**
     * How the answer waits for the turn's records (null: no wait): true once they are in the spool
     * and none of them was dropped or lost on the way ({@link ChatLogger#awaitDurable(Duration, ChatLogger.Mark)}
     * from a mark taken before the turn).
     */
    public record Durability(ChatLogger logger, Duration timeout) {
        ChatLogger.Mark mark() {
            return logger.mark();
        }

        boolean awaitDurable(ChatLogger.Mark since) {
            return logger.awaitDurable(timeout, since);
        }
    }

    /** Joins the turn to the caller's trace (its {@code traceparent} header) while it runs; a no-op when traces are off. */
    @FunctionalInterface
    public interface CallerTrace {
        dev.chatlog.core.ChatContext.Scope join(Context ctx);
    }

    public ChatController(ShopChatbot bot, Durability durability) {
        this(bot, durability, ctx -> () -> { });
    }

    public ChatController(ShopChatbot bot, Durability durability, CallerTrace trace) {
        this.bot = bot;
        this.durability = durability;
        this.trace = trace;
    }

    public void chat(Context ctx) {
        Params.requireJson(ctx.header("Content-Type"));
        ShopChatbot.Question q = parse(ctx.body(), ctx.ip());
        ShopChatbot.Answer a;
        ChatLogger.Mark since = durability == null ? null : durability.mark(); // before the turn's first record
        try (var joined = trace.join(ctx)) {
            a = bot.answer(q);
        } catch (ShopChatbot.NotOwner e) {
            throw new ApiError(403, e.getMessage(), "conversation_id");
        } catch (ShopChatbot.Refused e) {
            BudgetExceededException r = e.refusal;
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("error", r.getMessage());
            body.put("budget", r.budget());
            body.put("limit", r.limit());
            body.put("spent", r.spent());
            body.put("reserved", r.reserved());
            body.put("requested", r.requested());
            body.put("resets_at", r.resetsAt().toString());
            body.put("conversation_id", e.conversationId);
            body.put("message_id", e.messageId);
            if (durability != null) durability.awaitDurable(since); // the refused turn is recorded before we say so
            long wait = Math.max(1, java.time.Duration.between(java.time.Instant.now(), r.resetsAt()).toSeconds());
            ctx.status(429).header("Retry-After", String.valueOf(wait)).json(body);
            return;
        } catch (ShopChatbot.ModelFailure e) {
            Map<String, Object> body = new LinkedHashMap<>();
            // the turn's own database reads (its history) failing is not the model's failure, and its text (the driver's
            // message, the statement) is nobody's business outside: a plain 503 to try again
            boolean database = false; // a JDBC failure in its causes (not a model's HTTP connection refused)
            for (Throwable t = e.getCause(); t != null && !database; t = t.getCause() == t ? null : t.getCause()) {
                database = t instanceof org.jdbi.v3.core.JdbiException || t instanceof java.sql.SQLException;
            }
            body.put("error", database ? "the chat's database did not answer (reading the conversation's history); try again"
                    : "the language model failed: " + e.getMessage());
            body.put("conversation_id", e.conversationId);
            body.put("message_id", e.messageId);
            if (durability != null) durability.awaitDurable(since); // the failed turn is recorded before we say so
            if (database) ctx.header("Retry-After", "1");
            ctx.status(database ? 503 : 502).json(body);
            return;
        }
        if (durability != null && !durability.awaitDurable(since)) {
            // answered, but not recorded in time: the promise is that a 200 means recorded
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("error", "the turn was answered but could not be recorded in time (the log is overloaded or its disk is full); "
                    + "it may still be recorded: retry with the same conversation_id");
            body.put("conversation_id", a.conversationId());
            body.put("message_id", a.messageId());
            body.put("status", 503);
            ctx.status(503).header("Retry-After", "1").json(body);
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("conversation_id", a.conversationId());
        body.put("message_id", a.messageId());
        body.put("intent", a.intent());
        body.put("conversation_message", a.conversationMessage());
        body.put("output", a.output());
        if (a.conversationSummary() != null) {
            body.put("conversation_summary", a.conversationSummary());
        }
        ctx.json(body);
    }

    static ShopChatbot.Question parse(String raw, String client) {
        JsonNode body;
        try {
            body = raw == null || raw.isBlank() ? null : JSON.readTree(raw);
        } catch (Exception e) {
            throw ApiError.badRequest("the body is not valid JSON (one JSON object, each field once, nothing after it)", null);
        }
        if (body == null || !body.isObject()) {
            throw ApiError.badRequest("the body must be a JSON object like {\"input\": \"Show me recent orders\"}", null);
        }
        JsonNode input = body.get("input");
        if (input == null || input.isNull()) {
            throw ApiError.badRequest("input is required", "input");
        }
        if (!input.isTextual()) {
            throw ApiError.badRequest("input must be a string", "input");
        }
        if (input.asText().isBlank()) {
            throw ApiError.badRequest("input must not be empty", "input");
        }
        if (input.asText().length() > MAX_INPUT) {
            throw ApiError.badRequest("input must be at most " + MAX_INPUT + " characters", "input");
        }
        String conversationId = optionalString(body, "conversation_id");
        if (conversationId != null) Params.id(conversationId, "conversation_id");
        String userId = optionalString(body, "user_id");
        if (userId != null) Params.id(userId, "user_id");
        boolean summarize = false;
        JsonNode s = body.get("summarize");
        if (s != null && !s.isNull()) {
            if (!s.isBoolean()) throw ApiError.badRequest("summarize must be true or false", "summarize");
            summarize = s.asBoolean();
        }
        checkText(input.asText(), "input");
        return new ShopChatbot.Question(input.asText(), conversationId, userId, history(body.get("chat_history")), summarize, client);
    }

    /**
     * Refuses text the database cannot store as sent: a lone UTF-16 surrogate (from a {@code \\uD800}
     * escape) would be stored as '?', so the stored turn would differ from the one answered.
     */
    static void checkText(String s, String field) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw ApiError.badRequest(field + " holds a lone UTF-16 surrogate (\\u" + Integer.toHexString(c).toUpperCase()
                        + " at " + i + "): not a character", field);
            }
        }
    }

    private static String optionalString(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) throw ApiError.badRequest(field + " must be a string", field);
        return v.asText().isEmpty() ? null : v.asText();
    }

    /** chat_history: strings alternating user/assistant, or objects {role, content}. Absent: server memory. */
    private static List<ConversationMemory.Turn> history(JsonNode h) {
        if (h == null || h.isNull()) return null;
        if (!h.isArray()) throw ApiError.badRequest("chat_history must be an array", "chat_history");
        if (h.size() > MAX_HISTORY) throw ApiError.badRequest("chat_history may hold at most " + MAX_HISTORY + " entries", "chat_history");
        List<String[]> entries = new ArrayList<>();
        for (JsonNode e : h) {
            if (e.isTextual()) {
                entries.add(new String[] {entries.size() % 2 == 0 ? "user" : "assistant", e.asText()});
            } else if (e.isObject() && e.path("role").isTextual() && e.path("content").isTextual()) {
                String role = e.get("role").asText();
                if (!role.equals("user") && !role.equals("assistant")) {
                    throw ApiError.badRequest("chat_history roles must be user or assistant", "chat_history");
                }
                entries.add(new String[] {role, e.get("content").asText()});
            } else {
                throw ApiError.badRequest("chat_history entries must be strings or {\"role\", \"content\"} objects", "chat_history");
            }
            checkText(entries.get(entries.size() - 1)[1], "chat_history");
            if (entries.get(entries.size() - 1)[1].length() > MAX_INPUT) {
                throw ApiError.badRequest("chat_history entries must be at most " + MAX_INPUT + " characters", "chat_history");
            }
        }
        List<ConversationMemory.Turn> turns = new ArrayList<>();
        String pendingUser = null;
        for (String[] e : entries) {
            if (e[0].equals("user")) {
                if (pendingUser != null) turns.add(new ConversationMemory.Turn(pendingUser, ""));
                pendingUser = e[1];
            } else {
                turns.add(new ConversationMemory.Turn(pendingUser == null ? "" : pendingUser, e[1]));
                pendingUser = null;
            }
        }
        if (pendingUser != null) turns.add(new ConversationMemory.Turn(pendingUser, ""));
        return turns;
    }
}
