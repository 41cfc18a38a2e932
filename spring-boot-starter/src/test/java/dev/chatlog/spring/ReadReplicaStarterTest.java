package dev.chatlog.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.sql.ReadReplica;
import dev.chatlog.sql.SystemMariaDb;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code chatlog.datasource.read.*} in a Spring Boot application, on a real primary and replica (two MariaDB 10.11
 * servers, MariaDB replication): the read side's pool reads the replica, the health indicator reports its lag, and a
 * replica held behind past {@code max-lag-seconds} is reported (the application stays up).
 */
@Tag("slow")
class ReadReplicaStarterTest {

    @Test
    void should_read_the_replica_and_report_its_lag_in_the_health_indicator() throws Exception {
        try (SystemMariaDb primary = SystemMariaDb.startPrimary(Path.of("target", "replication"));
             SystemMariaDb replica = SystemMariaDb.startReplicaOf(Path.of("target", "replication"), primary)) {
            primary.admin("CREATE DATABASE app");
            new ApplicationContextRunner()
                    .withConfiguration(AutoConfigurations.of(ChatlogAutoConfiguration.class))
                    .withPropertyValues("chatlog.datasource.url=" + primary.jdbcUrl("app"),
                            "chatlog.datasource.username=" + SystemMariaDb.ADMIN, "chatlog.datasource.password=" + SystemMariaDb.ADMIN_PASSWORD,
                            "chatlog.datasource.read.url=" + replica.jdbcUrl("app"), "chatlog.datasource.read.max-lag-seconds=2",
                            "chatlog.attach.chat-models=false")
                    .run(ctx -> {
                        ReadReplica reads = ctx.getBean(ReadReplica.class);
                        assertEquals(Integer.valueOf(2), reads.jdbi().withHandle(h -> h.createQuery("SELECT @@server_id").mapTo(Integer.class).one()),
                                "the read side reads the replica");
                        ChatlogHealthIndicator indicator = ctx.getBean(ChatlogHealthIndicator.class);
                        Health ok = await(indicator, h -> h.getDetails().get("readReplica") instanceof Map<?, ?> m
                                && m.get("lag_seconds") instanceof Double d && d < 2);
                        assertEquals(Status.UP, ok.getStatus());
                        replica.stopReplication();
                        Health behind = await(indicator, h -> String.valueOf(h.getDetails().get("reasons")).contains("read replica"));
                        assertEquals(Status.UP, behind.getStatus(), "a lagging replica is reported, the application stays up");
                        assertEquals("degraded", behind.getDetails().get("status"), behind.toString());
                        replica.startReplication();
                        Health caughtUp = await(indicator, h -> "ok".equals(h.getDetails().get("status")));
                        assertTrue(caughtUp.getDetails().containsKey("readReplica"), caughtUp.toString());
                    });
        }
    }

    private static Health await(ChatlogHealthIndicator indicator, java.util.function.Predicate<Health> ok) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        Health last = null;
        while (System.nanoTime() < deadline) {
            last = indicator.health();
            if (ok.test(last)) return last;
            Thread.sleep(250);
        }
        throw new AssertionError("not within 60 s: " + last);
    }
}
