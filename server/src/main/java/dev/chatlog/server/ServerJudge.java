package dev.chatlog.server;

import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.price.PriceCatalog;
import dev.chatlog.judge.JudgeSettings;
import dev.chatlog.judge.LlmJudge;
import dev.chatlog.judge.OnlineJudge;
import dev.chatlog.judge.Rubric;
import dev.chatlog.langchain4j.BudgetGuard;
import dev.chatlog.langchain4j.ChatLogListener;
import dev.chatlog.server.quality.DemoJudgeModel;
import dev.chatlog.server.quality.JudgeController;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/**
 * The server's judge ({@link JudgeSettings#fromEnv}): on by default with the offline demo model, rating every demo
 * turn; with an OpenAI key, off unless {@code CHATLOG_JUDGE=on} (then {@code CHATLOG_JUDGE_MODEL}, else the chat model,
 * sampling 10% unless said otherwise). Its model is observed by the server's listener (its calls are evaluation rows)
 * and guarded by the budgets (a {@code tag} budget on {@code judge} caps it).
 */
record ServerJudge(JudgeController routes, OnlineJudge online) implements AutoCloseable {
    static ServerJudge start(ServerConfig config, ChatLogger logger, ChatLogListener listener, BudgetGuard guard, PriceCatalog prices, Jdbi jdbi) {
        JudgeSettings s = JudgeSettings.fromEnv(config.env(), !config.usesOpenAi(), config.usesOpenAi() ? 0.1 : 1.0);
        if (!s.enabled()) return new ServerJudge(new JudgeController(null, null, jdbi, Clock.systemUTC()), null);
        ChatModel model;
        if (config.usesOpenAi()) {
            var b = OpenAiChatModel.builder().apiKey(config.openAiApiKey()).modelName(s.model() != null ? s.model() : config.model())
                    .timeout(Duration.ofSeconds(60)).maxRetries(2).listeners(List.of(listener));
            if (config.openAiBaseUrl() != null) b.baseUrl(config.openAiBaseUrl());
            model = b.build();
        } else {
            model = new DemoJudgeModel(List.of(listener));
        }
        LlmJudge judge = new LlmJudge(s.name(), guard.guard(model), Rubric.helpfulness(), logger, prices, Clock.systemUTC());
        judge.prepare(new dev.chatlog.sql.score.ScoreDefinitions(jdbi, Clock.systemUTC())); // a definition that refuses its ratings: said at start
        OnlineJudge online = s.sampling().rate() > 0 ? OnlineJudge.attach(logger, judge, s.sampling(), s.queue()) : null;
        return new ServerJudge(new JudgeController(judge, online, jdbi, Clock.systemUTC()), online);
    }

    @Override
    public void close() {
        if (online != null) online.close();
    }
}
