package dev.chatlog.experiments;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chatlog.core.InvalidDefinitionException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * An experiment's definition as JSON — the {@code PUT} body's shape and what the store keeps —, read field by field so a
 * wrong one is named ({@link InvalidDefinitionException}):
 * {@code {"variants": [{"name": "control", "percent": 50, "model": "gpt-4o-mini"}, {"name": "big", "percent": 50,
 * "model": "gpt-4o"}], "primary_metric": "success_rate", "guardrails": ["cost_per_turn"], "salt": "...", "end": "2026-12-31T00:00:00Z"}}.
 */
public final class ExperimentJson {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> FIELDS = Set.of("variants", "primary_metric", "guardrails", "salt", "end", "plan");
    private static final Set<String> VARIANT_FIELDS = Set.of("name", "percent", "model", "prompt_version", "parameters");

    private ExperimentJson() {}

    /** The experiment {@code name} as {@code body} defines it, with the run times the store holds. */
    public static Experiment parse(String name, JsonNode body, Instant start, Instant stoppedAt) {
        if (body == null || !body.isObject()) throw new InvalidDefinitionException(null, "an experiment is a JSON object with variants and a primary_metric");
        fields(body, FIELDS, null);
        JsonNode vs = body.get("variants");
        if (vs == null || !vs.isArray()) throw new InvalidDefinitionException("variants", "variants is a list of {name, percent, model, prompt_version, parameters}");
        List<Variant> variants = new ArrayList<>();
        for (JsonNode v : vs) {
            if (!v.isObject()) throw new InvalidDefinitionException("variants", "each variant is an object {name, percent, ...}");
            fields(v, VARIANT_FIELDS, "variants");
            JsonNode p = v.get("percent");
            if (p == null || !p.isNumber() || !Double.isFinite(p.asDouble())) {
                throw new InvalidDefinitionException("variants", "each variant has a percent, a number from 0 to 100");
            }
            Map<String, String> params = new LinkedHashMap<>();
            JsonNode ps = v.get("parameters");
            if (ps != null && !ps.isNull()) {
                if (!ps.isObject()) throw new InvalidDefinitionException("variants", "a variant's parameters are an object of names to text");
                for (Iterator<Map.Entry<String, JsonNode>> it = ps.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (!e.getValue().isValueNode() || e.getValue().isNull() || e.getKey().length() > 100 || e.getValue().asText().length() > 1000) {
                        throw new InvalidDefinitionException("variants", "a parameter is a name of at most 100 characters and a value (text, number, "
                                + "true or false, kept as text) of at most 1000");
                    }
                    params.put(e.getKey(), e.getValue().asText());
                }
            }
            variants.add(checked("variants", () -> new Variant(text(v, "name", "variants"), new BigDecimal(p.asText()), text(v, "model", "variants"),
                    text(v, "prompt_version", "variants"), params)));
        }
        List<String> guardrails = new ArrayList<>();
        JsonNode gs = body.get("guardrails");
        if (gs != null && !gs.isNull()) {
            if (!gs.isArray()) throw new InvalidDefinitionException("guardrails", "guardrails is a list of metrics");
            for (JsonNode g : gs) guardrails.add(g.isTextual() ? g.asText() : String.valueOf(g));
        }
        Instant end = null;
        if (body.hasNonNull("end")) {
            try {
                end = Instant.parse(body.get("end").asText());
            } catch (DateTimeParseException e) {
                throw new InvalidDefinitionException("end", "end is an instant such as 2026-12-31T00:00:00Z");
            }
        }
        Instant e = end;
        Plan plan = plan(body.get("plan"));
        String primary = text(body, "primary_metric");
        if (primary == null) throw new InvalidDefinitionException("primary_metric", "primary_metric is required: success_rate, latency_ms, ttft_ms, tokens, cost_per_turn, cost_per_successful_turn or score:<name>");
        // the record's own checks, each named by the field it is about
        String field = variants.size() < 2 || variants.size() > 10 ? "variants" : null;
        return checked(field, () -> {
            try {
                return new Experiment(name, text(body, "salt"), variants, primary, guardrails, plan, start, e, stoppedAt);
            } catch (IllegalArgumentException x) {
                String m = String.valueOf(x.getMessage());
                throw new InvalidDefinitionException(m.startsWith("an experiment's name") ? "name" : m.contains("a plan") ? "plan" : m.contains("primary metric") ? "primary_metric"
                        : m.contains("guardrail") ? "guardrails" : m.contains("salt") ? "salt" : m.contains("ends after") ? "end" : "variants", m);
            }
        });
    }

