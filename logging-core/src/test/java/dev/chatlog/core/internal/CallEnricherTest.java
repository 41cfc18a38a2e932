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
}
