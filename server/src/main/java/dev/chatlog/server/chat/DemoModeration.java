package dev.chatlog.server.chat;

import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.guardrail.InputGuardrail;
import dev.langchain4j.guardrail.InputGuardrailResult;
import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.moderation.Moderation;
import dev.langchain4j.model.moderation.ModerationModel;
import dev.langchain4j.model.moderation.ModerationRequest;
import dev.langchain4j.model.moderation.ModerationResponse;
import java.util.Locale;

/**
 * The demo chatbot's safety checks, offline: a keyword moderation model (a LangChain4j {@code ModerationModel}, so
 * chatlog logs it as a {@code moderation} row) and an input guardrail of the order desk's AI service that refuses
 * prompt-injection attempts (a {@code guardrail} row). A real deployment uses the provider's moderation model and its
 * own rules; these exist so that a newcomer's first chats show those rows.
 */
final class DemoModeration implements ModerationModel {
    static final String MODEL = "chatlog-demo-moderation";
    /** Whole words only: "skills" or "Bombay" are not flagged. */
    private static final java.util.regex.Pattern FLAGGED = java.util.regex.Pattern.compile("\\b(weapons?|bombs?|kill|hate you)\\b");

    @Override
    public ModerationResponse doModerate(ModerationRequest request) {
        for (String text : request.texts()) {
            if (FLAGGED.matcher(text.toLowerCase(Locale.ROOT)).find()) {
                return ModerationResponse.builder().moderation(Moderation.flagged(text)).build();
            }
        }
        return ModerationResponse.builder().moderation(Moderation.notFlagged()).build();
    }

    @Override
    public ModelProvider provider() {
        return ModelProvider.OTHER;
    }

    @Override
    public String modelName() {
        return MODEL;
    }

    /** Refuses a question that tries to override the assistant's instructions. */
    static final class NoPromptInjection implements InputGuardrail {
        @Override
        public InputGuardrailResult validate(UserMessage message) {
            String t = message.hasSingleText() ? message.singleText().toLowerCase(Locale.ROOT) : "";
            return t.contains("ignore previous") || t.contains("ignore all previous") || t.contains("system prompt")
                    ? failure("prompt injection attempt") : success();
        }
    }
}
