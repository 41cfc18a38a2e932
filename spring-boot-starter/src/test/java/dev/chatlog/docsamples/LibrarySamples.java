package dev.chatlog.docsamples;

import dev.chatlog.budgets.JdbcBudgetGate;
import dev.chatlog.core.cache.CacheLookup;
import dev.chatlog.core.ChatContext;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.MessageTurn;
import dev.chatlog.core.SqlQuery;
import dev.chatlog.core.StepScope;
import dev.chatlog.core.budget.BudgetExceededException;
import dev.chatlog.core.price.PriceCatalog;
import dev.chatlog.langchain4j.BudgetGuard;
import dev.chatlog.langchain4j.ChatLogAiServices;
import dev.chatlog.langchain4j.ChatLogEmbeddingListener;
import dev.chatlog.langchain4j.ChatLogListener;
import dev.chatlog.langchain4j.ChatLogEmbeddingStoreListener;
import dev.chatlog.langchain4j.ChatLogMediaModels;
import dev.chatlog.langchain4j.ChatLogModels;
import dev.chatlog.langchain4j.ChatLogModerationListener;
import dev.chatlog.langchain4j.ChatLogRetrieverListener;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.guardrail.InputGuardrail;
import dev.langchain4j.guardrail.InputGuardrailResult;
import dev.langchain4j.model.audio.AudioTranscriptionModel;
import dev.langchain4j.model.audio.TextToSpeechModel;
import dev.langchain4j.model.image.ImageModel;
import dev.langchain4j.model.moderation.ModerationModel;
import dev.langchain4j.model.scoring.ScoringModel;
import java.math.BigDecimal;
import java.time.Instant;
import dev.chatlog.core.score.Score;
import dev.chatlog.judge.Backfill;
import dev.chatlog.judge.LlmJudge;
import dev.chatlog.judge.OnlineJudge;
import dev.chatlog.judge.Rubric;
import dev.langchain4j.rag.content.Content;
import dev.langchain4j.rag.content.retriever.EmbeddingStoreContentRetriever;
import dev.langchain4j.rag.query.Query;
import dev.langchain4j.store.embedding.EmbeddingStore;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.DatabaseConfig;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import dev.langchain4j.rag.content.retriever.ContentRetriever;
import dev.langchain4j.service.AiServices;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;

/**
 * The library's code samples in README and docs/, compiled with the tests: {@link DocSamplesTest} checks that each
 * Java block of the docs is one of the regions tagged here, verbatim.
 */
@SuppressWarnings("unused")
final class LibrarySamples {
    private LibrarySamples() {}

    interface Assistant {
        String chat(String message);
    }

    static final class OrderTools {
        @Tool("finds an order")
        String lookupOrder(String id) {
            return id;
        }
    }

    static void attach(String key, String conversationId, String userInput, String userId, String question, String sql, double ms,
                       int rows, String json, String answer) {
        // tag::attach[]
        Database db = Database.open(new DatabaseConfig("jdbc:mysql://db:3306/app", "app", "secret"), 4); // migrates
        ChatLogger chatLog = ChatLogger.builder(new JdbcChatLogStore(db.jdbi())).spool(Path.of("chatlog-spool")).build();
        ChatLogListener listener = ChatLogListener.builder(chatLog).build();

        ChatModel model = OpenAiChatModel.builder().apiKey(key).modelName("gpt-4o-mini")
                .listeners(List.of(listener)).build();          // StreamingChatModel: the same

        try (MessageTurn turn = chatLog.beginMessage(conversationId, userInput).user(userId).chatMode("rag")) {
            try (var step = turn.function("generate_sql")) {  // function_name of the calls in this block
                model.chat(question);
            }
            turn.intent("orders").sqlQuery(SqlQuery.succeeded(sql, ms, rows)).output(json, answer);
        }                                                     // closing the turn logs the message row
        chatLog.awaitDurable(Duration.ofSeconds(10));         // optional: the turn's records survive a crash from here on
        // end::attach[]
    }

