package dev.chatlog.core.internal;

import dev.chatlog.core.price.PriceCatalog;
import dev.chatlog.core.text.Masker;
import dev.chatlog.core.text.Text;
import dev.chatlog.core.token.TokenCounter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The enricher masks only what can be stored (plus a margin): the stored text must be what masking all of it gives. */
class CallEnricherTest {
    private final Masker masker = Masker.defaults();
    private final CallEnricher enricher = new CallEnricher(PriceCatalog.bundled(), TokenCounter.shared(), 1000, masker);

    private String full(String s) {
        return Text.truncate(masker.mask(s), 1000);
    }

    @Test
    void should_store_the_same_text_as_masking_the_whole_of_it() {
        String filler = "lorem ipsum dolor sit amet ".repeat(400); // ~10,800 characters
        List<String> texts = List.of(
                filler,
                "x".repeat(980) + " mail jane.doe@example.com now " + filler,            // a secret across the cut
                "y".repeat(995) + "4111 1111 1111 1111 " + filler,                       // a card number across the cut
                "Authorization: Bearer " + "a".repeat(3000) + " " + filler,              // a token longer than the window
                "z".repeat(1400) + " sk-proj-" + "k".repeat(40) + " " + filler,          // a key past the cut
                "contact a@b.io, ".repeat(200) + filler,                                 // masking shortens the window a lot
                "short text with a@b.io");
        for (String t : texts) {
            assertEquals(full(t), enricher.clean(t), t.substring(0, Math.min(40, t.length())));
        }
        assertTrue(enricher.clean(filler).endsWith("…[truncated]"));
    }

    @Test
    void should_mask_every_text_inside_a_call_s_metadata_and_a_message_s_debug_info() {
        dev.chatlog.core.LlmCall call = dev.chatlog.core.LlmCall.builder().callId("a").callType(dev.chatlog.core.CallType.AGENT)
                .metadata(java.util.Map.of("user_message", "mail me at jane.doe@example.com", "contents", 2,
                        "sources", List.of(java.util.Map.of("score", 0.8, "metadata", java.util.Map.of("owner", "card 4111 1111 1111 1111")))))
                .build();
        java.util.Map<String, Object> stored = enricher.enrich(call).metadata();
        assertEquals(full("mail me at jane.doe@example.com"), stored.get("user_message"));
        assertTrue(!stored.get("user_message").toString().contains("jane.doe@example.com"), stored.toString());
        assertEquals(2, stored.get("contents"));
        assertTrue(!stored.toString().contains("4111 1111 1111 1111"), stored.toString());
        assertTrue(stored.toString().contains("score=0.8"), stored.toString());
        dev.chatlog.core.ConversationMessage m = dev.chatlog.core.ConversationMessage.builder().messageId("m").conversationId("c")
                .debugInfo(java.util.Map.of("prompt", "key sk-proj-" + "k".repeat(40))).build();
        assertTrue(!enricher.enrich(m).debugInfo().toString().contains("sk-proj-kkkk"), enricher.enrich(m).debugInfo().toString());
    }
}
