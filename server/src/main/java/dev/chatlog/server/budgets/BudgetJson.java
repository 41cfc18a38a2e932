package dev.chatlog.server.budgets;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatlog.core.InvalidDefinitionException;
import dev.chatlog.budgets.Budget;
import dev.chatlog.budgets.BudgetParser;
import dev.chatlog.budgets.BudgetStatus;
import dev.chatlog.server.web.ApiError;
import dev.chatlog.budgets.BudgetLedger;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A budget as JSON, both ways: the definition a {@code PUT} (or {@code CHATLOG_BUDGETS}) gives,
 * checked field by field so a bad one is named, and the status the routes answer.
 */
final class BudgetJson {

    private BudgetJson() {}

    /** The budget {@code name} defined by {@code body}; a 400 naming the first field that is wrong. */
    public static Budget parse(String name, JsonNode body) {
        try {
            return BudgetParser.parse(name, body);
        } catch (InvalidDefinitionException e) {
            throw ApiError.badRequest(e.getMessage(), e.field());
        }
    }

    /** {@code name} when it can name a budget; a 400 naming the field otherwise. */
    public static String checkedName(String name) {
        try {
            return BudgetParser.checkedName(name);
        } catch (InvalidDefinitionException e) {
            throw ApiError.badRequest(e.getMessage(), e.field());
        }
    }

    /** Budgets from {@code CHATLOG_BUDGETS} or its file: a JSON object of name to definition. */
    public static List<Budget> parseAll(JsonNode all, String source) {
        return BudgetParser.parseAll(all, source);
    }

    /** The definition as the routes show it. */
    public static Map<String, Object> definition(Budget b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", b.name());
        m.put("scope", lower(b.scope()));
        m.put("value", b.scope() == Budget.Scope.GLOBAL ? null : b.value());
        m.put("period", lower(b.period()));
        m.put("zone", b.zone().getId());
        m.put("limit_usd", b.limitUsd());
        m.put("warn_at", b.warnAt());
        m.put("action", lower(b.action()));
        return m;
    }

    /** A budget and its current window. */
    public static Map<String, Object> status(BudgetStatus s) {
        Map<String, Object> m = definition(s.budget());
        m.put("window", window(s.window().index(), s.window().start(), s.window().end()));
        m.put("spent", s.spent());
        m.put("reserved", s.reserved());
        m.put("remaining", s.remaining());
        m.put("percent", s.percent());
        m.put("projected", s.projected());
        m.put("projected_to_exceed", s.projectedToExceed());
        m.put("state", lower(s.state()));
        m.put("resets_at", s.window().end().toString());
        return m;
    }

    /** A past (or current) window's counters. */
    public static Map<String, Object> window(BudgetLedger.WindowState w, BigDecimal limit) {
        Map<String, Object> m = window(w.index(), w.start(), w.end());
        m.put("spent", w.spent());
        m.put("reserved", w.reserved());
        m.put("percent", w.spent().multiply(BigDecimal.valueOf(100)).divide(limit, 2, java.math.RoundingMode.HALF_UP));
        return m;
    }

    private static Map<String, Object> window(long index, java.time.Instant start, java.time.Instant end) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("index", index);
        m.put("start", start.toString());
        m.put("end", end.toString());
        return m;
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}
