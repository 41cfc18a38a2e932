package dev.chatlog.langchain4j;

import dev.chatlog.core.CallType;
import dev.chatlog.core.ChatContext;
import dev.chatlog.core.LlmCall;
import dev.chatlog.core.token.TokenCounter;
import dev.chatlog.core.token.TokenCounter.PromptMessage;
import dev.chatlog.core.TokenSource;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.Content;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.HttpException;
import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.TokenUsage;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Turns what the listener captured into an {@link LlmCall}. Runs on the writer thread. */
final class CallRenderer {
    private CallRenderer() {}

    static LlmCall success(ChatLogListener.Started s, long endNanos, boolean streaming, ChatRequest request,
                           ChatResponse response, ModelProvider provider, TokenCounter tokens) {
        LlmCall.Builder b = base(s, endNanos, streaming, request, provider);
        AiMessage ai = response.aiMessage();
        String output = renderAi(ai);
        String model = request.modelName();
        b.responseModel(response.metadata() == null ? null : response.metadata().modelName())
                .finishReason(response.finishReason() == null ? null : response.finishReason().name().toLowerCase(Locale.ROOT))
                .outputText(output);
        TokenUsage usage = response.tokenUsage();
        PromptParts parts = PromptParts.of(request.messages(), providerName(provider), model);
        boolean reported = usage != null && usage.inputTokenCount() != null && usage.outputTokenCount() != null;
        if (reported) {
            UsageDetails d = UsageDetails.of(usage);
            b.inputTokens(d.inputTokens()).outputTokens(d.outputTokens()).cachedInputTokens(d.cachedInputTokens()).cacheWriteTokens(d.cacheWriteTokens())
                    .reasoningTokens(d.reasoningTokens()).tokenSource(TokenSource.PROVIDER);
        } else {
            b.inputTokens(tokens.countChat(model, prompt(request)) + parts.imageTokens()).outputTokens(tokens.countText(model, output))
                    .tokenSource(TokenSource.ESTIMATED);
        }
        Map<String, Object> meta = parameters(request);
        fingerprint(request, tokens, meta);
        if (!parts.isEmpty()) meta.putAll(parts.metadata(!reported)); // a vision or multimodal call: what it sent besides text
        if (ai != null && ai.hasToolExecutionRequests()) {
            meta.put("tool_calls", ai.toolExecutionRequests().stream().map(ToolExecutionRequest::name).toList());
        }
        if (response.metadata() != null && response.metadata().id() != null) {
            meta.put("response_id", response.metadata().id());
        }
        return b.metadata(meta).success(true).build();
    }

    static LlmCall failure(ChatLogListener.Started s, long endNanos, boolean streaming, ChatRequest request,
                           Throwable error, ModelProvider provider, TokenCounter tokens) {
        LlmCall.Builder b = base(s, endNanos, streaming, request, provider);
        Map<String, Object> meta = parameters(request);
        fingerprint(request, tokens, meta);
        Integer status = httpStatus(error);
        if (status != null) {
            meta.put("http_status", status);
        }
        Throwable shown = error;
        while (shown.getMessage() == null && shown.getCause() != null) {
            shown = shown.getCause();
        }
        // The prompt was sent (or would have been): estimate its tokens; nothing came back.
        PromptParts parts = PromptParts.of(request.messages(), providerName(provider), request.modelName());
        if (!parts.isEmpty()) meta.putAll(parts.metadata(true));
        return b.inputTokens(tokens.countChat(request.modelName(), prompt(request)) + parts.imageTokens()).outputTokens(0)
                .tokenSource(TokenSource.ESTIMATED).success(false).errorType(error.getClass().getName())
                .errorMessage(shown.getMessage()).finishReason("error").metadata(meta).build();
    }

    private static LlmCall.Builder base(ChatLogListener.Started s, long endNanos, boolean streaming,
                                        ChatRequest request, ModelProvider provider) {
        ChatContext c = s.context();
        long ttft = s.clock() == null || s.clock().firstTokenNanos() == 0 ? -1
                : (s.clock().firstTokenNanos() - s.startNanos()) / 1_000_000;
        return LlmCall.builder().callId(s.callId()).startedAt(s.startedAt())
                .durationMs((endNanos - s.startNanos()) / 1e6)
                .timeToFirstTokenMs(ttft < 0 ? null : ttft)
                .callType(c.evaluation() ? CallType.EVALUATION : streaming ? CallType.STREAMING_CHAT : CallType.CHAT)
                .context(c).callSequence(s.sequence())
                .provider(providerName(provider)).model(request.modelName())
                .inputText(renderPrompt(request.messages()));
    }

    static String providerName(ModelProvider p) {
        if (p == null) return null;
        return p == ModelProvider.OPEN_AI ? "openai" : p.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static Map<String, Object> parameters(ChatRequest r) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (r.temperature() != null) m.put("temperature", r.temperature());
        if (r.topP() != null) m.put("top_p", r.topP());
        if (r.maxOutputTokens() != null) m.put("max_output_tokens", r.maxOutputTokens());
        List<ToolSpecification> tools = r.toolSpecifications();
        if (tools != null && !tools.isEmpty()) {
            m.put("tools_offered", tools.stream().map(ToolSpecification::name).toList());
        }
        if (r.responseFormat() != null) m.put("response_format", String.valueOf(r.responseFormat().type()));
        return m;
    }

