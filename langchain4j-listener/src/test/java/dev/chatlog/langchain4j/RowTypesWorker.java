package dev.chatlog.langchain4j;

import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.MessageTurn;
import dev.chatlog.core.StepScope;
import dev.chatlog.core.cache.CacheLookup;
import dev.chatlog.core.score.Score;
import dev.chatlog.core.price.PriceCatalog;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.DatabaseConfig;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.langchain4j.data.audio.Audio;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.guardrail.InputGuardrail;
import dev.langchain4j.guardrail.InputGuardrailResult;
import dev.langchain4j.model.audio.AudioTranscriptionModel;
import dev.langchain4j.model.audio.AudioTranscriptionRequest;
import dev.langchain4j.model.audio.TextToSpeechModel;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.image.ImageModel;
import dev.langchain4j.model.moderation.Moderation;
import dev.langchain4j.model.moderation.ModerationModel;
import dev.langchain4j.model.moderation.ModerationRequest;
import dev.langchain4j.model.moderation.ModerationResponse;
import dev.langchain4j.model.openai.OpenAiAudioTranscriptionModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import dev.langchain4j.model.openai.OpenAiImageModel;
import dev.langchain4j.model.openai.OpenAiTextToSpeechModel;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.model.scoring.ScoringModel;
import dev.langchain4j.rag.content.retriever.ContentRetriever;
import dev.langchain4j.rag.content.retriever.EmbeddingStoreContentRetriever;
import dev.langchain4j.rag.query.Query;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.store.embedding.EmbeddingStore;
import dev.langchain4j.store.embedding.inmemory.InMemoryEmbeddingStore;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * One application of {@link EveryRowTypeReplayTest}, in its own JVM with a spool: turns that make a row of every call
 * type (chat, embedding, tool, agent, retrieval, guardrail, moderation, stage, cache, image, transcription, speech,
 * rerank, service, vector store), each turn printed {@code TURN conversation message} once it is durable, until the
 * JVM is killed.
 */
public final class RowTypesWorker {
    interface Desk {
        String answer(String question);
    }

    /** Passes everything: the guardrail row is what counts. */
    public static final class Pass implements InputGuardrail {
        @Override
        public InputGuardrailResult validate(UserMessage message) {
            return success();
        }
    }

    public static void main(String[] args) throws Exception {
        DatabaseConfig config = new DatabaseConfig(args[0], args[1], args[2]);
        String stub = args[3];
        Path spool = Path.of(args[4]);
        Database db = Database.open(config, 4);
        PriceCatalog prices = PriceCatalog.bundled().withInlineOverrides("dall-e-3=0.04/image;whisper-1=0.006/minute;tts-1=15/1m_characters");
        ChatLogger logger = ChatLogger.builder(new JdbcChatLogStore(db.jdbi())).spool(spool).prices(prices).build();
        ChatModel chat = OpenAiChatModel.builder().baseUrl(stub).apiKey("k").modelName("gpt-4o-mini").maxRetries(0)
                .listeners(List.of(ChatLogListener.builder(logger).build())).build();
        EmbeddingModel embeddings = OpenAiEmbeddingModel.builder().baseUrl(stub).apiKey("k").modelName("text-embedding-3-small")
                .listeners(List.of(new ChatLogEmbeddingListener(logger))).build();
        InMemoryEmbeddingStore<TextSegment> raw = new InMemoryEmbeddingStore<>();
        TextSegment kettle = TextSegment.from("Electric kettle for the kitchen");
        raw.add(OpenAiEmbeddingModel.builder().baseUrl(stub).apiKey("k").modelName("text-embedding-3-small").build().embed(kettle).content(), kettle);
        EmbeddingStore<TextSegment> store = ChatLogEmbeddingStoreListener.observe(raw, logger, "products");
        ContentRetriever retriever = ChatLogRetrieverListener.observe(EmbeddingStoreContentRetriever.builder().embeddingStore(store)
                .embeddingModel(embeddings).maxResults(1).minScore(0.0).build(), logger, "products");
        ModerationModel moderation = ChatLogModels.observe(new ModerationModel() {
            @Override
            public ModerationResponse doModerate(ModerationRequest request) {
                return ModerationResponse.builder().moderation(Moderation.notFlagged()).build();
            }

            @Override
            public String modelName() {
                return "keyword-moderation";
            }
        }, new ChatLogModerationListener(logger));
        Desk desk = ChatLogAiServices.observe(logger, AiServices.builder(Desk.class).chatModel(chat).inputGuardrails(new Pass())).build();
        ImageModel images = ChatLogMediaModels.observe(OpenAiImageModel.builder().baseUrl(stub).apiKey("k").modelName("dall-e-3")
                .maxRetries(0).build(), "dall-e-3", logger);
        AudioTranscriptionModel stt = ChatLogMediaModels.observe(OpenAiAudioTranscriptionModel.builder().baseUrl(stub).apiKey("k")
                .modelName("whisper-1").build(), "whisper-1", logger);
        TextToSpeechModel tts = ChatLogMediaModels.observe(OpenAiTextToSpeechModel.builder().baseUrl(stub).apiKey("k").modelName("tts-1")
                .build(), "tts-1", logger);
        ScoringModel rerank = ChatLogMediaModels.observe((ScoringModel) (segments, query) -> Response.from(
                segments.stream().map(s -> 0.5).toList()), "rerank-lite", logger);
        Audio voice = Audio.builder().binaryData(OpenAiStub.wav(1.0)).mimeType("audio/wav").build();
        for (int i = 0; ; i++) {
            try (MessageTurn turn = logger.beginMessage(null, "[voice] " + i)) {
                String question;
                try (StepScope s = turn.stage("stt")) {
                    question = stt.transcribe(AudioTranscriptionRequest.builder(voice).build()).text();
                }
                moderation.moderate(question);
                CacheLookup.miss("responses").keyHash("q" + i).log(logger);
                var found = retriever.retrieve(Query.from(question));
                rerank.scoreAll(found.stream().map(c -> c.textSegment()).toList(), question);
                String answer = desk.answer(question + " " + i);
                try (StepScope tool = logger.beginTool("render_chart", "{}")) {
                    images.generate("a chart of " + i);
                    tool.result("ok");
                }
                try (StepScope pay = logger.beginService("payments", "POST /v1/charges")) {
                    pay.cost(new BigDecimal("0.01"));
                }
                try (StepScope s = turn.stage("tts")) {
                    tts.synthesize(answer);
                }
                turn.output(answer, answer);
                turn.close(); // the message first, then its scores: the second replaces the first (same identity)
                // a judge rating the turn: its call in the turn's context marked as an evaluation (what chatlog-judge does)
                try (dev.chatlog.core.ChatContext.Scope judging = dev.chatlog.core.ChatContext.forMessage(turn.conversationId(), turn.messageId())
                        .withFunction("judge:worker").withTag("judge").asEvaluation().makeCurrent()) {
                    chat.chat("Rate the answer from 1 to 5: " + answer);
                }
                logger.score(new Score(Score.Target.MESSAGE, turn.messageId(), "helpful", BigDecimal.ZERO, null, Score.Source.HUMAN,
                        null, null, null, "first thought", java.time.Instant.now()));
                logger.score(new Score(Score.Target.MESSAGE, turn.messageId(), "helpful", BigDecimal.ONE, null, Score.Source.HUMAN,
                        null, null, null, "on reflection", java.time.Instant.now()));
                if (turn.awaitDurable(Duration.ofSeconds(30))) {
                    System.out.println("TURN " + turn.conversationId() + " " + turn.messageId());
                    System.out.flush();
                }
            }
        }
    }
}
