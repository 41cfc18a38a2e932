package dev.chatlog.langchain4j;

import dev.chatlog.core.CallType;
import dev.chatlog.core.ChatContext;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.Ids;
import dev.chatlog.core.LlmCall;
import dev.langchain4j.model.moderation.ModerationModel;
import dev.langchain4j.model.moderation.ModerationRequest;
import dev.langchain4j.model.moderation.ModerationResponse;
import dev.langchain4j.model.moderation.listener.ModerationModelErrorContext;
import dev.langchain4j.model.moderation.listener.ModerationModelListener;
import dev.langchain4j.model.moderation.listener.ModerationModelRequestContext;
import dev.langchain4j.model.moderation.listener.ModerationModelResponseContext;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Logs every call of a LangChain4j {@code ModerationModel} as a {@code moderation} row, attributed like chat
 * calls: the texts moderated as its input (masked and cut like every input), {@code flagged} in its metadata (not the
 * flagged text: metadata is not masked, and the text is in the input). A flagged text is
 * a successful call: the row fails only when the call does. Providers report no tokens for moderation: the input's
 * are estimated (and labelled so); chatlog bundles no moderation prices, so the row is unpriced unless a price is
 * configured for the model. Attach with the moderation model builder's {@code listeners(...)}, or wrap a built
 * model with {@link ChatLogModels#observe(ModerationModel, ChatLogModerationListener)}.
 *
 * <p>An AI service's {@code @Moderate} runs the moderation model on another thread, in parallel with the chat call:
 * its row then has no turn or agent to belong to unless that thread carries the turn's context.
 */
public final class ChatLogModerationListener implements ModerationModelListener {
    private static final String ATTRIBUTE = "dev.chatlog.moderation";
    private final ChatLogger logger;
    private final AtomicLong failures = new AtomicLong();

    public ChatLogModerationListener(ChatLogger logger) {
        this.logger = java.util.Objects.requireNonNull(logger, "logger");
    }

    public long failures() {
        return failures.get();
    }

    private record Started(String callId, Instant at, long nanos, ChatContext context, int sequence, String provider) {}

    @Override
    public void onRequest(ModerationModelRequestContext ctx) {
        try {
            ChatContext c = logger.context();
            ctx.attributes().put(ATTRIBUTE, new Started(Ids.newId(), Instant.now(), System.nanoTime(), c, c.nextSequence(),
                    CallRenderer.providerName(ctx.modelProvider())));
        } catch (Throwable t) {
            failures.incrementAndGet();
        }
    }

    @Override
    public void onResponse(ModerationModelResponseContext ctx) {
        try {
            long end = System.nanoTime();
            Started s = started(ctx.attributes().remove(ATTRIBUTE));
            ModerationRequest request = ctx.moderationRequest();
            ModerationResponse response = ctx.moderationResponse();
            boolean flagged = response != null && response.moderation() != null && response.moderation().flagged();
            logger.logCall(() -> {
                return row(s, end, request).outputText(flagged ? "flagged" : "not flagged").metadata(Map.of("flagged", flagged)).build();
            });
        } catch (Throwable t) {
            failures.incrementAndGet();
        }
    }

    @Override
    public void onError(ModerationModelErrorContext ctx) {
        try {
            long end = System.nanoTime();
            Started s = started(ctx.attributes().remove(ATTRIBUTE));
            ModerationRequest request = ctx.moderationRequest();
            Throwable error = ctx.error();
            logger.logCall(() -> {
                Map<String, Object> meta = new LinkedHashMap<>();
                Integer status = CallRenderer.httpStatus(error);
                if (status != null) meta.put("http_status", status);
                return row(s, end, request).success(false).errorType(error.getClass().getName()).errorMessage(error.getMessage())
                        .metadata(meta).build();
            });
        } catch (Throwable t) {
            failures.incrementAndGet();
        }
    }

    private static Started started(Object o) {
        if (o instanceof Started s) return s;
        ChatContext c = ChatContext.current();
        return new Started(Ids.newId(), Instant.now(), System.nanoTime(), c, 0, null);
    }

    private static LlmCall.Builder row(Started s, long end, ModerationRequest request) {
        List<String> texts = request == null || request.texts() == null ? List.of() : request.texts();
        return LlmCall.builder().callId(s.callId()).callType(CallType.MODERATION).startedAt(s.at())
                .durationMs((end - s.nanos()) / 1e6).context(s.context()).callSequence(s.sequence()).provider(s.provider())
                .model(request == null ? null : request.modelName()).inputText(String.join("\n---\n", texts)).outputTokens(0);
    }
}
