package dev.chatlog.core.token;

import dev.chatlog.core.price.PriceCatalog;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import java.util.List;

/**
 * Counts tokens with jtokkit when a provider reports none. The encoding is chosen by model family
 * here, not by jtokkit's name lookup (which maps gpt-4.1 to cl100k and does not know o1/o3):
 * o200k_base for gpt-4o, gpt-4.1, gpt-4.5, gpt-5, o1, o3, o4; cl100k_base for gpt-4, gpt-4-turbo,
 * gpt-3.5-turbo and OpenAI's embedding models; o200k_base for everything else (an estimate).
 */
public final class TokenCounter {
    private static final TokenCounter SHARED = new TokenCounter();
    private final Encoding o200k;
    private final Encoding cl100k;

    private TokenCounter() {
        EncodingRegistry registry = Encodings.newDefaultEncodingRegistry();
        o200k = registry.getEncoding(EncodingType.O200K_BASE);
        cl100k = registry.getEncoding(EncodingType.CL100K_BASE);
    }

    /** Encodings are thread-safe and costly to load: one instance serves the JVM. */
    public static TokenCounter shared() {
        return SHARED;
    }

    /** One message of a chat prompt; {@code name} may be null. */
    public record PromptMessage(String role, String content, String name) {}

    public EncodingType encodingFor(String model) {
        String m = model == null ? "" : PriceCatalog.canonicalName(model);
        if (m.startsWith("gpt-4o") || m.startsWith("chatgpt-4o") || m.startsWith("gpt-4.1")
                || m.startsWith("gpt-4.5") || m.startsWith("gpt-5") || m.matches("^o[134](-.*)?$")) {
            return EncodingType.O200K_BASE;
        }
        if (m.startsWith("gpt-4") || m.startsWith("gpt-3.5") || m.startsWith("text-embedding-3")
                || m.startsWith("text-embedding-ada-002")) {
            return EncodingType.CL100K_BASE;
        }
        return EncodingType.O200K_BASE;
    }

    private Encoding encoding(String model) {
        return encodingFor(model) == EncodingType.CL100K_BASE ? cl100k : o200k;
    }

    public int countText(String model, String text) {
        return text == null || text.isEmpty() ? 0 : encoding(model).countTokensOrdinary(text);
    }

    /**
     * Prompt tokens of a chat request by OpenAI's published rule: 3 per message, the encoded role,
     * content and name, 1 more per name, and 3 priming the reply.
     */
    public int countChat(String model, List<PromptMessage> messages) {
        Encoding enc = encoding(model);
        int total = 3;
        for (PromptMessage m : messages) {
            total += 3;
            total += count(enc, m.role());
            total += count(enc, m.content());
            if (m.name() != null) {
                total += count(enc, m.name()) + 1;
            }
        }
        return total;
    }

    private static int count(Encoding enc, String s) {
        return s == null || s.isEmpty() ? 0 : enc.countTokensOrdinary(s);
    }
}
