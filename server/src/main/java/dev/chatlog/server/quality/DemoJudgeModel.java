package dev.chatlog.server.quality;

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

/**
 * The offline demo judge ({@value #NAME}): a LangChain4j {@link ChatModel} that rates the demo shop's answers the way
 * the rubric asks — one JSON object, a score from 1 to 5 and a reason — by plain rules (an error or a refusal 2, a
 * question back 3, an answer 4, an answer naming prices or products 5), with tokens counted by jtokkit, so the judge's
 * whole path (its score, its evaluation row, its cost) runs with no network and no key.
 */
public final class DemoJudgeModel implements ChatModel {
    public static final String NAME = "chatlog-demo-judge";
    private final List<ChatModelListener> listeners;
    private final TokenCounter tokens = TokenCounter.shared();

    public DemoJudgeModel(List<ChatModelListener> listeners) {
        this.listeners = List.copyOf(listeners);
    }

    @Override
    public List<ChatModelListener> listeners() { return listeners; }

    @Override
    public ModelProvider provider() { return ModelProvider.OTHER; }

    @Override
    public ChatRequestParameters defaultRequestParameters() {
        return DefaultChatRequestParameters.builder().modelName(NAME).build();
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        String prompt = "";
        StringBuilder all = new StringBuilder();
        for (ChatMessage m : request.messages()) {
            if (m instanceof UserMessage u && u.hasSingleText()) prompt = u.singleText();
            if (m instanceof SystemMessage s) all.append(s.text()).append('\n');
        }
        all.append(prompt);
        int at = prompt.indexOf("<answer>");
        String answer = (at < 0 ? "" : prompt.substring(at + 8).replace("</answer>", "")).strip();
        String a = answer.toLowerCase(Locale.ROOT);
        int score;
        String reason;
        if (answer.isEmpty() || a.contains("sorry") || a.contains("could not") || a.contains("cannot") || a.contains("refuse")) {
            score = 2;
            reason = "The answer does not give the user what they asked for.";
        } else if (answer.endsWith("?")) {
            score = 3;
            reason = "The answer asks the user back instead of answering.";
        } else if (a.matches("(?s).*\\d+([.,]\\d+)?\\s*(eur|usd|\\$|€).*") || a.contains("we have")) {
            score = 5;
            reason = "The answer is specific: it names products or prices from the shop.";
        } else {
            score = 4;
            reason = "The answer addresses the question.";
        }
        String reply = "{\"score\": " + score + ", \"reason\": \"" + reason + "\"}";
        int in = tokens.countText(NAME, all.toString());
        int out = tokens.countText(NAME, reply);
        return ChatResponse.builder().aiMessage(AiMessage.from(reply))
                .metadata(ChatResponseMetadata.builder().id("demo-judge-" + Integer.toHexString(prompt.hashCode())).modelName(NAME)
                        .finishReason(FinishReason.STOP).tokenUsage(new TokenUsage(in, out)).build())
                .build();
    }
}