    /** The definition's JSON (what the store keeps and the routes show), without the run times. */
    public static ObjectNode json(Experiment e) {
        ObjectNode o = JSON.createObjectNode();
        var vs = o.putArray("variants");
        for (Variant v : e.variants()) {
            ObjectNode n = vs.addObject();
            n.put("name", v.name());
            n.put("percent", v.percent());
            if (v.model() != null) n.put("model", v.model());
            if (v.promptVersion() != null) n.put("prompt_version", v.promptVersion());
            if (!v.parameters().isEmpty()) n.set("parameters", JSON.valueToTree(new java.util.TreeMap<>(v.parameters())));
        }
        o.put("primary_metric", e.primaryMetric());
        var gs = o.putArray("guardrails");
        e.guardrails().forEach(gs::add);
        o.put("salt", e.salt());
        if (e.end() != null) o.put("end", e.end().toString());
        if (e.plan() != null) {
            ObjectNode p = o.putObject("plan");
            p.put("effect", e.plan().effect());
            if (e.plan().baseline() != null) p.put("baseline", e.plan().baseline());
            if (e.plan().sd() != null) p.put("sd", e.plan().sd());
            p.put("power", e.plan().power());
        }
        return o;
    }

    /** {@code {"effect": 0.05, "baseline": 0.8, "power": 0.8}} (a rate) or {@code {"effect": 0.002, "sd": 0.01}} (a mean); power 0.8 by default. */
    private static Plan plan(JsonNode p) {
        if (p == null || p.isNull()) return null;
        if (!p.isObject()) throw new InvalidDefinitionException("plan", "plan is {\"effect\": 0.05, \"baseline\": 0.8, \"power\": 0.8} or {\"effect\": 0.002, \"sd\": 0.01}");
        fields(p, Set.of("effect", "baseline", "sd", "power"), "plan");
        for (String f : List.of("effect", "baseline", "sd", "power")) {
            if (p.has(f) && !p.get(f).isNumber()) throw new InvalidDefinitionException("plan", "plan's " + f + " is a number");
        }
        if (!p.has("effect")) throw new InvalidDefinitionException("plan", "a plan states the minimum detectable effect (effect)");
        return checked("plan", () -> Plan.of(p.get("effect").asDouble(), p.has("baseline") ? p.get("baseline").asDouble() : null,
                p.has("sd") ? p.get("sd").asDouble() : null, p.has("power") ? p.get("power").asDouble() : 0.8));
    }

    private static void fields(JsonNode o, Set<String> known, String within) {
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!known.contains(f)) {
                throw new InvalidDefinitionException(within == null ? f : within, "unknown field " + f + " (known: " + String.join(", ", new TreeSet<>(known)) + ")");
            }
        }
    }

    private static String text(JsonNode o, String field) {
        return text(o, field, field);
    }

    /** A text field; a wrong one is reported as {@code reported} (a variant's fields as {@code variants}). */
    private static String text(JsonNode o, String field, String reported) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) throw new InvalidDefinitionException(reported, field + " is text");
        return v.asText();
    }

    private static <T> T checked(String field, java.util.function.Supplier<T> s) {
        try {
            return s.get();
        } catch (InvalidDefinitionException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new InvalidDefinitionException(field, e.getMessage());
        }
    }
}
