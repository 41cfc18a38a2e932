package dev.chatlog.budgets;

import dev.chatlog.budgets.Budget;
import dev.chatlog.budgets.BudgetPeriod;
import java.math.BigDecimal;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;

/**
 * The budgets' definitions ({@code chatbot_budgets}), shared by every instance on the database.
 * A budget's name keeps its period for good: its windows are counted by the period's index, so
 * {@link #put} refuses to change the period of a name that has one (deleted names included);
 * a budget deleted and defined again under its name keeps the current window's spend.
 */
public final class BudgetDefinitions {
    private final Jdbi jdbi;

    public BudgetDefinitions(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** The name was defined with another period before: windows of two periods cannot share a name. */
    public static final class PeriodChange extends RuntimeException {
        PeriodChange(String name, BudgetPeriod was, BudgetPeriod asked) {
            super("budget '" + name + "' counts " + lower(was) + " windows; its period cannot become " + lower(asked)
                    + ": define a budget with another name", null, false, false);
        }
    }

    /** Creates or replaces {@code b}; true when it was not defined (or was deleted) before. */
    public boolean put(Budget b) {
        return dev.chatlog.sql.SqlFailures.retryingLockConflicts(() -> jdbi.inTransaction(TransactionIsolationLevel.READ_COMMITTED, h -> {
            Optional<Row> was = h.createQuery("SELECT period, deleted_at IS NOT NULL FROM chatbot_budgets WHERE name = :n FOR UPDATE")
                    .bind("n", b.name()).map((rs, ctx) -> new Row(rs.getString(1), rs.getBoolean(2))).findOne();
            if (was.isPresent() && !was.get().period().equalsIgnoreCase(b.period().name())) {
                throw new PeriodChange(b.name(), BudgetPeriod.parse(was.get().period()), b.period());
            }
            h.createUpdate("""
                    INSERT INTO chatbot_budgets (name, scope, scope_value, period, zone, limit_usd, warn_at, action, deleted_at)
                    VALUES (:n, :scope, :value, :period, :zone, :limit, :warn, :action, NULL)
                    ON DUPLICATE KEY UPDATE scope = VALUES(scope), scope_value = VALUES(scope_value), zone = VALUES(zone),
                        limit_usd = VALUES(limit_usd), warn_at = VALUES(warn_at), action = VALUES(action), deleted_at = NULL""")
                    .bind("n", b.name()).bind("scope", lower(b.scope())).bind("value", b.value()).bind("period", lower(b.period()))
                    .bind("zone", b.zone().getId()).bind("limit", b.limitUsd())
                    .bind("warn", b.warnAt().stream().map(BigDecimal::toPlainString).collect(Collectors.joining(",")))
                    .bind("action", lower(b.action())).execute();
            return was.isEmpty() || was.get().deleted();
        }));
    }

    private record Row(String period, boolean deleted) {}

    /** Deletes the budget (its windows and ledger stay); false when there was none. */
    public boolean delete(String name) {
        return jdbi.withHandle(h -> h.createUpdate("UPDATE chatbot_budgets SET deleted_at = CURRENT_TIMESTAMP(3) "
                + "WHERE name = :n AND deleted_at IS NULL").bind("n", name).execute() > 0);
    }

    public Optional<Budget> get(String name) {
        return jdbi.withHandle(h -> select(h, " AND name = :n").bind("n", name).map((rs, ctx) -> budget(rs)).findOne());
    }

    /** Every budget in force, by name. */
    public List<Budget> list() {
        return jdbi.withHandle(h -> select(h, " ORDER BY name").map((rs, ctx) -> budget(rs)).list());
    }

    private static org.jdbi.v3.core.statement.Query select(Handle h, String rest) {
        return h.createQuery("SELECT name, scope, scope_value, period, zone, limit_usd, warn_at, action FROM chatbot_budgets "
                + "WHERE deleted_at IS NULL" + rest);
    }

    private static Budget budget(java.sql.ResultSet rs) throws java.sql.SQLException {
        List<BigDecimal> warn = Arrays.stream(rs.getString(7).split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .map(BigDecimal::new).toList();
        return new Budget(rs.getString(1), Budget.Scope.parse(rs.getString(2)), rs.getString(3), BudgetPeriod.parse(rs.getString(4)),
                ZoneId.of(rs.getString(5)), rs.getBigDecimal(6).stripTrailingZeros(), warn, Budget.Action.parse(rs.getString(8)));
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(java.util.Locale.ROOT);
    }
}
