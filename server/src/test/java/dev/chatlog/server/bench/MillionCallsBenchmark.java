package dev.chatlog.server.bench;

import dev.chatlog.core.CallType;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.LlmCall;
import dev.chatlog.server.ChatlogServer;
import dev.chatlog.server.ServerConfig;
import dev.chatlog.embedded.EmbeddedMariaDb;
import dev.chatlog.sql.TestDatabase;
import java.nio.file.Path;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Issue 6's benchmark: N LLM calls (default 1,000,000) over N/10 conversations and 30 days, written
 * through the real ChatLogger into the embedded MariaDB; then every statistics route timed over
 * HTTP (p50 / p95 of repeated requests) and a full CSV export of all calls (duration, rows, peak
 * heap). Run it with a 256 MB heap so that finishing proves the export stays under it:
 *
 * <pre>bench/million-calls.sh [calls]</pre>
 */
public final class MillionCallsBenchmark {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    public static void main(String[] args) {
        try {
            run(args);
            System.exit(0);
        } catch (Throwable t) { // the server's threads are not daemons: without an exit the failed run would keep running
            t.printStackTrace();
            System.exit(1);
        }
    }

    static void run(String[] args) throws Exception {
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int conversations = calls / 10;
        // -Dbench.dataDir=DIR keeps the filled database in DIR: a second run skips the fill and only
        // times the routes (the data then ages: its 30 days end when it was filled)
        String kept = System.getProperty("bench.dataDir");
        EmbeddedMariaDb db = kept == null ? TestDatabase.server() : EmbeddedMariaDb.start(Path.of(kept), 0);
        String schema = kept == null ? TestDatabase.createSchema() : "bench";
        if (kept != null) db.runAsAdmin("CREATE DATABASE IF NOT EXISTS bench CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;");
        try (ChatlogServer server = ChatlogServer.start(ServerConfig.from(Map.of("CHATLOG_PORT", "0", "CHATLOG_SPOOL_DIR", java.nio.file.Files.createTempDirectory("bench-spool").toString(),
                // the routes are timed without the insights' background refresh under way (its cost is the insights rows' first ms)
                "CHATLOG_INSIGHTS_REFRESH_SECONDS", "86400")), db, schema)) {
            String base = "http://127.0.0.1:" + server.port();
            long present = server.database().jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM chatbot_llm_calls").mapTo(Long.class).one());
            if (present >= calls) {
                System.out.printf("reusing %,d calls already in %s%n", present, kept);
            } else {
                long t0 = System.nanoTime();
                fill(server.logger(), calls, conversations);
                double fillSeconds = (System.nanoTime() - t0) / 1e9;
                System.out.printf("filled %,d calls and %,d messages over %,d conversations / 30 days in %.0f s (%,.0f calls/s through ChatLogger)%n",
                        calls, conversations * 3L, conversations, fillSeconds, calls / fillSeconds);
                System.out.println("logger: " + server.logger().stats());
            }
            server.database().jdbi().useHandle(h -> {
                for (String t : List.of("chatbot_llm_calls", "chatbot_conversation_messages", "chatbot_conversation_summary",
                        "chatbot_usage_rollup", "chatbot_user_daily")) h.execute("ANALYZE TABLE " + t);
            });

            LocalDate today = LocalDate.now(ZoneOffset.UTC);
            Map<String, String> routes = new LinkedHashMap<>();
            routes.put("overview?hours=24", "/logging-dashboard/overview?hours=24");
            routes.put("overview?hours=720 (30 days)", "/logging-dashboard/overview?hours=720");
            routes.put("overview?hours=all", "/logging-dashboard/overview?hours=all");
            routes.put("overview?hours=24&model=gpt-4o", "/logging-dashboard/overview?hours=24&model=gpt-4o");
            routes.put("overview?hours=720&model=gpt-4o", "/logging-dashboard/overview?hours=720&model=gpt-4o");
            routes.put("overview?hours=720&agent=RAGAgent", "/logging-dashboard/overview?hours=720&agent=RAGAgent");
            routes.put("llm-calls/analysis?hours=24&agent=RAGAgent", "/logging-dashboard/llm-calls/analysis?hours=24&agent=RAGAgent");
            routes.put("llm-calls/analysis?hours=24", "/logging-dashboard/llm-calls/analysis?hours=24");
            routes.put("llm-calls/analysis?hours=720", "/logging-dashboard/llm-calls/analysis?hours=720");
            routes.put("conversations?hours=24", "/logging-dashboard/conversations?hours=24&limit=25");
            routes.put("conversations?hours=all", "/logging-dashboard/conversations?hours=all&limit=25");
            routes.put("sql-queries/analysis?hours=24", "/logging-dashboard/sql-queries/analysis?hours=24");
            routes.put("conversation/{id}/detailed", "/logging-dashboard/conversation/conv-4242/detailed");
            routes.put("stats/daily (a full day)", "/logging-dashboard/stats/daily?date=" + today.minusDays(10));
            routes.put("stats/daily?model=gpt-4o", "/logging-dashboard/stats/daily?model=gpt-4o&date=" + today.minusDays(10));
            routes.put("stats/daily?agent=RAGAgent&chat_mode=rag", "/logging-dashboard/stats/daily?agent=RAGAgent&chat_mode=rag&date=" + today.minusDays(10));
            routes.put("stats/range 30d by day", "/logging-dashboard/stats/range?window=30d&group_by=day");
            routes.put("stats/range all by week", "/logging-dashboard/stats/range?window=all&group_by=week");
            routes.put("stats/range 30d by month", "/logging-dashboard/stats/range?window=30d&group_by=month");
            routes.put("stats/range session", "/logging-dashboard/stats/range?window=session&conversation_id=conv-4242");
            routes.put("stats/cost 30d by model", "/logging-dashboard/stats/cost?window=30d&group_by=model");
            routes.put("stats/cost 30d by user", "/logging-dashboard/stats/cost?window=30d&group_by=user");
            routes.put("stats/cost 30d by agent, model=gpt-4o", "/logging-dashboard/stats/cost?window=30d&group_by=agent&model=gpt-4o");
            routes.put("stats/cost 7d by day", "/logging-dashboard/stats/cost?window=7d&group_by=day");
            routes.put("stats/latency 30d", "/logging-dashboard/stats/latency?window=30d");
            routes.put("stats/realtime?minutes=15", "/logging-dashboard/stats/realtime?minutes=15");
            // insights: the first request of a window computes it (the "first ms" column is the analysis at this volume), the
            // others are served from the kept report until it is refreshed in the background
            routes.put("insights?window=24h", "/logging-dashboard/insights?window=24h");
            routes.put("insights?window=30d", "/logging-dashboard/insights?window=30d");
            // -Dbench.only=overview (routes whose name contains it), -Dbench.requests=150 -Dbench.warmups=40: a route timed longer
            int requests = Integer.getInteger("bench.requests", 25);
            int warmups = Math.max(1, Integer.getInteger("bench.warmups", 3));
            String only = System.getProperty("bench.only");
            if (only != null) routes.keySet().removeIf(k -> !k.contains(only));
            System.out.printf("%n%-44s %10s %10s %10s   (%d requests after %d warm-ups)%n", "route", "first ms", "p50 ms", "p95 ms",
                    requests, warmups);
            for (var e : routes.entrySet()) {
                double[] ms = new double[requests];
                double first = 0;
                for (int i = -warmups; i < ms.length; i++) { // warm-up requests; the first one is reported too
                    long a = System.nanoTime();
                    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + e.getValue())).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() != 200) throw new IllegalStateException(e.getKey() + " -> " + r.statusCode() + " " + r.body());
                    if (i >= 0) ms[i] = (System.nanoTime() - a) / 1e6;
                    if (i == -warmups) first = (System.nanoTime() - a) / 1e6;
                }
                Arrays.sort(ms);
                System.out.printf("%-44s %10.1f %10.1f %10.1f%n", e.getKey(), first, ms[ms.length / 2], ms[(int) Math.ceil(0.95 * ms.length) - 1]);
            }

            if (!Boolean.getBoolean("bench.skipExport")) {
                System.gc();
                for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) p.resetPeakUsage();
                long a = System.nanoTime();
                HttpResponse<InputStream> r = HTTP.send(HttpRequest.newBuilder(URI.create(base
                        + "/logging-dashboard/export/llm-calls?format=csv&window=all")).build(), HttpResponse.BodyHandlers.ofInputStream());
                long bytes = 0, lines = 0;
                byte[] buf = new byte[1 << 16];
                try (InputStream in = r.body()) {
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        bytes += n;
                        for (int i = 0; i < n; i++) if (buf[i] == '\n') lines++;
                    }
                }
                double exportSeconds = (System.nanoTime() - a) / 1e9;
                long peak = 0;
                for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
                    if (p.getType() == MemoryType.HEAP) peak += p.getPeakUsage().getUsed();
                }
                System.out.printf("%nCSV export of all calls: %,d lines (header + rows; quoted newlines in text add none here), %,d MB in %.1f s; "
                        + "peak heap %d MB (max heap %d MB, server and client in one JVM)%n",
                        lines, bytes >> 20, exportSeconds, peak >> 20, Runtime.getRuntime().maxMemory() >> 20);
            }
        }
        if (kept != null) db.close();
    }

    static final String[] MODELS = {"gpt-4o", "gpt-4o-mini", "gpt-4o-mini", "claude-3-5-sonnet", "local-llama"};
    static final String[] AGENTS = {"Orchestrator", "RAGAgent", "MCPAgent", "SQLAgent", "Summarizer", null};
    static final String[] FUNCTIONS = {"classify_intent", "generate_sql", "summarize", "search", "answer", "rerank"};
    static final String[] MODES = {"simple", "tool", "rag"};

    static void fill(ChatLogger logger, int calls, int conversations) throws InterruptedException {
        SplittableRandom r = new SplittableRandom(42);
        Instant start = LocalDate.now(ZoneOffset.UTC).minusDays(29).atStartOfDay().toInstant(ZoneOffset.UTC);
        long span = Duration.between(start, Instant.now()).toMillis() - 120_000; // in time order, as traffic arrives, up to now
        int written = 0;
        for (int conv = 0; conv < conversations && written < calls; conv++) {
            String conversation = "conv-" + conv;
            String user = "user-" + r.nextInt(5000);
            String mode = MODES[r.nextInt(3)];
            Instant t = start.plusMillis(span * conv / conversations + r.nextInt(60_000));
            for (int m = 0; m < 3; m++) {
                String message = conversation + "-m" + m;
                int n = m == 2 ? 4 : 3;
                for (int k = 0; k < n && written < calls; k++, written++) {
                    String model = MODELS[r.nextInt(MODELS.length)];
                    boolean tool = k == 1 && r.nextInt(3) == 0;
                    double ms = Math.round(Math.exp(5.5 + r.nextDouble() * 3.5) * 100) / 100.0; // ~250 ms .. 8 s
                    LlmCall.Builder b = LlmCall.builder().conversationId(conversation).messageId(message).userId(user)
                            .chatMode(mode).agent(AGENTS[r.nextInt(AGENTS.length)]).callSequence(k + 1)
                            .functionName(tool ? "search_orders" : FUNCTIONS[r.nextInt(FUNCTIONS.length)])
                            .startedAt(t.plusMillis(k * 5L)).durationMs(ms).success(r.nextInt(40) != 0)
                            .inputText("Question " + written + ": what were the orders of customer " + r.nextInt(5000) + ", last month?")
                            .outputText("There were " + r.nextInt(20) + " orders, \"mostly\" shipped.");
                    if (tool) {
                        b.callType(CallType.TOOL).inputTokens(0).outputTokens(0);
                    } else {
                        boolean stream = r.nextInt(3) == 0;
                        // the listener's fingerprints: one request in 20 repeats an earlier one, each function has its system prompt
                        String fn = FUNCTIONS[r.nextInt(FUNCTIONS.length)];
                        b.functionName(fn).metadata(Map.of("request_hash", Integer.toHexString(r.nextInt(20) == 0 ? r.nextInt(1000) : written),
                                "prefix_hash", "prefix-" + fn, "prefix_tokens", 1_500));
                        b.callType(stream ? CallType.STREAMING_CHAT : CallType.CHAT).model(model)
                                .inputTokens(100 + r.nextInt(3000)).outputTokens(10 + r.nextInt(600))
                                .timeToFirstTokenMs(stream ? (long) (ms / 4) : null);
                    }
                    logger.logCall(b.build());
                }
                logger.logMessage(ConversationMessage.builder().conversationId(conversation).messageId(message)
                        .userId(user).chatMode(mode).userInput("question " + m).finalOutput("{\"type\":\"text\"}")
                        .conversationMessage("answer " + m).timestamp(t.plusMillis(19)).intent("orders")
                        .success(r.nextInt(30) != 0).responseTimeMs(Math.round(r.nextDouble() * 800_000) / 100.0).build());
                t = t.plusMillis(20);
                while (logger.stats().queueDepth() > 40_000) Thread.sleep(5); // backpressure: never drop in a benchmark
            }
            if (conv % 10_000 == 0 && conv > 0) System.out.printf("  %,d calls queued, %,d written%n", written, logger.stats().written());
        }
        if (!logger.flush(Duration.ofMinutes(30))) throw new IllegalStateException("flush timed out " + logger.stats());
        if (logger.stats().dropped() > 0 || logger.stats().rejected() > 0) throw new IllegalStateException("lost records " + logger.stats());
    }
}
