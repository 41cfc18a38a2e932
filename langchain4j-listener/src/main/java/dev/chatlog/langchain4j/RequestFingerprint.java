package dev.chatlog.langchain4j;

import dev.chatlog.core.token.TokenCounter;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * What identifies a chat request, stored in its row's metadata for the insights (issue 34), computed on the writer
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
final class RequestFingerprint {
    private RequestFingerprint() {}

    static void put(ChatRequest request, TokenCounter tokens, Map<String, Object> meta) {
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
