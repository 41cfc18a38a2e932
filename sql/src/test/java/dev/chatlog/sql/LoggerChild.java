package dev.chatlog.sql;

import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.LlmCall;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * A separate JVM for the fault tests: logs calls into the given database, printing progress.
 * <pre>LoggerChild url user password spoolDir|none run count hot</pre>
 * Prints {@code SYNCED n} whenever the number of fsynced spool records grows (the first n calls of
 * this run are then durable), and {@code DONE stats} after a clean flush and close.
 */
public final class LoggerChild {
    public static void main(String[] args) throws Exception {
        String url = args[0], user = args[1], password = args[2], spool = args[3], run = args[4];
        int count = Integer.parseInt(args[5]);
        boolean hot = args.length > 6 && args[6].equals("hot");
        try (Database db = Database.open(new DatabaseConfig(url, user, password), 4)) {
            ChatLogger.Builder b = ChatLogger.builder(new JdbcChatLogStore(db.jdbi())).batchSize(200)
                    .fsyncEvery(50).fsyncInterval(Duration.ofMillis(50)).closeTimeout(Duration.ofSeconds(60));
            if (!spool.equals("none")) b.spool(Path.of(spool));
            ChatLogger logger = b.build();
            Thread reporter = new Thread(() -> {
                long last = -1;
                while (true) {
                    long s = logger.stats().synced();
                    if (s != last) {
                        System.out.println("SYNCED " + s);
                        System.out.flush();
                        last = s;
                    }
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            reporter.setDaemon(true);
            reporter.start();
            for (int i = 0; i < count; i++) {
                String conversation = hot ? "hot-" + (i % 8) : run + "-" + (i % 10);
                String message = run + "-m" + (i / 3);
                logger.logCall(LlmCall.builder().callId(run + "-" + i).conversationId(conversation).messageId(message)
                        .callSequence(i).model(i % 2 == 0 ? "gpt-4o" : "gpt-4o-mini").inputTokens(100 + i % 50)
                        .outputTokens(10 + i % 7).durationMs(100 + i % 900).startedAt(Instant.now()).build());
                if (i % 3 == 2) {
                    logger.logMessage(ConversationMessage.builder().conversationId(conversation).messageId(message)
                            .userInput("q" + i).finalOutput("a").timestamp(Instant.now()).success(i % 11 != 0).build());
                }
                if (i % 5 == 0) Thread.sleep(1); // a few thousand calls a second: the kill runs stay small enough to check quickly
            }
            logger.flush(Duration.ofSeconds(120));
            logger.close();
            System.out.println("DONE " + logger.stats());
            System.out.flush();
        }
        System.exit(0);
    }
}
