package dev.chatlog.server;

import dev.chatlog.sql.TestDatabase;
import java.util.HashMap;
import java.util.Map;

/** Starts the real server on port 0 on the shared embedded MariaDB, in a fresh chatlog schema. */
public final class ServerTestSupport {
    private ServerTestSupport() {}

    public static ChatlogServer start(Map<String, String> env) {
        Map<String, String> e = new HashMap<>(env);
        e.put("CHATLOG_PORT", "0");
        // the demo judge rates every demo turn (its scores and evaluation rows); the tests of other features count without them
        e.putIfAbsent("CHATLOG_JUDGE", "off");
        // likewise the demo experiment (half the turns on chatlog-demo-mini): its tests turn it on with CHATLOG_CHAT_EXPERIMENT=demo-model
        e.putIfAbsent("CHATLOG_CHAT_EXPERIMENT", "off");
        try {
            e.putIfAbsent("CHATLOG_SPOOL_DIR", java.nio.file.Files.createTempDirectory("chatlog-spool").toString());
        } catch (java.io.IOException x) {
            throw new java.io.UncheckedIOException(x);
        }
        return ChatlogServer.start(ServerConfig.from(e), TestDatabase.server(), TestDatabase.createSchema());
    }
}
