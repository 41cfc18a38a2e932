package dev.chatlog.quality;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatlog.core.InvalidDefinitionException;
import dev.chatlog.core.score.Score;
import dev.chatlog.core.score.ScoreDefinition;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Scores and score definitions as JSON (the routes' bodies), checked field by field so a wrong one is named
 * ({@link InvalidDefinitionException}). A score: exactly one of {@code call_id}, {@code message_id},
 * {@code conversation_id}; {@code name}; {@code value} (a number, {@code true}/{@code false}, or a label);
 * {@code source} ({@code human}, {@code llm_judge}, {@code code}); optionally {@code evaluator},
 * {@code evaluator_version}, {@code key}, {@code comment}, {@code at} (an ISO instant; default now).
 */
public final class ScoreJson {
    private static final Set<String> SCORE_FIELDS = Set.of("call_id", "message_id", "conversation_id", "name", "value", "source",
            "evaluator", "evaluator_version", "key", "comment", "at");
    private static final Set<String> DEFINITION_FIELDS = Set.of("type", "min", "max", "labels", "description");

    private ScoreJson() {}

    public static Score score(JsonNode body, Instant now) {
        object(body, "{\"message_id\": \"...\", \"name\": \"helpful\", \"value\": 1, \"source\": \"human\"}");
        known(body, SCORE_FIELDS);
        List<String> targets = new ArrayList<>();
        for (String f : List.of("call_id", "message_id", "conversation_id")) if (body.hasNonNull(f)) targets.add(f);
        if (targets.size() != 1) {
            throw new InvalidDefinitionException(targets.isEmpty() ? "message_id" : targets.get(1),
                    "a score is on exactly one of call_id, message_id or conversation_id, got " + (targets.isEmpty() ? "none" : targets));
        }
        String targetField = targets.get(0);
        Score.Target target = switch (targetField) {
            case "call_id" -> Score.Target.CALL;
            case "message_id" -> Score.Target.MESSAGE;
            default -> Score.Target.CONVERSATION;
        };
        JsonNode v = body.get("value");
        BigDecimal number = null;
        String label = null;
        if (v == null || v.isNull()) throw new InvalidDefinitionException("value", "value is required: a number, true or false, or a label");
        if (v.isBoolean()) number = v.asBoolean() ? BigDecimal.ONE : BigDecimal.ZERO;
        else if (v.isNumber()) {
            if (v.isDouble() && !Double.isFinite(v.doubleValue())) throw new InvalidDefinitionException("value", "value must be a finite number");
            number = v.decimalValue();
        } else if (v.isTextual()) label = v.asText();
        else throw new InvalidDefinitionException("value", "value is a number, true or false, or a label, got " + v.getNodeType().name().toLowerCase(Locale.ROOT));
        String source = text(body, "source");
        Score.Source src;
        try {
            src = source == null ? null : Score.Source.fromDb(source.trim());
        } catch (IllegalArgumentException e) {
            throw new InvalidDefinitionException("source", "source is human, llm_judge or code, got '" + source + "'");
        }
        Instant at = now;
        String when = text(body, "at");
        if (when != null) {
            try {
                at = Instant.parse(when.trim());
            } catch (DateTimeParseException e) {
                throw new InvalidDefinitionException("at", "at is an ISO instant such as 2026-12-05T10:15:30Z");
            }
        }
        return new Score(target, text(body, targetField), text(body, "name"), number, label, src, text(body, "evaluator"),
                text(body, "evaluator_version"), text(body, "key"), text(body, "comment"), at);
    }

    public static ScoreDefinition definition(String name, JsonNode body) {
        object(body, "{\"type\": \"numeric\", \"min\": 1, \"max\": 5}");
        known(body, DEFINITION_FIELDS);
        String type = text(body, "type");
        ScoreDefinition.Type t;
        try {
            t = type == null ? null : ScoreDefinition.Type.fromDb(type.trim());
        } catch (IllegalArgumentException e) {
            throw new InvalidDefinitionException("type", "type is numeric, boolean or categorical, got '" + type + "'");
        }
        List<String> labels = null;
        JsonNode l = body.get("labels");
        if (l != null && !l.isNull()) {
            if (!l.isArray()) throw new InvalidDefinitionException("labels", "labels is a list of strings");
            labels = new ArrayList<>();
            for (JsonNode x : l) {
                if (!x.isTextual()) throw new InvalidDefinitionException("labels", "labels is a list of strings");
                labels.add(x.asText());
            }
        }
        return new ScoreDefinition(name, t, number(body, "min"), number(body, "max"), labels, text(body, "description"));
    }

    /** A definition as JSON fields (what {@link #definition} reads back). */
    public static java.util.Map<String, Object> json(ScoreDefinition d) {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("name", d.name());
        m.put("type", d.type().dbValue());
        m.put("min", d.min() == null ? null : d.min().stripTrailingZeros());
        m.put("max", d.max() == null ? null : d.max().stripTrailingZeros());
        m.put("labels", d.labels().isEmpty() ? null : d.labels());
        m.put("description", d.description());
        return m;
    }

    private static void object(JsonNode body, String example) {
        if (body == null || !body.isObject()) throw new InvalidDefinitionException(null, "the body is a JSON object like " + example);
    }

    private static void known(JsonNode body, Set<String> fields) {
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!fields.contains(f)) throw new InvalidDefinitionException(f, "unknown field " + f + " (known: " + String.join(", ", new TreeSet<>(fields)) + ")");
        }
    }

    private static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) return null;
        if (!n.isTextual()) throw new InvalidDefinitionException(field, field + " must be a string");
        return n.asText();
    }

    private static BigDecimal number(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) return null;
        if (!n.isNumber() || (n.isDouble() && !Double.isFinite(n.doubleValue()))) throw new InvalidDefinitionException(field, field + " must be a number");
        return n.decimalValue();
    }
}
