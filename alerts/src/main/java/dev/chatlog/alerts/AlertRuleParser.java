package dev.chatlog.alerts;

import dev.chatlog.budgets.BudgetParser;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Alert rule definitions as JSON (the {@code PUT} body's shape; {@code CHATLOG_ALERT_RULES} and the starter's
 * {@code chatlog.alerts.rules} hold an object of name to definition), checked field by field so a bad one is named
 * ({@link AlertRule.Invalid}); the counterpart of {@code BudgetParser}.
 */
public final class AlertRuleParser {
    private static final Set<String> FIELDS = Set.of("kind", "severity", "window", "by", "match", "metric", "stat", "alert_above",
            "warn_above", "min_calls", "baseline", "suppress", "digest", "channels", "enabled", "alert_below");
    private static final Set<String> STATS = Set.of("max", "avg", "p50", "p90", "p95", "p99");

    /** The longest quality_drop window: scores come slower than calls. */
    static final Duration QUALITY_MAX_WINDOW = Duration.ofDays(7);

    private AlertRuleParser() {}

    /** The rule {@code name} as {@code body} defines it; {@link Invalid} naming the first wrong field. */
    public static AlertRule parse(String name, JsonNode body) {
        if (!AlertRule.validName(name)) throw new AlertRule.Invalid("name", "a rule name is 1 to 100 of letters, digits and . _ : -");
        if (body == null || !body.isObject()) {
            throw new AlertRule.Invalid(null, "a rule is a JSON object like {\"kind\": \"slow_calls\", \"window\": \"5m\", \"alert_above\": 8000}");
        }
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) throw new AlertRule.Invalid(f, "unknown field " + f + " (known: " + String.join(", ", new TreeSet<>(FIELDS)) + ")");
        }
        AlertKind kind = choice(body, "kind", null, AlertKind.values(), AlertKind::label);
        if (kind == null) throw new AlertRule.Invalid("kind", "kind is required: one of " + labels(AlertKind.values(), AlertKind::label));
        Severity severity = choice(body, "severity", Severity.WARNING, Severity.values(), Severity::label);
        boolean quality = kind == AlertKind.QUALITY_DROP;
        Duration window = duration(body, "window", kind == AlertKind.COST_SPIKE ? Duration.ofHours(1) : quality ? Duration.ofHours(24) : Duration.ofMinutes(5));
        if (quality) { // scores roll up by the hour
            if (window.compareTo(Duration.ofHours(1)) < 0 || window.compareTo(QUALITY_MAX_WINDOW) > 0 || window.toSeconds() % 3600 != 0) {
                throw new AlertRule.Invalid("window", "a quality_drop window is whole hours from 1h to 7d, got " + text(body, "window"));
            }
        } else if (window.compareTo(Duration.ofMinutes(1)) < 0 || window.compareTo(AlertRule.MAX_WINDOW) > 0 || window.toSeconds() % 60 != 0) {
            throw new AlertRule.Invalid("window", "window must be whole minutes from 1m to 24h, got " + text(body, "window"));
        }
        String by = string(body, "by", "all");
        Set<String> bys = switch (kind) {
            case SLOW_CALLS, FAILURE_RATE -> Set.of("all", "model", "function", "tool", "step");
            case TOKEN_USAGE, COST_SPIKE -> Set.of("all", "model", "function");
            case BUDGET -> Set.of("budget");
            case EXPERIMENT -> Set.of("experiment");
            case INSIGHTS -> Set.of("finding");
            case CACHE_MISS_RATE -> Set.of("cache");
            case ERROR_CATEGORY -> Set.of("category");
            case LOGGER_HEALTH -> Set.of("instance");
            case QUALITY_DROP -> Set.of("all", "model", "agent", "function", "chat_mode", "intent");
        };
        if (kind.followsState() || kind == AlertKind.LOGGER_HEALTH || kind == AlertKind.CACHE_MISS_RATE || kind == AlertKind.ERROR_CATEGORY
                || kind == AlertKind.INSIGHTS) {
            if (body.hasNonNull("by") && !bys.contains(by)) throw new AlertRule.Invalid("by", kind.label() + " rules are by " + bys.iterator().next());
            by = bys.iterator().next();
        } else if (!bys.contains(by)) {
            throw new AlertRule.Invalid("by", "by must be one of " + String.join(", ", new TreeSet<>(bys)) + " for " + kind.label() + ", got '" + by + "'");
        }
        JsonNode mv = body.get("match");
        if (mv != null && !mv.isNull() && !mv.isTextual()) throw new AlertRule.Invalid("match", "match must be a string, got " + mv);
        String match = mv == null || mv.isNull() ? null : mv.asText(); // a subject exactly as stored: not trimmed
        if (match != null && (match.isEmpty() || match.length() > 255)) throw new AlertRule.Invalid("match", "match is 1 to 255 characters");
        if (match != null && by.equals("all")) throw new AlertRule.Invalid("match", "match names one model, function, tool or step: set by too");
        if (match != null && kind == AlertKind.ERROR_CATEGORY && dev.chatlog.core.error.ErrorCategory.fromLabel(match).isEmpty()) {
            throw new AlertRule.Invalid("match", "match is an error category: one of " + dev.chatlog.core.error.ErrorCategory.labels() + ", got '" + match + "'");
        }
        String metric = switch (kind) {
            case QUALITY_DROP -> {
                String m = string(body, "metric", null);
                if (m == null || !m.matches("[A-Za-z0-9._:-]{1,100}")) throw new AlertRule.Invalid("metric", "metric is the score's name (helpfulness) for quality_drop");
                yield m;
            }
            case SLOW_CALLS -> oneOf(body, "metric", "duration", Set.of("duration", "ttft"));
            case TOKEN_USAGE -> oneOf(body, "metric", "total", Set.of("total", "input", "output"));
            default -> none(body, "metric", kind);
        };
        if (kind == AlertKind.SLOW_CALLS && metric.equals("ttft") && (by.equals("tool") || by.equals("step"))) {
            throw new AlertRule.Invalid("metric", by + "s have no time to first token: use metric duration with by " + by);
        }
        String stat = switch (kind) {
            case SLOW_CALLS -> oneOf(body, "stat", "max", STATS);
            case TOKEN_USAGE -> oneOf(body, "stat", "max", Set.of("max", "avg"));
            default -> none(body, "stat", kind);
        };
        if (kind == AlertKind.TOKEN_USAGE && stat.equals("max") && !metric.equals("total")) {
            throw new AlertRule.Invalid("stat", "the most tokens of one call is kept for metric total; use stat avg for input or output");
        }
        BigDecimal dfltAlert = switch (kind) {
            case COST_SPIKE -> BigDecimal.valueOf(3);
            case LOGGER_HEALTH -> new BigDecimal("0.9");
            case BUDGET, EXPERIMENT, INSIGHTS -> BigDecimal.ONE;
            default -> null;
        };
        BigDecimal alert = number(body, "alert_above", dfltAlert);
        BigDecimal below = number(body, "alert_below", null);
        if (below != null && !quality) throw new AlertRule.Invalid("alert_below", "alert_below is for quality_drop rules only");
        if (quality && alert == null && below == null) {
            throw new AlertRule.Invalid("alert_above", "a quality_drop rule needs alert_above (a drop below its baseline, in score units) or alert_below (an average)");
        }
        if (quality && alert == null && body.hasNonNull("warn_above")) throw new AlertRule.Invalid("warn_above", "warn_above needs alert_above");
        if (alert == null && !quality) throw new AlertRule.Invalid("alert_above", "alert_above is required for " + kind.label() + " (in " + kind.unit() + ")");
        BigDecimal warn = number(body, "warn_above", kind == AlertKind.LOGGER_HEALTH ? new BigDecimal("0.75") : null);
        if (kind.followsState() && (body.has("alert_above") || body.has("warn_above"))) {
            throw new AlertRule.Invalid(body.has("alert_above") ? "alert_above" : "warn_above", kind == AlertKind.BUDGET
                    ? "budget rules follow the budget's own thresholds (its warn_at and limit): set them on the budget"
                    : "experiment rules follow the experiment's own guardrails: set them on the experiment");
        }
        if (alert != null) switch (kind) {
            case FAILURE_RATE, LOGGER_HEALTH, CACHE_MISS_RATE -> {
                if (alert.signum() <= 0 || alert.compareTo(BigDecimal.ONE) > 0) throw new AlertRule.Invalid("alert_above", "alert_above is a fraction from 0 to 1 for " + kind.label());
            }
            case COST_SPIKE -> {
                if (alert.compareTo(BigDecimal.ONE) <= 0) throw new AlertRule.Invalid("alert_above", "alert_above is the multiple of the baseline, more than 1, such as 3");
            }
            case ERROR_CATEGORY -> { // a count: alert_above 0 alerts on the first failure
                if (alert.signum() < 0 || alert.stripTrailingZeros().scale() > 0) {
                    throw new AlertRule.Invalid("alert_above", "alert_above is a whole number of failed calls (0: alert on the first)");
                }
            }
            default -> {
                if (alert.signum() <= 0) throw new AlertRule.Invalid("alert_above", "alert_above must be more than 0 (" + kind.unit() + ")");
            }
        }
        if (warn != null && alert != null && (warn.signum() <= 0 || warn.compareTo(alert) >= 0)) {
            throw new AlertRule.Invalid("warn_above", "warn_above must be more than 0 and below alert_above (" + alert.toPlainString() + ")");
        }
        long dfltMin = switch (kind) {
            case FAILURE_RATE, CACHE_MISS_RATE, QUALITY_DROP -> 10;
            case COST_SPIKE -> 20;
            default -> 1;
        };
        if (kind == AlertKind.ERROR_CATEGORY && body.hasNonNull("min_calls")) {
            throw new AlertRule.Invalid("min_calls", "min_calls is not for error_category rules: alert_above is already a count of failed calls");
        }
        long minCalls = whole(body, "min_calls", dfltMin, 1, 1_000_000_000L);
        Duration baseline = null;
        if (quality) {
            baseline = duration(body, "baseline", Duration.ofDays(7));
            if (baseline.compareTo(Duration.ofHours(1)) < 0 || baseline.compareTo(Duration.ofDays(30)) > 0 || baseline.toSeconds() % 3600 != 0) {
                throw new AlertRule.Invalid("baseline", "a quality_drop baseline is whole hours from 1h to 30d before the window");
            }
        } else if (kind == AlertKind.COST_SPIKE) {
            baseline = duration(body, "baseline", Duration.ofHours(24));
            if (baseline.compareTo(window) < 0 || baseline.compareTo(AlertRule.MAX_WINDOW) > 0 || baseline.toSeconds() % 60 != 0) {
                throw new AlertRule.Invalid("baseline", "baseline must be whole minutes from the window (" + AlertRule.show(window) + ") to 24h");
            }
        } else if (body.hasNonNull("baseline")) {
            throw new AlertRule.Invalid("baseline", "baseline is for cost_spike and quality_drop rules only");
        }
        Duration suppress = duration(body, "suppress", Duration.ofMinutes(10));
        if (suppress.isNegative() || suppress.compareTo(Duration.ofDays(7)) > 0) throw new AlertRule.Invalid("suppress", "suppress is from 0s to 7d");
        Duration digest = body.hasNonNull("digest") ? duration(body, "digest", null) : null;
        if (digest != null) {
            if (severity == Severity.CRITICAL) throw new AlertRule.Invalid("digest", "critical rules notify at once: a digest is for info and warning");
            if (digest.compareTo(Duration.ofMinutes(1)) < 0 || digest.compareTo(Duration.ofDays(7)) > 0 || digest.toSeconds() % 60 != 0) {
                throw new AlertRule.Invalid("digest", "digest is whole minutes from 1m to 7d");
            }
        }
        List<String> channels = new ArrayList<>();
        JsonNode ch = body.get("channels");
        if (ch != null && !ch.isNull()) {
            if (!ch.isArray()) throw new AlertRule.Invalid("channels", "channels is a list such as [\"webhook\", \"email\", \"log\"]");
            for (JsonNode c : ch) {
                String v = c.isTextual() ? c.asText().trim().toLowerCase(Locale.ROOT) : "";
                if (!AlertRule.CHANNELS.contains(v)) throw new AlertRule.Invalid("channels", "channels are log, webhook and email, got " + c);
                if (!channels.contains(v)) channels.add(v);
            }
        }
        JsonNode en = body.get("enabled");
        if (en != null && !en.isNull() && !en.isBoolean()) throw new AlertRule.Invalid("enabled", "enabled is true or false");
        boolean enabled = en == null || en.isNull() || en.asBoolean();
        return new AlertRule(name, kind, severity, window, by, match, metric, stat, alert, warn, minCalls, baseline, suppress, digest,
                channels, enabled, below);
    }

    /**
     * Rules from a JSON object of name to definition (a {@code CHATLOG_ALERT_RULES} value, a rules
     * file); an {@link IllegalArgumentException} naming {@code source}, the rule and the field otherwise.
     */
    public static List<AlertRule> parseAll(JsonNode all, String source) {
        if (all == null || !all.isObject()) {
            throw new IllegalArgumentException(source + " must be a JSON object of rule name to definition, such as "
                    + "{\"slow\": {\"kind\": \"slow_calls\", \"window\": \"5m\", \"alert_above\": 8000}}");
        }
        List<AlertRule> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = all.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            try {
                out.add(parse(e.getKey(), e.getValue()));
            } catch (AlertRule.Invalid bad) {
                throw new IllegalArgumentException(source + ": rule '" + e.getKey() + "'" + (bad.field() == null ? "" : ", field "
                        + bad.field()) + ": " + bad.getMessage());
            }
        }
        return out;
    }


    private static Duration duration(JsonNode body, String field, Duration dflt) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return dflt;
        if (!v.isTextual()) throw new AlertRule.Invalid(field, field + " is a duration such as \"5m\", \"1h\" or \"PT30S\", got " + v);
        try {
            return AlertRule.parseDuration(v.asText());
        } catch (DateTimeParseException | ArithmeticException e) {
            throw new AlertRule.Invalid(field, field + " is a duration such as \"5m\", \"1h\" or \"PT30S\", got \"" + v.asText() + "\"");
        }
    }

    private static String string(JsonNode body, String field, String dflt) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return dflt;
        if (!v.isTextual()) throw new AlertRule.Invalid(field, field + " must be a string, got " + v);
        return v.asText().trim();
    }

    private static String oneOf(JsonNode body, String field, String dflt, Set<String> allowed) {
        String v = string(body, field, dflt).toLowerCase(Locale.ROOT);
        if (!allowed.contains(v)) throw new AlertRule.Invalid(field, field + " must be one of " + String.join(", ", new TreeSet<>(allowed)) + ", got '" + v + "'");
        return v;
    }

    private static String none(JsonNode body, String field, AlertKind kind) {
        if (body.hasNonNull(field)) throw new AlertRule.Invalid(field, kind.label() + " rules take no " + field);
        return null;
    }

    private static BigDecimal number(JsonNode body, String field, BigDecimal dflt) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return dflt;
        if (!v.isNumber()) throw new AlertRule.Invalid(field, field + " must be a number, got " + v);
        BigDecimal d = v.decimalValue();
        if (d.abs().compareTo(new BigDecimal("1000000000000")) > 0 || d.scale() > 6) {
            throw new AlertRule.Invalid(field, field + " must be at most 10^12 with at most 6 decimals, got " + v);
        }
        return d.stripTrailingZeros().scale() < 0 ? d.setScale(0) : d.stripTrailingZeros();
    }

    private static long whole(JsonNode body, String field, long dflt, long min, long max) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return dflt;
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
            throw new AlertRule.Invalid(field, field + " must be a whole number from " + min + " to " + max + ", got " + v);
        }
        return v.asLong();
    }

    private static String text(JsonNode body, String field) {
        JsonNode v = body.get(field);
        return v == null ? "(default)" : v.toString();
    }

    private static <E> E choice(JsonNode body, String field, E dflt, E[] values, java.util.function.Function<E, String> label) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return dflt;
        String s = v.isTextual() ? v.asText().trim().toLowerCase(Locale.ROOT) : null;
        for (E e : values) if (label.apply(e).equals(s)) return e;
        throw new AlertRule.Invalid(field, field + " must be one of " + labels(values, label) + ", got " + v);
    }

    private static <E> String labels(E[] values, java.util.function.Function<E, String> label) {
        List<String> out = new ArrayList<>();
        for (E e : values) out.add(label.apply(e));
        return String.join(", ", out);
    }
}
