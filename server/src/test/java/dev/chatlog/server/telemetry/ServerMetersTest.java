package dev.chatlog.server.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.core.ChatLogger;
import dev.chatlog.budgets.Budget;
import dev.chatlog.budgets.BudgetPeriod;
import dev.chatlog.budgets.BudgetStatus;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The budget gauges in the Prometheus scrape: they come and go with their budgets, and their number is bounded. */
class ServerMetersTest {
    private static BudgetStatus status(String name) {
        Budget b = new Budget(name, Budget.Scope.USER, name, BudgetPeriod.DAY, ZoneOffset.UTC, new BigDecimal("5"), null,
                Budget.Action.ENFORCE);
        Instant now = Instant.now();
        return BudgetStatus.of(b, b.period().window(now, b.zone()), new BigDecimal("1"), BigDecimal.ZERO, now);
    }

    private static long budgetSeries(String scrape) {
        return scrape.lines().filter(l -> l.startsWith("chatlog_budget_limit_usd{")).count();
    }

    @Test
    void should_remove_a_deleted_budgets_gauges_and_bound_their_number() {
        try (ChatLogger logger = ChatLogger.builder(batch -> { }).build(); ServerMeters meters = new ServerMeters(logger, Map.of())) {
            meters.budgets(List.of(status("daily"), status("per-user-alice")));
            assertTrue(meters.scrape().contains("chatlog_budget_limit_usd{budget=\"per-user-alice\"} 5.0"), meters.scrape());
            meters.budgets(List.of(status("daily"))); // alice's budget was deleted
            String after = meters.scrape();
            assertFalse(after.contains("per-user-alice"), "a deleted budget leaves no series (not even NaN): " + after);
            assertTrue(after.contains("chatlog_budget_limit_usd{budget=\"daily\"} 5.0"), after);
            List<BudgetStatus> many = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) many.add(status("user-" + i)); // budgets made per user through the API
            meters.budgets(many);
            assertEquals(ServerMeters.MAX_BUDGET_GAUGES, budgetSeries(meters.scrape()));
        }
    }
}
