package dev.chatlog.server.chat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatlog.core.cache.CacheLookup;
import dev.chatlog.core.ChatContext;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.MessageTurn;
import dev.chatlog.core.StepScope;
import dev.chatlog.langchain4j.ChatLogModels;
import dev.chatlog.langchain4j.ChatLogModerationListener;
import dev.langchain4j.guardrail.InputGuardrailException;
import dev.langchain4j.model.moderation.ModerationModel;
import dev.chatlog.core.budget.BudgetExceededException;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;

/**
 * The SQL orders chatbot behind {@code POST /chat-chat/}: classify the intent, write SQL for data
 * questions, run it read-only, answer from the rows; a question about one order goes to the {@link OrderDesk}, an
 * AI service with a lookup tool. Every step is an LLM call attributed to the
 * turn (function names {@code classify_intent}, {@code generate_sql}, {@code summarize}), and the
 * turn is logged as one message with intent, classification, SQL queries and result count.
 */
public final class ShopChatbot {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Most characters of result rows put into the summarize prompt. */
    static final int MAX_PROMPT_ROWS_CHARS = 8_000;
    private static final Set<String> DATA_INTENTS = Set.of("orders", "customers", "products", "revenue");

    private final ChatModel model;
    private final ShopDatabase shop;
    private final ChatLogger logger;
    private final ConversationMemory memory;
    private final ConversationOwners owners;
    private final OrderDesk orderDesk;
    private final ProductCatalog catalog;
    private final ModerationModel moderation;
    private final SqlCache sqlCache = new SqlCache();
    private final Arms arms;

    /** The experiment each turn is put in (by its conversation), when one is to be run: the router and its name. */
    public record Arms(dev.chatlog.experiments.ExperimentRouter router, String experiment) {}

    /**
     * With the offline demo model, every question is first checked by the demo's keyword moderation model (a
     * {@code moderation} row); with a provider's model there is no moderation step (it would cost a call per turn).
     */
    public ShopChatbot(ChatModel model, ShopDatabase shop, ChatLogger logger, Jdbi chatlogJdbi, boolean offlineDemo, Arms arms) {
        this.model = model;
        this.arms = arms;
        this.orderDesk = new OrderDesk(model, shop, logger);
        this.catalog = new ProductCatalog(shop, logger);
        this.moderation = offlineDemo ? ChatLogModels.observe(new DemoModeration(), new ChatLogModerationListener(logger)) : null;
        this.shop = shop;
        this.logger = logger;
        this.memory = new ConversationMemory(chatlogJdbi);
        this.owners = new ConversationOwners(chatlogJdbi);
    }

    /** Thrown, before anything runs or is logged, when a user continues a conversation that is not theirs. */
    public static final class NotOwner extends RuntimeException {
        NotOwner(String conversationId) {
            super("conversation " + conversationId + " belongs to another user: start a new conversation (omit conversation_id)",
                    null, false, false);
        }
    }

    /**
     * One request: the question, an optional conversation, an optional client-kept history, and the
     * client asking (its remote address: what the shop's per-client query limit counts).
     */
    public record Question(String input, String conversationId, String userId, List<ConversationMemory.Turn> history,
                           boolean summarize, String client) {}

    public record Answer(String conversationId, String messageId, String intent, String conversationMessage,
                         Map<String, Object> output, String conversationSummary) {}

    /** Thrown when the model fails; the turn is logged as failed before it propagates. */
    public static final class ModelFailure extends RuntimeException {
        public final String conversationId;
        public final String messageId;

        ModelFailure(String conversationId, String messageId, RuntimeException cause) {
            super(cause.getMessage(), cause);
            this.conversationId = conversationId;
            this.messageId = messageId;
        }
    }

    /**
     * Thrown when a budget refused one of the turn's model calls (nothing was sent for it); the turn
     * is logged as refused (failed, with the budget in its debug info) before it propagates.
     */
    public static final class Refused extends RuntimeException {
        public final String conversationId;
        public final String messageId;
        public final BudgetExceededException refusal;

        Refused(String conversationId, String messageId, BudgetExceededException refusal) {
            super(refusal.getMessage(), refusal, false, false);
            this.conversationId = conversationId;
            this.messageId = messageId;
            this.refusal = refusal;
        }
    }