    static Integer httpStatus(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof HttpException h) {
                return h.statusCode();
            }
        }
        return null;
    }

    /** The prompt as "role: text" blocks. */
    static String renderPrompt(List<ChatMessage> messages) {
        StringBuilder sb = new StringBuilder();
        for (ChatMessage m : messages) {
            PromptMessage p = toPrompt(m);
            if (sb.length() > 0) sb.append("\n\n");
            sb.append(p.role());
            if (p.name() != null) sb.append(" (").append(p.name()).append(')');
            sb.append(": ").append(p.content());
        }
        return sb.toString();
    }

    static List<PromptMessage> prompt(ChatRequest request) {
        List<PromptMessage> out = new ArrayList<>();
        for (ChatMessage m : request.messages()) {
            out.add(toPrompt(m));
        }
        return out;
    }

    private static PromptMessage toPrompt(ChatMessage m) {
        if (m instanceof SystemMessage s) {
            return new PromptMessage("system", s.text(), null);
        }
        if (m instanceof UserMessage u) {
            return new PromptMessage("user", userText(u), u.name());
        }
        if (m instanceof AiMessage a) {
            return new PromptMessage("assistant", renderAi(a), null);
        }
        if (m instanceof ToolExecutionResultMessage t) {
            return new PromptMessage("tool", t.text(), null);
        }
        return new PromptMessage(m.type().name().toLowerCase(Locale.ROOT), String.valueOf(m), null);
    }

    private static String userText(UserMessage u) {
        if (u.hasSingleText()) {
            return u.singleText();
        }
        StringBuilder sb = new StringBuilder();
        for (Content c : u.contents()) {
            if (sb.length() > 0) sb.append('\n');
            sb.append(c instanceof TextContent t ? t.text() : "[" + c.type().name().toLowerCase(Locale.ROOT) + "]");
        }
        return sb.toString();
    }

    private static String renderAi(AiMessage ai) {
        if (ai == null) return "";
        StringBuilder sb = new StringBuilder(ai.text() == null ? "" : ai.text());
        if (ai.hasToolExecutionRequests()) {
            for (ToolExecutionRequest t : ai.toolExecutionRequests()) {
                if (sb.length() > 0) sb.append('\n');
                sb.append("[tool call] ").append(t.name()).append('(').append(t.arguments()).append(')');
            }
        }
        return sb.toString();
    }

    /**
     * Puts what identifies a chat request in its row's metadata for the insights (issue 34), computed on the writer
     * thread and from the request itself, so it holds when prompts are not stored:
     * <ul>
     *   <li>{@code request_hash}: every message, each image, audio or file part by its address or a digest of its data, and
     *       every parameter of the request as LangChain4j holds them (model, temperature, top p, penalties, stop sequences,
     *       maximum output tokens, the tools offered with their schemas, tool choice, the response format with its schema, and
     *       a provider's own) — two calls with the same hash sent the same request, and a response cache would have answered
     *       the second;</li>
     *   <li>{@code prefix_hash} and {@code prefix_tokens}: the part a provider's prompt cache can reuse, the tool
     *       specifications and the leading system messages (what providers put first), and its size.</li>
     * </ul>
     * Hashes are the first 128 bits of SHA-256 in hex: collisions are not a concern at any volume a log holds.
     */
    static void fingerprint(ChatRequest request, TokenCounter tokens, Map<String, Object> meta) {
        String model = String.valueOf(request.modelName());
        StringBuilder prefix = new StringBuilder();
        List<ToolSpecification> tools = request.toolSpecifications();
        if (tools != null) for (ToolSpecification t : tools) prefix.append("tool: ").append(t).append('\n');
        for (ChatMessage m : request.messages()) {
            if (!(m instanceof SystemMessage s)) break; // the leading system messages only: what comes first is what is cached
            prefix.append("system: ").append(s.text()).append('\n');
        }
        StringBuilder all = new StringBuilder(model).append('\u0000').append(request.parameters()).append('\u0000');
        for (ChatMessage m : request.messages()) {
            all.append(m.type()).append(": ");
            if (m instanceof dev.langchain4j.data.message.UserMessage u) {
                if (u.name() != null) all.append('(').append(u.name()).append(") ");
                for (dev.langchain4j.data.message.Content c : u.contents()) all.append(part(c)).append('\u0001');
            } else {
                all.append(m); // system, assistant (with its tool calls) and tool results: their whole text
            }
            all.append('\u0000');
        }
        meta.put("request_hash", hash(all.toString()));
        if (prefix.length() > 0) {
            meta.put("prefix_hash", hash(model + '\u0000' + prefix));
            meta.put("prefix_tokens", tokens.countText(request.modelName(), prefix.toString()));
        }
    }

    /** A part of a user message: its text, or an image, audio, video or file by its address or a digest of its data. */
    private static String part(dev.langchain4j.data.message.Content c) {
        if (c instanceof dev.langchain4j.data.message.TextContent t) return "text:" + t.text();
        if (c instanceof dev.langchain4j.data.message.ImageContent i && i.image() != null) {
            var img = i.image();
            return "image:" + (img.url() != null ? img.url() : hash(String.valueOf(img.base64Data()))) + ":" + img.mimeType() + ":" + i.detailLevel();
        }
        return c.type() + ":" + hash(String.valueOf(c)); // audio, video, PDF: their toString carries their address or data
    }

    static String hash(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JVM has SHA-256
        }
    }
}
