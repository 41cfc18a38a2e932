package dev.chatlog.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.server.load.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code java -jar server/target/chatlog-server.jar} as a user runs it after a clean build (failsafe,
 * after {@code package}): it starts its embedded MariaDB from inside the jar, answers, stops cleanly
 * on SIGTERM with every turn written, and starts again on the same data.
 */
class RunnableJarIT {
    private static final Path JAR = Path.of("target", "chatlog-server.jar");

    @Test
    void should_start_answer_stop_cleanly_and_start_again_from_the_jar() throws Exception {
        if (!Files.exists(JAR)) {
            if (System.getenv("CI") != null) throw new IllegalStateException(JAR + " was not built");
            Assumptions.abort(JAR + " not built (-DskipJar)");
        }
        Path data = Files.createDirectories(Path.of("target", "jar-it")).resolve("run-" + System.nanoTime());
        try (ServerProcess server = ServerProcess.startJar(JAR.toAbsolutePath(), data, Map.of(), 120)) {
            Http http = new Http(server.baseUrl());
            assertEquals("ok", http.get("/health").json().get("status").asText());
            for (int i = 0; i < 3; i++) {
                Http.Response r = http.post("/chat-chat/", "{\"input\": \"Show me recent orders\"}");
                assertEquals(200, r.status(), r.raw());
                assertTrue(r.json().at("/output/row_count").asInt() > 0, r.raw());
            }
            assertEquals(143, server.stop(60), "SIGTERM: the shutdown hook ran and the JVM exited (128 + 15)");
            String log = Files.readString(server.log());
            assertFalse(log.contains(" WARN ") || log.contains(" ERROR "), "a clean stop:\n" + log);
            assertFalse(ProcessHandle.allProcesses().anyMatch(p -> p.info().arguments().map(a -> String.join(" ", a)).orElse("")
                    .contains(data.toAbsolutePath().toString())), "no mariadbd left running on " + data);
        }
        try (ServerProcess again = ServerProcess.startJar(JAR.toAbsolutePath(), data, Map.of(), 120)) {
            Http http = new Http(again.baseUrl());
            var totals = http.get("/logging-dashboard/stats/range?window=all").json().get("totals");
            assertEquals(3, totals.get("requests").asLong(), "the three turns were written before the stop: " + totals);
            // with their model calls: each turn's moderation, classify and summarize, and the SQL written once — the same
            // question's SQL came from the demo's cache the next two times
            assertEquals(3 * 3 + 1, totals.get("llm_calls").asLong(), "with their calls: " + totals);
        }
    }
}