    static void steps(ChatLogger chatLog, ChatModel model, ContentRetriever retriever, String key, String question, String argsJson,
                      ExecutorService executor) throws Exception {
        // tag::steps[]
        // AI Services: each invocation is an `agent` row; its LLM calls, retrieval embeddings and tool
        // executions (name, arguments, result, duration, failure) are its children, in order.
        Assistant assistant = ChatLogAiServices.observe(chatLog, AiServices.builder(Assistant.class)
                .chatModel(model).tools(new OrderTools()).contentRetriever(retriever)).build();
        // or every AI service of the JVM, however built (the Spring Boot starter does this for you):
        AutoCloseable observing = ChatLogAiServices.observeAll(chatLog);

        // Embedding models: `embedding` rows with tokens (provider's, or jtokkit with the model's encoding) and cost.
        EmbeddingModel embeddings = OpenAiEmbeddingModel.builder().apiKey(key).modelName("text-embedding-3-small")
                .listeners(List.of(new ChatLogEmbeddingListener(chatLog))).build();

        // Hand-written orchestration: nestable agent and tool scopes.
        try (StepScope orchestrator = chatLog.beginAgent("Orchestrator")) {
            try (StepScope rag = chatLog.beginAgent("RAGAgent")) { model.chat(question); }
            ChatContext handoff = ChatContext.current();            // work on another thread:
            executor.submit(() -> { try (var s = handoff.makeCurrent(); var mcp = chatLog.beginAgent("MCPAgent")) { model.chat(question); } });
            try (StepScope tool = chatLog.beginTool("search", argsJson)) { tool.result(search(argsJson)); }
        }
        // end::steps[]
    }

    static void retrieval(ChatLogger chatLog, ChatModel model, EmbeddingModel embeddings,
                          EmbeddingStore<TextSegment> store, ModerationModel moderationModel) {
        // tag::retrieval[]
        // Retrieval: a `retrieval` row per query, named "products", with the query's embedding as its child
        // and the contents found (count, scores, sources) in its metadata.
        ContentRetriever products = ChatLogRetrieverListener.observe(EmbeddingStoreContentRetriever.builder()
                .embeddingStore(store).embeddingModel(embeddings).maxResults(3).build(), chatLog, "products");

        // Guardrails of an observed AI service: a `guardrail` row each, failed (guardrail_refused) when it refuses.
        Assistant assistant = ChatLogAiServices.observe(chatLog, AiServices.builder(Assistant.class)
                .chatModel(model).contentRetriever(products).inputGuardrails(new PromptInjectionGuard())).build();

        // Moderation: a `moderation` row (a model call) per check, flagged or not.
        ModerationModel moderation = ChatLogModels.observe(moderationModel, new ChatLogModerationListener(chatLog));
        // end::retrieval[]
    }

    static void stages(ChatLogger chatLog, ChatModel model, ContentRetriever faq, byte[] audio) {
        // tag::stages[]
        try (MessageTurn turn = chatLog.beginMessage(null, "[voice message]")) {
            String question;
            try (StepScope stt = turn.stage("stt")) {                 // a `stage` row, timed against CHATLOG_STAGE_TARGETS
                question = transcribe(audio);
                stt.output(question);
            }
            List<Content> found = faq.retrieve(Query.from(question)); // a `retrieval` row (observed retriever)
            String answer = model.chat(found.get(0).textSegment().text() + "\n\n" + question);
            try (StepScope tts = turn.stage("tts")) {
                speak(answer);
            }
            turn.output(answer, answer);
        }
        // end::stages[]
    }

    static void media(ChatLogger chatLog, BudgetGuard budgets, ImageModel dallE, AudioTranscriptionModel whisper,
                      TextToSpeechModel tts, ScoringModel reranker, EmbeddingStore<TextSegment> store) {
        // tag::media[]
        // Models LangChain4j has no listener for, wrapped: rows `image`, `transcription`, `speech`, `rerank`, each billed
        // by the unit at your price (CHATLOG_PRICES=dall-e-3=0.04/image;whisper-1=0.006/minute) and, with a guard, budgeted.
        ImageModel images = ChatLogMediaModels.observe(dallE, "dall-e-3", chatLog, budgets);
        AudioTranscriptionModel stt = ChatLogMediaModels.observe(whisper, "whisper-1", chatLog);
        TextToSpeechModel speech = ChatLogMediaModels.observe(tts, "tts-1", chatLog);
        ScoringModel rerank = ChatLogMediaModels.observe(reranker, "rerank-v3.5", chatLog);

        // An embedding store's searches, adds and removes: `vector_store` rows (under a retrieval when one runs them).
        EmbeddingStore<TextSegment> products = ChatLogEmbeddingStoreListener.observe(store, chatLog, "products");

        // An external service that is not a model: a `service` row with its duration, failure and cost per call.
        try (StepScope payment = chatLog.beginService("stripe", "POST /v1/charges")) {
            payment.cost(new BigDecimal("0.30")).output(charge());
        }
        // end::media[]
    }

