package dev.chatlog.langchain4j;

import dev.chatlog.core.price.Rates;
import dev.chatlog.core.token.TokenCounter;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;

/**
 * What a request can cost at most, and what a call that ended early generated: the estimates a
 * {@link BudgetGuard} reserves and settles by. The prompt is counted as sent (text, tool
 * specifications, images at a bound; a part with no bound makes the request unbounded), priced at
 * the dearest rates it could be billed at (cache writes, a long-context tier just above the count).
 */
final class WorstCase {
    private final TokenCounter tokens;
    private final BigDecimal promptMargin;
    private final int imageTokens;
    private final int otherPartTokens;

    WorstCase(TokenCounter tokens, BigDecimal promptMargin, int imageTokens, int otherPartTokens) {
        this.tokens = tokens;
        this.promptMargin = promptMargin;
        this.imageTokens = imageTokens;
        this.otherPartTokens = otherPartTokens;
    }

    static Integer firstNonNull(Integer a, Integer b) {
        return a != null ? a : b;
    }

    /** {@code maxCompletionTokens()} of provider parameters that have it (OpenAI's), read without depending on them. */
    static Integer completionTokens(ChatRequestParameters p) {
        if (p == null) return null;
        try {
            Object v = p.getClass().getMethod("maxCompletionTokens").invoke(p);
            return v instanceof Integer i && i > 0 ? i : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Whether a call failed by timing out after its request may have reached the provider (which may
     * then generate and bill the answer that never arrived). A connection that could not be made
     * (refused, or timed out while connecting) never reached it: not such a timeout.
     */
    static boolean isTimeout(Throwable error) {
        boolean timeout = false;
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.net.http.HttpConnectTimeoutException || t instanceof java.net.ConnectException
                    || t instanceof java.net.NoRouteToHostException || t instanceof java.net.UnknownHostException
                    || (t instanceof java.net.SocketTimeoutException && String.valueOf(t.getMessage()).toLowerCase().contains("connect"))) {
                return false;
            }
            if (t instanceof java.net.http.HttpTimeoutException || t instanceof java.net.SocketTimeoutException
                    || t instanceof java.util.concurrent.TimeoutException || t.getClass().getSimpleName().contains("Timeout")) {
                timeout = true;
            }
        }
        return timeout;
    }

    /** What the model generated: its text, thinking and tool calls (a tool-call reply has no text, and is billed). */
    static String generated(ChatResponse response) {
        if (response == null || response.aiMessage() == null) return null;
        var m = response.aiMessage();
        StringBuilder out = new StringBuilder();
        if (m.text() != null) out.append(m.text());
        if (m.thinking() != null) out.append(m.thinking());
        if (m.toolExecutionRequests() != null) {
            for (var t : m.toolExecutionRequests()) out.append(t.name()).append(t.arguments());
        }
        return out.toString();
    }

    /**
     * The prompt's tokens as sent: text and tool specifications counted with jtokkit, times the
     * margin, and each image at {@link Builder#imageTokens} (a bound on the providers' published
     * image-token rules). Null when the prompt holds a part whose tokens cannot be bounded from the
     * request (audio, video, a PDF) and no bound was configured for it ({@link Builder#otherPartTokens}).
     */
    Integer promptTokens(String model, ChatRequest request) {
        long parts = 0;
        for (dev.langchain4j.data.message.ChatMessage m : request.messages()) {
            if (!(m instanceof dev.langchain4j.data.message.UserMessage u)) continue;
            for (dev.langchain4j.data.message.Content c : u.contents()) {
                if (c instanceof dev.langchain4j.data.message.TextContent) continue;
                if (c instanceof dev.langchain4j.data.message.ImageContent) parts += imageTokens;
                else if (otherPartTokens > 0) parts += otherPartTokens;
                else return null;
            }
        }
        int n = tokens.countChat(model, CallRenderer.prompt(request));
        List<ToolSpecification> tools = request.toolSpecifications();
        if (tools != null) {
            for (ToolSpecification t : tools) n += tokens.countText(model, String.valueOf(t)); // the tool's JSON schema is sent too
        }
        long counted = new BigDecimal(n).multiply(promptMargin).setScale(0, RoundingMode.CEILING).longValueExact() + parts;
        return (int) Math.min(Integer.MAX_VALUE, counted);
    }

    /**
     * The most a request can cost: every prompt token at the dearer of the input and cache-write
     * rates (a provider may write the whole prompt to its cache, at up to 2x the input rate), at the
     * long-context tier of a prompt a quarter larger than counted (a count just under a tier's start
     * may really be over it, and the tier then prices every token), plus {@code maxTokens} of output.
     */
    static BigDecimal of(Rates rates, int promptTokens, int maxTokens) {
        long tierAt = promptTokens + promptTokens / 4L;
        return rates.cost(promptTokens, 0, 0, maxTokens, tierAt).max(rates.cost(promptTokens, 0, promptTokens, maxTokens, tierAt));
    }

    /** The most output tokens whose worst case fits in {@code room}. */
    static int tokensFitting(Rates rates, int prompt, BigDecimal room) {
        BigDecimal fixed = of(rates, prompt, 0);
        BigDecimal perToken = of(rates, prompt, 1_000_000).subtract(fixed).movePointLeft(6);
        if (perToken.signum() <= 0) return Integer.MAX_VALUE;
        BigDecimal n = room.subtract(fixed).divide(perToken, 0, RoundingMode.FLOOR);
        return n.signum() <= 0 ? 0 : n.min(BigDecimal.valueOf(Integer.MAX_VALUE)).intValue();
    }
}