    public Answer answer(Question q) {
        if (q.conversationId() != null && !owners.mayContinue(q.conversationId(), q.userId())) {
            throw new NotOwner(q.conversationId());
        }
        try (MessageTurn turn = logger.beginMessage(q.conversationId(), q.input())) {
            if (q.userId() != null) turn.user(q.userId());
            if (q.conversationId() == null) owners.claim(turn.conversationId(), q.userId());
            if (arms != null) arms.router().enter(turn, arms.experiment(), turn.conversationId()); // sticky: by conversation
            try {
                List<ConversationMemory.Turn> history = q.history() != null ? q.history() : memory.turns(turn.conversationId());
                if (moderation != null && moderation.moderate(q.input()).content().flagged()) { // a `moderation` row either way
                    String refusal = "I can't help with that.";
                    turn.intent("flagged").classification("moderation_flagged").output("{\"type\":\"refused\"}", refusal);
                    return new Answer(turn.conversationId(), turn.messageId(), "flagged", refusal, Map.of("type", "refused"), null);
                }
                String intent = normalizeIntent(call(turn, "classify_intent", Prompts.CLASSIFY, List.of(), q.input()));
                boolean data = DATA_INTENTS.contains(intent);
                turn.chatMode(data ? "tool" : "simple").intent(intent).classification(data ? "data_question" : "smalltalk");
                String message;
                Map<String, Object> output = new LinkedHashMap<>();
                if (intent.equals("order_status")) { // one order by its number: the order desk's agent and its tool
                    turn.chatMode("agent").classification("order_lookup").databaseUsed(ShopDatabase.SCHEMA);
                    try (ChatContext.Scope s = turn.function("order_desk")) {
                        message = orderDesk.answer(q.input());
                        output.put("type", "order_status");
                    } catch (InputGuardrailException refused) { // the order desk's guardrail (a failed `guardrail` row)
                        message = "I can't help with that.";
                        turn.classification("guardrail_refused");
                        output.put("type", "refused");
                    }
                    output.put("text", message);
                } else if (data) {
                    turn.databaseUsed(ShopDatabase.SCHEMA);
                    Sql written = sqlFor(turn, intent, history, q.input());
                    String sql = written.sql();
                    // products: what the catalog's retrieval finds for the question goes to the answer with the rows
                    List<String> matches = intent.equals("products") ? catalog.find(q.input()) : List.of();
                    ShopDatabase.Result result;
                    try (StepScope run = turn.stage("run_sql")) {
                        result = shop.query(sql, q.client());
                        if (result.query().success()) written.keep().run(); // only SQL that ran is cached
                        else run.failed("sql_error", result.publicError());
                    }
                    turn.sqlQuery(result.query()).sqlResultsCount(result.rows().size());
                    String rowsJson = JSON.writeValueAsString(result.rows().subList(0, Math.min(20, result.rows().size())));
                    if (rowsJson.length() > MAX_PROMPT_ROWS_CHARS) { // one question cannot inflate what the model is sent
                        rowsJson = rowsJson.substring(0, MAX_PROMPT_ROWS_CHARS) + "…[cut]";
                    }
                    String prompt = "QUESTION: " + q.input().replace('\n', ' ') + "\nSQL: " + sql.replace('\n', ' ')
                            + (result.query().success() ? "\nROWS: " + rowsJson : "\nERROR: " + result.publicError())
                            + (matches.isEmpty() ? "" : "\nCATALOG MATCHES: " + String.join("; ", matches).replace('\n', ' '));
                    message = call(turn, "summarize", Prompts.ANSWER, List.of(), prompt);
                    output.put("type", intent + "_summary");
                    output.put("sql", sql);
                    if (written.lookup() != null) output.put("sql_cache", written.lookup()); // hit: the model was not asked for the SQL
                    output.put("columns", result.columns());
                    output.put("rows", result.rows());
                    output.put("row_count", result.rows().size());
                    if (!matches.isEmpty()) output.put("catalog_matches", matches);
                    if (result.truncated()) output.put("truncated", true);
                    if (!result.query().success()) {
                        output.put("error", result.publicError());
                        turn.debug("sql_error", result.query().error());
                    }
                } else {
                    message = call(turn, "respond", Prompts.SMALLTALK, history, q.input());
                    output.put("type", "text");
                    output.put("text", message);
                }
                String summary = null;
                if (q.summarize()) {
                    StringBuilder transcript = new StringBuilder();
                    for (var t : history) transcript.append("\nuser: ").append(t.user()).append("\nassistant: ").append(t.assistant());
                    transcript.append("\nuser: ").append(q.input()).append("\nassistant: ").append(message);
                    summary = call(turn, "summarize_conversation", Prompts.SUMMARIZE_CONVERSATION, List.of(), transcript.toString());
                    output.put("conversation_summary", summary);
                }
                turn.output(JSON.writeValueAsString(output), message);
                memory.add(turn.conversationId(), new ConversationMemory.Turn(q.input(), message));
                return new Answer(turn.conversationId(), turn.messageId(), intent, message, output, summary);
            } catch (BudgetExceededException e) {
                turn.failed("refused: " + e.getMessage()).debug("refused_by_budget", e.budget());
                throw new Refused(turn.conversationId(), turn.messageId(), e);
            } catch (RuntimeException e) {
                turn.failed(e.getClass().getSimpleName() + ": " + e.getMessage());
                throw new ModelFailure(turn.conversationId(), turn.messageId(), e);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                turn.failed(e.toString());
                throw new ModelFailure(turn.conversationId(), turn.messageId(), new IllegalStateException(e));
            }
        }
    }

