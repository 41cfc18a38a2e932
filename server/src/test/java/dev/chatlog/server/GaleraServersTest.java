package dev.chatlog.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatlog.server.load.ChatLoad;
import dev.chatlog.server.load.ServerProcess;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.DatabaseConfig;
import dev.chatlog.sql.GaleraCluster;
import dev.chatlog.sql.rollup.ConsistencyCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Three servers (child JVMs, as {@code ./run.sh} starts them) on the three nodes of a real Galera cluster, under chat
 * load at once: server A on node 1, server B on the multi-host URL a user writes for failover
 * ({@code jdbc:mysql://node2,node3/chatlog}), server C on node 3. Node 2 is SIGKILLed under load and started again:
 * B moves to node 3, nothing acknowledged is lost or doubled, node 2 rejoins and holds the same rows, and summaries and
 * rollups equal their recomputation. A day budget runs out during the test: admissions racing on three nodes never
 * pass its limit.
 */
@Tag("slow")
class GaleraServersTest {

    @Test
    void should_keep_three_servers_on_three_nodes_exact_through_a_node_killed_under_load_and_rejoining() throws Exception {
        Path data = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "galera-servers"); // the servers' logs stay
        try (GaleraCluster cluster = GaleraCluster.start(Path.of("target", "galera"), 3, "chatlog")) {
            cluster.admin(0, "GRANT ALL ON chatlog_shop.* TO '" + GaleraCluster.USER + "'@'127.0.0.1'");
            String failover = "jdbc:mysql://127.0.0.1:" + cluster.node(2).port() + ",127.0.0.1:" + cluster.node(3).port() + "/chatlog";
            List<ServerProcess> servers = new ArrayList<>();
            try {
                // the three start together on the empty cluster: one migrates and seeds, each defines the same budget and
                // alert rules, the others wait or find them there
                List<java.util.concurrent.CompletableFuture<ServerProcess>> starting = new ArrayList<>();
                String[][] targets = {{"a", cluster.node(1).jdbcUrl("chatlog")}, {"b", failover}, {"c", cluster.node(3).jdbcUrl("chatlog")}};
                for (String[] t : targets) {
                    starting.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                        try {
                            return ServerProcess.start(data.resolve(t[0]), env(t[1]), 240);
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }));
                }
                List<String> failed = new ArrayList<>();
                for (var f : starting) {
                    try {
                        servers.add(f.join());
                    } catch (java.util.concurrent.CompletionException e) {
                        failed.add(e.getCause().getMessage());
                    }
                }
                assertEquals(List.of(), failed, "three servers starting together on the empty cluster");
                ServerProcess b = servers.get(1);
                assertEquals("node2", AcknowledgedTurnsTest.health(b).at("/database_node/name").asText(), "B starts on the URL's first host");
                List<ChatLoad> loads = new ArrayList<>();
                for (ServerProcess s : servers) loads.add(new ChatLoad(s.baseUrl()).start(3, 0, Duration.ofSeconds(120)));
                Thread.sleep(5_000);
                cluster.node(2).kill();
                long killed = System.nanoTime();
                Set<String> bSaw = new LinkedHashSet<>();
                long writtenAt5s = -1;
                JsonNode h = null;
                while (System.nanoTime() - killed < 20_000_000_000L) {
                    h = AcknowledgedTurnsTest.health(b);
                    bSaw.add(h.get("status").asText() + " on " + h.at("/database_node/name").asText());
                    if (writtenAt5s < 0 && System.nanoTime() - killed > 5_000_000_000L) writtenAt5s = h.at("/logger/written").asLong();
                    Thread.sleep(500);
                }
                long bWrittenWhileDown = h.at("/logger/written").asLong() - writtenAt5s;
                String bLastError = h.at("/logger/lastError").asText();
                cluster.node(2).restart(); // rejoins by IST or SST, then Synced
                Thread.sleep(5_000);
                for (ChatLoad l : loads) l.stop();
                List<ChatLoad.Turn> acknowledged = new ArrayList<>();
                for (ChatLoad l : loads) acknowledged.addAll(l.join().acknowledged());
                for (ServerProcess s : servers) AcknowledgedTurnsTest.awaitBacklogShipped(s);
                for (ServerProcess s : servers) awaitAllWritten(s);
                for (ServerProcess s : servers) {
                    JsonNode logger = AcknowledgedTurnsTest.health(s).get("logger");
                    System.out.println("galera: " + s.log() + " logger " + logger);
                    assertEquals(0, logger.get("rejected").asLong() + logger.get("lost").asLong() + logger.get("dropped").asLong(), logger.toString());
                }
                System.out.println("galera: the clients' first failures: " + loads.stream().flatMap(l -> l.failureSamples().stream()).toList());
                System.out.printf("galera: %d turns acknowledged by A/B/C = %d/%d/%d; B's health while node 2 was down: %s; "
                                + "B wrote %d records from 5 s to 20 s after the kill (last error: %s)%n",
                        acknowledged.size(), loads.get(0).acknowledged().size(), loads.get(1).acknowledged().size(),
                        loads.get(2).acknowledged().size(), bSaw, bWrittenWhileDown, bLastError);
                assertTrue(loads.get(1).acknowledged().size() > 0, "B answered");
                assertTrue(bWrittenWhileDown > 0, "B kept writing on node 3 while node 2 was down; its last error: " + bLastError);
                assertTrue(bSaw.stream().anyMatch(s -> s.endsWith("node3")), "B moved to node 3: " + bSaw);
                long refusals = loads.stream().mapToLong(ChatLoad::refused).sum();
                assertTrue(refusals > 0, "the day budget ran out during the test (else its limit was not tried across nodes): "
                        + loads.stream().flatMap(l -> l.failureSamples().stream()).toList());
                for (int n = 1; n <= 3; n++) {
                    try (Database db = Database.open(new DatabaseConfig(cluster.node(n).jdbcUrl("chatlog") + "?sessionVariables=wsrep_sync_wait=1",
                            GaleraCluster.USER, GaleraCluster.PASSWORD), 2)) {
                        Map<String, Long> stored = AcknowledgedTurnsTest.storedTurns(db);
                        List<String> wrong = new ArrayList<>();
                        for (ChatLoad.Turn turn : acknowledged) {
                            Long count = stored.get(turn.conversationId() + " " + turn.messageId());
                            if (count == null || count != 1) wrong.add(turn + " stored " + count + " times");
                        }
                        assertEquals(List.of(), wrong, "node " + n + ": acknowledged turns not stored exactly once");
                        ConsistencyCheck check = new ConsistencyCheck(db.jdbi());
                        assertEquals(List.of(), check.mismatches(), "node " + n);
                        assertEquals(List.of(), check.rollupMismatches(), "node " + n);
                        assertEquals(0, AcknowledgedTurnsTest.callsWithoutMessage(db), "node " + n);
                        // admissions raced on three nodes (three JVMs), through a node's death: never over the limit
                        Map<String, Object> w = db.jdbi().withHandle(hd -> hd.createQuery(
                                "SELECT spent, reserved FROM chatbot_budget_windows WHERE budget_name = 'daily'").mapToMap().one());
                        if (n == 1) System.out.printf("galera budget: limit 0.05, window %s, turns refused: %d%n", w, refusals);
                        assertTrue(((java.math.BigDecimal) w.get("spent")).compareTo(new java.math.BigDecimal("0.05")) <= 0, "node " + n + ": " + w);
                        assertEquals(0, ((java.math.BigDecimal) w.get("reserved")).signum(), "node " + n + ": every reservation settled " + w);
                        assertEquals(List.of(), new dev.chatlog.budgets.BudgetLedger(db.jdbi()).audit(), "node " + n);
                    }
                }
            } finally {
                for (ServerProcess s : servers) s.close();
            }
        }
    }

    /** Until every record the server accepted is written (a batch may be waiting to be tried again after a failover). */
    private static void awaitAllWritten(ServerProcess server) throws Exception {
        long until = System.nanoTime() + 120_000_000_000L;
        JsonNode logger = null;
        while (System.nanoTime() < until) {
            logger = AcknowledgedTurnsTest.health(server).get("logger");
            if (logger.get("written").asLong() + logger.get("rejected").asLong() >= logger.get("accepted").asLong()) return;
            Thread.sleep(200);
        }
        throw new AssertionError("not every accepted record was written within 120 s: " + logger);
    }

    private static Map<String, String> env(String url) {
        return Map.of("CHATLOG_DB_URL", url, "CHATLOG_DB_USER", GaleraCluster.USER, "CHATLOG_DB_PASSWORD", GaleraCluster.PASSWORD,
                "CHATLOG_BUDGETS", "{\"daily\": {\"scope\": \"global\", \"period\": \"day\", \"limit_usd\": 0.05, \"action\": \"enforce\"}}");
    }
}
