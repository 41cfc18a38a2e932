package dev.chatlog.sql.bench;

import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.LlmCall;
import dev.chatlog.sql.rollup.ConsistencyCheck;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.chatlog.sql.TestDatabase;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Sustained write throughput: N LLM-call rows over C conversations through ChatLogger into the
 * embedded MariaDB, against the same rows inserted with a plain JDBC batch (what the database can
 * take). Prints rows/s for both, the ratio, and whether the summaries are exact.
 *
 * <pre>mvn -q -pl sql -am test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.chatlog.sql.bench.WriteThroughputBenchmark -Dexec.args="100000 1000 2000 [spool]"</pre>
 */
public final class WriteThroughputBenchmark {
    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int conversations = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
        int batchSize = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
        boolean spool = args.length > 3 && args[3].equals("spool");
        List<LlmCall> calls = new java.util.ArrayList<>(rows);
        Instant t0 = Instant.parse("2026-11-01T00:00:00Z");
        for (int i = 0; i < rows; i++) {
            calls.add(LlmCall.builder().callId(UUID.randomUUID().toString()).conversationId("conv-" + (i % conversations))
                    .messageId("msg-" + (i / 3)).model(i % 2 == 0 ? "gpt-4o" : "gpt-4o-mini").functionName("summarize")
                    .inputTokens(100 + i % 400).outputTokens(20 + i % 80).durationMs(300 + i % 900)
                    .startedAt(t0.plusMillis(i * 10L)).inputText("What were last month's orders for customer " + i + "?")
                    .outputText("There were " + (i % 17) + " orders.")
                    // what the listener records with a chat call: its parameters and the response's id (masked like texts)
                    .metadata(java.util.Map.of("temperature", 0.2, "max_tokens", 500, "response_id", "chatcmpl-" + i)).build());
        }

        double plainRate;
        try (Database db = TestDatabase.freshDatabase()) {
            long start = System.nanoTime();
            try (Connection c = db.dataSource().getConnection();
                 PreparedStatement ps = c.prepareStatement("""
                         INSERT INTO chatbot_llm_calls (call_id, conversation_id, message_id, call_type, model, function_name,
                             input_tokens, output_tokens, total_tokens, token_source, cost_estimate, priced, duration_ms,
                             input_text, output_text, success, started_at, ended_at, write_batch_id)
                         VALUES (?, ?, ?, 'chat', ?, ?, ?, ?, ?, 'provider', ?, 1, ?, ?, ?, 1, ?, ?, 1)""")) {
                c.setAutoCommit(false);
                int n = 0;
                for (LlmCall call : calls) {
                    ps.setString(1, call.callId());
                    ps.setString(2, call.conversationId());
                    ps.setString(3, call.messageId());
                    ps.setString(4, call.model());
                    ps.setString(5, call.functionName());
                    ps.setInt(6, call.inputTokens());
                    ps.setInt(7, call.outputTokens());
                    ps.setInt(8, call.totalTokens());
                    ps.setBigDecimal(9, new BigDecimal("0.0001"));
                    ps.setDouble(10, call.durationMs());
                    ps.setString(11, call.inputText());
                    ps.setString(12, call.outputText());
                    ps.setTimestamp(13, Timestamp.from(call.startedAt()));
                    ps.setTimestamp(14, Timestamp.from(call.endedAt()));
                    ps.addBatch();
                    if (++n % 500 == 0) {
                        ps.executeBatch();
                        c.commit();
                    }
                }
                ps.executeBatch();
                c.commit();
            }
            plainRate = rows / ((System.nanoTime() - start) / 1e9);
        }

        double loggerRate;
        List<String> mismatches;
        long callerNanosMax;
        try (Database db = TestDatabase.freshDatabase()) {
            ChatLogger.Builder b = ChatLogger.builder(new JdbcChatLogStore(db.jdbi())).queueCapacity(rows).batchSize(batchSize);
            if (spool) b.spool(java.nio.file.Files.createTempDirectory("bench-spool"));
            ChatLogger logger = b.build();
            long start = System.nanoTime();
            long worst = 0;
            for (LlmCall call : calls) {
                long a = System.nanoTime();
                logger.logCall(call);
                worst = Math.max(worst, System.nanoTime() - a);
            }
            logger.flush(Duration.ofMinutes(10));
            loggerRate = rows / ((System.nanoTime() - start) / 1e9);
            callerNanosMax = worst;
            logger.close();
            if (logger.stats().written() != rows) {
                throw new IllegalStateException("not all rows written: " + logger.stats());
            }
            mismatches = new ConsistencyCheck(db.jdbi()).mismatches();
        }
        System.out.printf("rows=%d conversations=%d logger batch=%d spool=%s (masking on, the default)%n", rows, conversations, batchSize, spool);
        System.out.printf("plain JDBC batch : %,.0f rows/s%n", plainRate);
        System.out.printf("ChatLogger       : %,.0f rows/s (with summaries, pricing, token checks)%n", loggerRate);
        System.out.printf("ratio            : %.0f%% of plain batch (target >= 50%%)%n", 100 * loggerRate / plainRate);
        System.out.printf("slowest logCall  : %.1f us on the caller thread%n", callerNanosMax / 1e3);
        System.out.printf("summaries exact  : %s%n", mismatches.isEmpty() ? "yes" : "NO " + mismatches.subList(0, Math.min(3, mismatches.size())));
        System.exit(0);
    }
}
