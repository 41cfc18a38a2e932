package dev.chatlog.core.token;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.knuddels.jtokkit.api.EncodingType;
import dev.chatlog.core.token.TokenCounter.PromptMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenCounterTest {
    private final TokenCounter counter = TokenCounter.shared();

    // OpenAI cookbook "How to count tokens with tiktoken": the API reports 129 prompt tokens for
    // gpt-3.5-turbo / gpt-4 and 124 for gpt-4o on this conversation.
    private static final List<PromptMessage> COOKBOOK = List.of(
            new PromptMessage("system", "You are a helpful, pattern-following assistant that translates corporate jargon into plain English.", null),
            new PromptMessage("system", "New synergies will help drive top-line growth.", "example_user"),
            new PromptMessage("system", "Things working well together will increase revenue.", "example_assistant"),
            new PromptMessage("system", "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage.", "example_user"),
            new PromptMessage("system", "Let's talk later when we're less busy about how to do better.", "example_assistant"),
            new PromptMessage("user", "This late pivot means we don't have time to boil the ocean for the client deliverable.", null));

    @Test
    void should_match_openai_published_prompt_counts_when_counting_the_cookbook_conversation() {
        assertEquals(129, counter.countChat("gpt-3.5-turbo", COOKBOOK));
        assertEquals(129, counter.countChat("gpt-4-0613", COOKBOOK));
        assertEquals(124, counter.countChat("gpt-4o", COOKBOOK));
        assertEquals(124, counter.countChat("gpt-4o-mini-2024-07-18", COOKBOOK));
    }

    @Test
    void should_choose_encoding_by_family_when_jtokkit_lookup_would_be_wrong() {
        assertEquals(EncodingType.O200K_BASE, counter.encodingFor("gpt-4.1"));
        assertEquals(EncodingType.O200K_BASE, counter.encodingFor("gpt-4.1-mini"));
        assertEquals(EncodingType.O200K_BASE, counter.encodingFor("o1"));
        assertEquals(EncodingType.O200K_BASE, counter.encodingFor("o3-mini"));
        assertEquals(EncodingType.O200K_BASE, counter.encodingFor("o4-mini"));
        assertEquals(EncodingType.O200K_BASE, counter.encodingFor("openai/gpt-5"));
        assertEquals(EncodingType.CL100K_BASE, counter.encodingFor("gpt-4"));
        assertEquals(EncodingType.CL100K_BASE, counter.encodingFor("gpt-4-turbo"));
        assertEquals(EncodingType.CL100K_BASE, counter.encodingFor("gpt-3.5-turbo"));
        assertEquals(EncodingType.CL100K_BASE, counter.encodingFor("text-embedding-3-small"));
        assertEquals(EncodingType.O200K_BASE, counter.encodingFor("claude-3-5-sonnet"));
        assertEquals(EncodingType.O200K_BASE, counter.encodingFor("omni-unknown"));
    }

    @Test
    void should_count_plain_text_with_the_family_encoding() {
        // "tiktoken is great!" is 6 tokens in cl100k_base (OpenAI cookbook).
        assertEquals(6, counter.countText("gpt-4", "tiktoken is great!"));
        assertEquals(0, counter.countText("gpt-4o", null));
    }
}
