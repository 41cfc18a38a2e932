package dev.chatlog.spring;

import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.HealthReport;
import dev.chatlog.core.LoggerStats;
import dev.chatlog.sql.Database;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;

/**
 * {@code /actuator/health/chatlog}: the database, the queue and the spool, judged as the server's
 * {@code /health} judges them ({@link HealthReport}): DOWN when the database is unreachable or
 * records were dropped or lost in the last minute; UP with the reasons when only behind.
 */
public class ChatlogHealthIndicator extends AbstractHealthIndicator {
    private final ChatLogger logger;
    private final Database database;
    private final int queueCapacity;
    private final dev.chatlog.sql.ReadReplica replica; // null without chatlog.datasource.read.url

    public ChatlogHealthIndicator(ChatLogger logger, Database database, dev.chatlog.sql.ReadReplica replica, int queueCapacity) {
        super("chatlog health check failed");
        this.logger = logger;
        this.database = database;
        this.replica = replica;
        this.queueCapacity = queueCapacity;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        var node = database.probe(java.time.Duration.ofSeconds(3)); // bounded, as the server's /health
        boolean up = node.isPresent();
        LoggerStats s = logger.stats();
        HealthReport r = HealthReport.of(up, s, new HealthReport.Thresholds(20_000, 30, queueCapacity))
                .with(node.map(dev.chatlog.sql.cluster.DatabaseNode::problems).orElse(java.util.List.of()));
        dev.chatlog.sql.ReadReplica.Lag lag = replica == null ? null : replica.lag();
        if (lag != null) {
            r = r.with(lag.problems(replica.settings().maxLagSeconds()));
            builder.withDetail("readReplica", lag.toMap(replica.url()));
        }
        (r.httpStatus() >= 500 ? builder.down() : builder.up())
                .withDetail("status", r.status())
                .withDetail("reasons", r.reasons())
                .withDetail("database", up ? "up" : "down")
                .withDetail("databaseNode", node.map(dev.chatlog.sql.cluster.DatabaseNode::toMap).orElse(java.util.Map.of()))
                .withDetail("queueDepth", s.queueDepth())
                .withDetail("accepted", s.accepted())
                .withDetail("written", s.written())
                .withDetail("dropped", s.dropped())
                .withDetail("lost", s.lost())
                .withDetail("spoolPendingBytes", s.spoolPendingBytes());
    }
}