    /**
     * The {@code max_tokens} each function is sent with: what its answer needs, with room to spare
     * (an intent is a word, a query a few lines, an answer a paragraph). It bounds the cost of a
     * runaway answer and is what an enforced budget reserves for the call, so it is kept realistic.
     */
    static final Map<String, Integer> MAX_TOKENS = Map.of("classify_intent", 16, "generate_sql", 400, "summarize", 500,
            "respond", 300, "summarize_conversation", 400);

    private String call(MessageTurn turn, String function, String system, List<ConversationMemory.Turn> history, String user) {
        String text = respond(turn, function, system, history, user).aiMessage().text();
        return text == null ? "" : text.trim();
    }

    private ChatResponse respond(MessageTurn turn, String function, String system, List<ConversationMemory.Turn> history, String user) {
        List<ChatMessage> messages = new ArrayList<>();
        messages.add(SystemMessage.from(system));
        for (var t : history) {
            messages.add(UserMessage.from(t.user()));
            messages.add(AiMessage.from(t.assistant()));
        }
        messages.add(UserMessage.from(user));
        try (ChatContext.Scope s = turn.function(function)) {
            return model.chat(ChatRequest.builder().messages(messages).maxOutputTokens(MAX_TOKENS.get(function)).build());
        }
    }

    /**
     * The SQL for a question: from the demo's cache when the same question (same intent, no conversation before it) was
     * answered already — a {@code cache} hit that saved the model call it replaced —, else written by the model (a miss).
     */
    /**
     * SQL for a question, what the cache said ({@code hit}, {@code miss}, or null when it was not asked: a question in a
     * conversation), and what keeps the SQL there once it ran (nothing when it came from it).
     */
    private record Sql(String sql, String lookup, Runnable keep) {}

    private Sql sqlFor(MessageTurn turn, String intent, List<ConversationMemory.Turn> history, String input) {
        String system = Prompts.GENERATE_SQL.formatted(ShopDatabase.SCHEMA_DESCRIPTION);
        if (!history.isEmpty()) return new Sql(stripFences(call(turn, "generate_sql", system, history, input)), null, () -> { }); // depends on the conversation
        String key = intent + "|" + input.trim().toLowerCase(Locale.ROOT).replaceAll("\\s+", " ");
        SqlCache.Entry cached = sqlCache.get(key);
        if (cached != null) {
            CacheLookup.hit(SqlCache.NAME).keyHash(SqlCache.hash(key)).replacing(cached.model(), cached.inputTokens(), cached.outputTokens())
                    .saved(cached.took()).log(logger);
            return new Sql(cached.sql(), "hit", () -> { });
        }
        CacheLookup.miss(SqlCache.NAME).keyHash(SqlCache.hash(key)).log(logger);
        long start = System.nanoTime();
        ChatResponse r = respond(turn, "generate_sql", system, history, input);
        String sql = stripFences(r.aiMessage().text() == null ? "" : r.aiMessage().text().trim());
        var usage = r.tokenUsage();
        if (usage == null || usage.inputTokenCount() == null || usage.outputTokenCount() == null) return new Sql(sql, "miss", () -> { });
        SqlCache.Entry entry = new SqlCache.Entry(sql, r.modelName(), usage.inputTokenCount(), usage.outputTokenCount(),
                java.time.Duration.ofNanos(System.nanoTime() - start));
        return new Sql(sql, "miss", () -> sqlCache.put(key, entry));
    }

    static String normalizeIntent(String raw) {
        String r = raw.toLowerCase(Locale.ROOT);
        for (String i : List.of("order_status", "orders", "customers", "products", "revenue", "smalltalk")) {
            if (r.contains(i)) return i;
        }
        return "smalltalk";
    }

    static String stripFences(String sql) {
        String s = sql.trim();
        if (s.startsWith("```")) {
            s = s.replaceFirst("^```[a-zA-Z]*\\s*", "");
            int end = s.lastIndexOf("```");
            if (end >= 0) s = s.substring(0, end);
        }
        return s.trim();
    }
}
