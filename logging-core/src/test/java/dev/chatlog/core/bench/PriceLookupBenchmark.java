package dev.chatlog.core.bench;

import dev.chatlog.core.price.PriceCatalog;
import java.time.Instant;

/**
 * What pricing one call against the bundled genai-prices data costs the writer thread (a quote:
 * provider and model matched, prices of the call's time taken), for names that match early, late,
 * through a dated spelling, on the largest provider (OpenRouter, 544 models) and not at all.
 * Prints microseconds per quote; run with {@code mvn -q -pl logging-core exec:java
 * -Dexec.classpathScope=test -Dexec.mainClass=dev.chatlog.core.bench.PriceLookupBenchmark}.
 */
public final class PriceLookupBenchmark {
    private PriceLookupBenchmark() {}

    public static void main(String[] args) {
        PriceCatalog catalog = PriceCatalog.bundled();
        String[][] cases = {{"gpt-4o-mini", "openai"}, {"gpt-4o-mini-2024-07-18", "openai"}, {"claude-3-5-sonnet-20241022", "anthropic"},
                {"gemini-2.5-pro", "google-vertex-ai-gemini"}, {"meta-llama/llama-3.3-70b-instruct", "openrouter"},
                {"unknown-model", "openai"}, {"my-llama", null}};
        Instant at = Instant.parse("2026-06-01T00:00:00Z");
        int n = 200_000;
        for (String[] c : cases) {
            for (int i = 0; i < 20_000; i++) catalog.quote(c[0], c[1], at); // warm-up
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) catalog.quote(c[0], c[1], at);
            System.out.printf("%-36s %-24s %6.2f µs per quote%n", c[0], c[1], (System.nanoTime() - t0) / 1e3 / n);
        }
    }
}
