package dev.chatlog.budgets;

import dev.chatlog.sql.Database;
import dev.chatlog.sql.GaleraCluster;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Admissions racing across the three nodes of a real Galera cluster: each node checks the headroom against its own copy
 * of the window's row, and the cluster's certification lets one of two concurrent updates of that row commit (the
 * other gets 1213 and is tried again on what the first left), so the limit holds across nodes as on one server.
 */
@Tag("slow")
class BudgetGaleraTest {

    @Test
    void should_never_pass_the_limit_with_admissions_racing_on_three_nodes() throws Exception {
        try (GaleraCluster cluster = GaleraCluster.start(Path.of("target", "galera"), 3, "chatlog")) {
            List<Database> instances = new ArrayList<>();
            try {
                for (int n = 1; n <= 3; n++) instances.add(Database.open(cluster.config(n, "chatlog"), 6));
                BudgetLedgerTest.raceOnOneBudget(instances, 8);
            } finally {
                instances.forEach(Database::close);
            }
        }
    }
}
