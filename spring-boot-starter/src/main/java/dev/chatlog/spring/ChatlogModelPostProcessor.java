package dev.chatlog.spring;

import dev.chatlog.langchain4j.ChatLogEmbeddingListener;
import dev.chatlog.langchain4j.ChatLogListener;
import dev.chatlog.langchain4j.BudgetGuard;
import dev.chatlog.langchain4j.ChatLogModels;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.embedding.EmbeddingModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * Attaches chatlog to every {@link ChatModel}, {@link StreamingChatModel} and {@link EmbeddingModel}
 * bean as it is made (the application's, or LangChain4j's starters'; AI Services built on them log
 * through them): see {@link ChatLogModels#observe}. A bean that already has a chatlog listener is
 * left as it is. The chat beans are replaced by a wrapper, so inject them as {@code ChatModel} /
 * {@code StreamingChatModel}, not as their concrete class.
 */
public class ChatlogModelPostProcessor implements BeanPostProcessor {
    private static final Logger log = LoggerFactory.getLogger(ChatlogModelPostProcessor.class);

    private final ObjectProvider<ChatLogListener> chat;
    private final ObjectProvider<ChatLogEmbeddingListener> embedding;
    private final ObjectProvider<ChatlogProperties> props;
    private final ObjectProvider<BudgetGuard> budgets;

    ChatlogModelPostProcessor(ObjectProvider<ChatLogListener> chat, ObjectProvider<ChatLogEmbeddingListener> embedding,
                              ObjectProvider<ChatlogProperties> props, ObjectProvider<BudgetGuard> budgets) {
        this.chat = chat;
        this.embedding = embedding;
        this.props = props;
        this.budgets = budgets;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (!(bean instanceof ChatModel || bean instanceof StreamingChatModel || bean instanceof EmbeddingModel)) {
            return bean; // the properties are looked up only for a model: any other bean may be one they need
        }
        ChatlogProperties.Attach attach = props.getObject().getAttach();
        Object out = bean;
        if (bean instanceof ChatModel m && attach.isChatModels()) {
            ChatModel observed = ChatLogModels.observe(m, chat.getObject());
            BudgetGuard guard = props.getObject().getBudgets().isEnabled() ? budgets.getIfAvailable() : null;
            out = guard == null ? observed : guard.guard(observed); // budgets outside: a refused call is never sent nor logged as a call
        } else if (bean instanceof StreamingChatModel m && attach.isStreamingChatModels()) {
            StreamingChatModel observed = ChatLogModels.observe(m, chat.getObject());
            BudgetGuard guard = props.getObject().getBudgets().isEnabled() ? budgets.getIfAvailable() : null;
            out = guard == null ? observed : guard.guard(observed);
        } else if (bean instanceof EmbeddingModel m && attach.isEmbeddingModels()) {
            out = ChatLogModels.observe(m, embedding.getObject());
        }
        if (out != bean) log.debug("chatlog attached to model bean '{}' ({})", beanName, bean.getClass().getName());
        return out;
    }
}