    static void scores(ChatLogger chatLog, MessageTurn turn) {
        // tag::scores[]
        // A thumbs up on the turn's answer: queued and spooled like calls, stored once; scoring it again replaces it.
        chatLog.score(new Score(Score.Target.MESSAGE, turn.messageId(), "helpful", BigDecimal.ONE, null, Score.Source.HUMAN,
                "support-ui", null, null, "solved my problem", Instant.now()));
        // end::scores[]
    }

    static void judge(ChatLogger chatLog, ChatModel judgeModel, BudgetGuard budgets, org.jdbi.v3.core.Jdbi jdbi) {
        // tag::judge[]
        // The judge's model is observed by chatlog's listener (its calls become `evaluation` rows) and, here, budgeted:
        // a `tag` budget on `judge` caps what it spends.
        LlmJudge judge = new LlmJudge("judge", budgets.guard(judgeModel), Rubric.helpfulness(), chatLog,
                PriceCatalog.bundled(), java.time.Clock.systemUTC());
        // online: a quarter of the turns stored from now on, rated on the judge's own thread
        OnlineJudge online = OnlineJudge.attach(chatLog, judge,
                new OnlineJudge.Sampling(0.25, Score.Target.MESSAGE, Set.of(), Set.of(), Set.of("orders")), 1_000);
        // the past week, planned first: what it would rate and cost, nothing sent
        Backfill.Result plan = new Backfill(judge, jdbi, dev.chatlog.core.token.TokenCounter.shared()).run(new Backfill.Request(
                Instant.now().minus(Duration.ofDays(7)), Instant.now(), Score.Target.MESSAGE, Set.of(), Set.of(), Set.of(),
                500, new BigDecimal("2.00"), true));
        // end::judge[]
        online.close();
    }

    private static String charge() {
        return "ch_1";
    }

    static String caches(ChatLogger chatLog, Map<String, String> cache, String key, String hash, ChatModel model, String question) {
        // tag::caches[]
        String answer = cache.get(key);
        if (answer != null) {   // a `cache` row: a hit that saved a gpt-4o-mini call of 1,200 + 300 tokens and 850 ms
            CacheLookup.hit("responses").keyHash(hash).replacing("gpt-4o-mini", 1_200, 300).saved(Duration.ofMillis(850)).log(chatLog);
        } else {
            CacheLookup.miss("responses").keyHash(hash).log(chatLog);
            answer = model.chat(question);
            cache.put(key, answer);
        }
        // end::caches[]
        return answer;
    }

    private static String transcribe(byte[] audio) {
        return "";
    }

    private static void speak(String text) {
    }

    static final class PromptInjectionGuard implements InputGuardrail {
        @Override
        public InputGuardrailResult validate(UserMessage message) {
            return message.singleText().contains("ignore previous") ? failure("prompt injection") : success();
        }
    }

    static void budgets(Database database, ChatLogListener chatLogListener, String key, StreamingChatModel streamingModel,
                        ChatRequest request) {
        // tag::budgets[]
        JdbcBudgetGate gate = JdbcBudgetGate.builder(database.jdbi()).build();     // chatlog-budgets: shared definitions + ledger
        BudgetGuard guard = BudgetGuard.builder(gate, PriceCatalog.bundled()).build(); // langchain4j-listener
        ChatModel model = guard.guard(OpenAiChatModel.builder().apiKey(key).modelName("gpt-4o-mini")
                .listeners(List.of(chatLogListener)).build());
        StreamingChatModel streaming = guard.guard(streamingModel);               // settles on the final usage
        try {
            model.chat(request);                                 // alone or under AI Services
        } catch (BudgetExceededException e) {                    // thrown before anything is sent
            e.budget(); e.limit(); e.spent(); e.reserved(); e.requested(); e.resetsAt(); e.unpriced();
        }
        // end::budgets[]
    }

    private static String search(String args) {
        return args;
    }
}
