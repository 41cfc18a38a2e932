package dev.chatlog.spring;

import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.price.PriceCatalog;
import dev.chatlog.judge.JudgeSettings;
import dev.chatlog.judge.LlmJudge;
import dev.chatlog.judge.OnlineJudge;
import dev.chatlog.judge.Rubric;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.score.ScoreDefinitions;
import dev.langchain4j.model.chat.ChatModel;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The LLM judge in a Spring Boot application ({@code chatlog.judge.enabled=true}): an {@link LlmJudge} on the bean
 * named {@code chatlogJudgeModel}, else the application's only {@code ChatModel}, with the default rubric, and an
 * {@link OnlineJudge} sampling what the logger stores. Assembled as the server assembles its own, from
 * {@link JudgeSettings}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(prefix = "chatlog.judge", name = "enabled", havingValue = "true")
@EnableConfigurationProperties(ChatlogJudgeProperties.class)
class ChatlogJudge {
    @Bean
    @ConditionalOnMissingBean
    LlmJudge chatlogLlmJudge(ChatlogJudgeProperties props, ObjectProvider<ChatModel> models, org.springframework.beans.factory.BeanFactory beans,
                             ChatLogger chatLogger, PriceCatalog prices, Database chatlogDatabase) {
        JudgeSettings s = props.settings();
        ChatModel model = beans.containsBean("chatlogJudgeModel") ? beans.getBean("chatlogJudgeModel", ChatModel.class) : models.getIfUnique();
        if (model == null) {
            throw new IllegalStateException("chatlog.judge.enabled needs a ChatModel: define a bean named chatlogJudgeModel (or have exactly one ChatModel)");
        }
        LlmJudge judge = new LlmJudge(s.name(), model, Rubric.helpfulness(), chatLogger, prices, Clock.systemUTC());
        judge.prepare(new ScoreDefinitions(chatlogDatabase.jdbi(), Clock.systemUTC()));
        return judge;
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    OnlineJudge chatlogOnlineJudge(LlmJudge chatlogLlmJudge, ChatlogJudgeProperties props, ChatLogger chatLogger) {
        JudgeSettings s = props.settings();
        return OnlineJudge.attach(chatLogger, chatlogLlmJudge, s.sampling(), s.queue());
    }
}
