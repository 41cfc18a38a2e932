package dev.chatlog.sql.cluster;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;

/**
 * The database server a connection of the pool is talking to now, as {@code /health} names it: on a Galera cluster the
 * node's name and its state in the cluster (a node that is not Synced, or not in the primary component, is serving
 * behind or not at all); elsewhere the server's host and port (not its version: {@code /health} is open to anyone who
 * reaches the port). Read with three cheap statements that need no privilege.
 */
public record DatabaseNode(String name, boolean readOnly, Galera galera) {

    /** A Galera node's view: its local state (Synced, Donor/Desynced, Joined...), the cluster's size and status. */
    public record Galera(String state, int clusterSize, String clusterStatus, boolean ready) {}

    public static DatabaseNode read(Handle h) {
        Map<String, Object> server = h.createQuery("SELECT @@hostname host, @@port port, @@read_only ro").mapToMap().one();
        String address = server.get("host") + ":" + server.get("port");
        // a server set read-only, or a connection the driver made read-only (Connector/J's failover to a secondary host)
        boolean readOnly = ((Number) server.get("ro")).intValue() != 0 || readOnlyConnection(h);
        Map<String, String> vars = pairs(h, "SHOW VARIABLES WHERE Variable_name IN ('wsrep_on', 'wsrep_node_name')");
        if (!"ON".equalsIgnoreCase(vars.get("wsrep_on"))) {
            return new DatabaseNode(address, readOnly, null);
        }
        Map<String, String> status = pairs(h, "SHOW STATUS WHERE Variable_name IN "
                + "('wsrep_local_state_comment', 'wsrep_cluster_size', 'wsrep_cluster_status', 'wsrep_ready')");
        Galera g = new Galera(status.getOrDefault("wsrep_local_state_comment", "unknown"),
                Integer.parseInt(status.getOrDefault("wsrep_cluster_size", "0")), status.getOrDefault("wsrep_cluster_status", "unknown"),
                "ON".equalsIgnoreCase(status.get("wsrep_ready")));
        String name = vars.get("wsrep_node_name");
        return new DatabaseNode(name == null || name.isBlank() ? address : name, readOnly, g);
    }

    private static boolean readOnlyConnection(Handle h) {
        try {
            return h.getConnection().isReadOnly();
        } catch (java.sql.SQLException e) {
            return false;
        }
    }

    private static Map<String, String> pairs(Handle h, String sql) {
        Map<String, String> out = new LinkedHashMap<>();
        h.createQuery(sql).map((rs, ctx) -> out.put(rs.getString(1).toLowerCase(java.util.Locale.ROOT), rs.getString(2))).list();
        return out;
    }

    /** Why this node serves chatlog less than fully (empty when it does): for {@code /health}'s reasons. */
    public List<String> problems() {
        List<String> out = new ArrayList<>();
        if (readOnly) out.add("database node " + name + " takes no writes (read-only): records wait in the spool");
        if (galera == null) return out;
        if (!galera.ready() || !"Primary".equalsIgnoreCase(galera.clusterStatus())) {
            out.add("database node " + name + " is not in the cluster's primary component (" + galera.clusterStatus() + ")");
        } else if (!"Synced".equalsIgnoreCase(galera.state())) {
            out.add("database node " + name + " is " + galera.state() + ", not Synced");
        }
        return out;
    }

    /** The JSON shape of {@code /health}'s {@code database_node}. */
    public Map<String, Object> toMap() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", name);
        out.put("read_only", readOnly);
        if (galera != null) {
            Map<String, Object> g = new LinkedHashMap<>();
            g.put("state", galera.state());
            g.put("cluster_size", galera.clusterSize());
            g.put("cluster_status", galera.clusterStatus());
            g.put("ready", galera.ready());
            out.put("galera", g);
        }
        return out;
    }
}
