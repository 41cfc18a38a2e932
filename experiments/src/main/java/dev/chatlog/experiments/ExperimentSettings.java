package dev.chatlog.experiments;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatlog.core.InvalidDefinitionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How a deployment runs its experiments, checked once here for the server's environment and the Spring Boot starter's
 * properties alike: experiments defined at start (a JSON object of definitions by name, as {@code PUT
 * /logging-dashboard/experiments/{name}} takes them), those started at start, how often each instance reads the
 * experiments again ({@code refresh}: a start or stop reaches every instance within it) and how often the guardrails
 * and arm budgets are checked ({@code checkInterval}).
 */
public record ExperimentSettings(List<Experiment> definitions, Set<String> start, Duration refresh, Duration checkInterval) {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What each field is called in the server's environment. */
    public static final Map<String, String> ENV_NAMES = Map.of("definitions", "CHATLOG_EXPERIMENTS", "start", "CHATLOG_EXPERIMENTS_START",
            "refresh", "CHATLOG_EXPERIMENTS_REFRESH_SECONDS", "checkInterval", "CHATLOG_EXPERIMENTS_CHECK_SECONDS");

    public ExperimentSettings {
        definitions = List.copyOf(definitions);
        start = Set.copyOf(start);
        InvalidDefinitionException.requireBetween("refresh", refresh.toSeconds(), 1, 300);
        InvalidDefinitionException.requireBetween("checkInterval", checkInterval.toSeconds(), 5, 3600);
        for (String s : start) {
            if (!s.matches("[A-Za-z0-9._:-]{1,64}")) throw new InvalidDefinitionException("start", "an experiment's name is 1 to 64 of letters, digits and . _ : -, got '" + s + "'");
        }
    }

    public static ExperimentSettings defaults() {
        return new ExperimentSettings(List.of(), Set.of(), Duration.ofSeconds(5), Duration.ofSeconds(60));
    }

    /** Definitions from a JSON object of them by name ({@code {"checkout-model": {"variants": [...], ...}}}); a bad one names its field. */
    public static List<Experiment> parseDefinitions(String json) {
        if (json == null || json.isBlank()) return List.of();
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new InvalidDefinitionException("definitions", "experiments are a JSON object of definitions by name: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) throw new InvalidDefinitionException("definitions", "experiments are a JSON object of definitions by name");
        List<Experiment> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            try {
                out.add(ExperimentJson.parse(e.getKey(), e.getValue(), null, null));
            } catch (InvalidDefinitionException bad) {
                throw new InvalidDefinitionException("definitions", "experiment " + e.getKey() + (bad.field() == null ? "" : ", field " + bad.field())
                        + ": " + bad.getMessage());
            }
        }
        return out;
    }

    /** A comma list of names. */
    public static Set<String> names(String list) {
        if (list == null) return Set.of();
        return new LinkedHashSet<>(Arrays.stream(list.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList());
    }

    /**
     * From the environment: {@code CHATLOG_EXPERIMENTS} (definitions), {@code CHATLOG_EXPERIMENTS_START} (a comma list),
     * {@code CHATLOG_EXPERIMENTS_REFRESH_SECONDS} (5), {@code CHATLOG_EXPERIMENTS_CHECK_SECONDS} (60).
     */
    public static ExperimentSettings fromEnv(Map<String, String> env) {
        long refresh = seconds(env, "CHATLOG_EXPERIMENTS_REFRESH_SECONDS", 5), check = seconds(env, "CHATLOG_EXPERIMENTS_CHECK_SECONDS", 60);
        return InvalidDefinitionException.naming(ENV_NAMES, () -> new ExperimentSettings(parseDefinitions(env.get("CHATLOG_EXPERIMENTS")),
                names(env.get("CHATLOG_EXPERIMENTS_START")), Duration.ofSeconds(refresh), Duration.ofSeconds(check)));
    }

    private static long seconds(Map<String, String> env, String name, long dflt) {
        String v = env.get(name);
        if (v == null || v.isBlank()) return dflt;
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number of seconds, got '" + v + "'");
        }
    }
}
