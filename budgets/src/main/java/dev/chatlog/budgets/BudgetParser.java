package dev.chatlog.budgets;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatlog.core.InvalidDefinitionException;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Budget definitions as JSON (the {@code PUT} body's shape; {@code CHATLOG_BUDGETS} and the starter's
 * {@code chatlog.budgets.definitions} hold an object of name to definition), checked field by field so a bad one is
 * named: one parser for the server's routes, its environment and the Spring Boot starter.
 */
public final class BudgetParser {
    private static final Set<String> FIELDS = Set.of("scope", "value", "period", "zone", "limit_usd", "warn_at", "action");

    private BudgetParser() {}

    private static InvalidDefinitionException invalid(String message, String field) {
        return new InvalidDefinitionException(field, message);
    }

    /** The budget {@code name} defined by {@code body}; an InvalidDefinitionException naming the first field that is wrong. */
    public static Budget parse(String name, JsonNode body) {
        checkedName(name);
        if (body == null || !body.isObject()) {
            throw invalid("a budget is a JSON object like {\"scope\": \"user\", \"value\": \"alice\", \"period\": \"day\", "
                    + "\"limit_usd\": 1.5, \"action\": \"enforce\"}", null);
        }
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) throw invalid("unknown field " + f + " (known: " + String.join(", ", sorted(FIELDS)) + ")", f);
        }
        Budget.Scope scope = enumField(body, "scope", true, Budget.Scope::parse);
        String value = null;
        JsonNode v = body.get("value");
        if (scope == Budget.Scope.GLOBAL) {
            if (v != null && !v.isNull() && !(v.isTextual() && v.asText().isEmpty())) {
                throw invalid("a global budget takes no value", "value");
            }
        } else {
            if (v == null || v.isNull()) throw invalid("value is required for a " + lower(scope) + " budget (the "
                    + lower(scope) + " it is for)", "value");
            if (!v.isTextual() || v.asText().isBlank() || v.asText().length() > 255) {
                throw invalid("value must be a string of 1 to 255 characters", "value");
            }
            value = v.asText();
        }
        BudgetPeriod period = enumField(body, "period", true, BudgetPeriod::parse);
        ZoneId zone = null; // Budget's default: UTC
        JsonNode z = body.get("zone");
        if (z != null && !z.isNull()) {
            if (!z.isTextual()) throw invalid("zone must be a time zone id such as Europe/Paris", "zone");
            try {
                zone = ZoneId.of(z.asText().trim());
            } catch (DateTimeException e) {
                throw invalid("zone must be a time zone id such as Europe/Paris or UTC, got '" + z.asText() + "'", "zone");
            }
        }
        JsonNode l = body.get("limit_usd");
        if (l == null || l.isNull()) throw invalid("limit_usd is required (USD per period)", "limit_usd");
        if (!l.isNumber()) throw invalid("limit_usd must be a number", "limit_usd");
        BigDecimal limit = l.decimalValue();
        if (limit.signum() <= 0 || limit.compareTo(new BigDecimal("1000000000")) > 0 || limit.scale() > 10) {
            throw invalid("limit_usd must be more than 0 and at most 1,000,000,000, with at most 10 decimals", "limit_usd");
        }
        List<BigDecimal> warn = new ArrayList<>();
        JsonNode w = body.get("warn_at");
        if (w != null && !w.isNull()) {
            List<JsonNode> items = new ArrayList<>();
            if (w.isArray()) w.forEach(items::add);
            else items.add(w);
            if (items.isEmpty() || items.size() > 10) throw invalid("warn_at holds 1 to 10 fractions of the limit", "warn_at");
            for (JsonNode t : items) {
                if (!t.isNumber() || t.decimalValue().signum() <= 0 || t.decimalValue().compareTo(BigDecimal.ONE) >= 0
                        || t.decimalValue().scale() > 4) {
                    throw invalid("warn_at values are fractions of the limit between 0 and 1 such as 0.8, got " + t, "warn_at");
                }
                warn.add(t.decimalValue());
            }
        }
        Budget.Action action = body.hasNonNull("action") ? enumField(body, "action", true, Budget.Action::parse) : Budget.Action.ALERT;
        try {
            return new Budget(name, scope, value, period, zone, limit, warn, action);
        } catch (InvalidDefinitionException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage(), null);
        }
    }

    /** {@code name} when it can name a budget; an InvalidDefinitionException otherwise. */
    public static String checkedName(String name) {
        if (!Budget.validName(name)) throw invalid("a budget name is 1 to 100 of letters, digits and . _ : -", "name");
        return name;
    }

    /** Budgets from {@code CHATLOG_BUDGETS} or its file: a JSON object of name to definition. */
    public static List<Budget> parseAll(JsonNode all, String source) {
        if (all == null || !all.isObject()) {
            throw new IllegalArgumentException(source + " must be a JSON object of budget name to definition, such as "
                    + "{\"daily\": {\"scope\": \"global\", \"period\": \"day\", \"limit_usd\": 25, \"action\": \"enforce\"}}");
        }
        List<Budget> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = all.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            try {
                out.add(parse(e.getKey(), e.getValue()));
            } catch (InvalidDefinitionException bad) {
                throw new IllegalArgumentException(source + ": budget '" + e.getKey() + "'" + (bad.field() == null ? "" : ", field "
                        + bad.field()) + ": " + bad.getMessage());
            }
        }
        return out;
    }

    private static <T> T enumField(JsonNode body, String field, boolean required, Parser<T> parser) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            if (required) throw invalid(field + " is required", field);
            return null;
        }
        if (!n.isTextual()) throw invalid(field + " must be a string", field);
        try {
            return parser.parse(n.asText());
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage(), field);
        }
    }

    private interface Parser<T> {
        T parse(String s);
    }

    private static List<String> sorted(Set<String> s) {
        return s.stream().sorted().toList();
    }

    static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}
