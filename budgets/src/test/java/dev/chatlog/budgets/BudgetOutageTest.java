package dev.chatlog.budgets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.core.ChatContext;
import dev.chatlog.budgets.Budget;
import dev.chatlog.core.budget.BudgetGate;
import dev.chatlog.budgets.BudgetPeriod;
import dev.chatlog.core.budget.BudgetSubject;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.DatabaseConfig;
import dev.chatlog.sql.TcpProxy;
import dev.chatlog.sql.TestDatabase;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A budget settlement across a database blip: the connection is cut when the call ends, the real cost still lands, once. */
class BudgetOutageTest {

    @Test
    void should_write_a_settlement_that_failed_on_a_connection_blip_once_the_database_is_back() throws Exception {
        DatabaseConfig direct = TestDatabase.freshSchema();
        try (Database db = Database.open(direct, 2)) {
            int port = URI.create(direct.jdbcUrl().substring("jdbc:".length())).getPort();
            try (TcpProxy proxy = new TcpProxy(port);
                 Database viaProxy = Database.open(new DatabaseConfig(direct.jdbcUrl().replace(":" + port + "/", ":" + proxy.port() + "/"),
                         direct.user(), direct.password()), 2)) {
                Budget b = new Budget("blip", Budget.Scope.GLOBAL, null, BudgetPeriod.DAY, ZoneOffset.UTC, BigDecimal.ONE, null,
                        Budget.Action.ENFORCE);
                new BudgetDefinitions(db.jdbi()).put(b);
                JdbcBudgetGate gate = JdbcBudgetGate.builder(viaProxy.jdbi()).refresh(Duration.ofMillis(200)).lease(Duration.ofSeconds(3))
                        .build();
                try {
                    gate.refresh();
                    BudgetGate.Hold hold = gate.reserve(BudgetSubject.of(ChatContext.EMPTY, "gpt-4o-mini"), new BigDecimal("0.01"));
                    proxy.cut(); // the call ends during a blip of the database
                    hold.settle(new BigDecimal("0.004")); // never throws: the settlement is kept
                    Thread.sleep(4_000); // past the lease: a settlement dropped here would have let the reservation lapse
                    proxy.restore();
                    BudgetLedger ledger = new BudgetLedger(db.jdbi());
                    long until = System.nanoTime() + 30_000_000_000L;
                    while (ledger.window(b, Instant.now()).reserved().signum() != 0 && System.nanoTime() < until) Thread.sleep(100);
                    BudgetLedger.WindowState w = ledger.window(b, Instant.now());
                    assertEquals(0, w.reserved().signum(), w.toString());
                    assertEquals(0, new BigDecimal("0.004").compareTo(w.spent()), "the real cost landed once the database was back: " + w);
                    assertEquals(List.of("settled"), db.jdbi().withHandle(h -> h.createQuery(
                            "SELECT state FROM chatbot_budget_reservations").mapTo(String.class).list()));
                    assertEquals(List.of(), ledger.audit());
                } finally {
                    gate.close();
                }
            }
        }
    }
}
