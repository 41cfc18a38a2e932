package dev.chatlog.judge;

import dev.chatlog.core.InvalidDefinitionException;
import dev.chatlog.core.score.Score;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How a deployment runs its judge, checked once here for the server's environment and the Spring Boot starter's
 * properties alike: its name, its model (null: the deployment's demo judge), the online sampling (a rate from 0 to 1,
 * messages or calls, filters) and the queue the online judge may hold.
 */
public record JudgeSettings(boolean enabled, String name, String model, OnlineJudge.Sampling sampling, int queue) {
    /** What each field is called in the server's environment. */
    public static final Map<String, String> ENV_NAMES = Map.of("name", "CHATLOG_JUDGE_NAME", "queue", "CHATLOG_JUDGE_QUEUE",
            "sample_rate", "CHATLOG_JUDGE_SAMPLE_RATE", "target", "CHATLOG_JUDGE_TARGET");

    public JudgeSettings {
        if (name == null || !name.matches("[A-Za-z0-9._:-]{1,90}")) throw new InvalidDefinitionException("name", "a judge's name is 1 to 90 of letters, digits and . _ : -");
        InvalidDefinitionException.requireBetween("queue", queue, 1, 100_000);
        java.util.Objects.requireNonNull(sampling, "sampling");
    }

    /** {@code message} or {@code call}, as a setting gives it. */
    public static Score.Target target(String v) {
        String t = v == null ? "message" : v.trim().toLowerCase(Locale.ROOT);
        if (!t.equals("message") && !t.equals("call")) throw new InvalidDefinitionException("target", "the target is message or call, got '" + v + "'");
        return Score.Target.fromDb(t);
    }

    /**
     * From the environment: {@code CHATLOG_JUDGE} ({@code on} / {@code off}; default {@code dflt}),
     * {@code CHATLOG_JUDGE_NAME} ({@code judge}), {@code CHATLOG_JUDGE_MODEL}, {@code CHATLOG_JUDGE_SAMPLE_RATE}
     * ({@code defaultRate}), {@code CHATLOG_JUDGE_TARGET} ({@code message} or {@code call}), {@code CHATLOG_JUDGE_MODELS},
     * {@code CHATLOG_JUDGE_AGENTS}, {@code CHATLOG_JUDGE_INTENTS} (comma lists), {@code CHATLOG_JUDGE_QUEUE} (1000).
     */
    public static JudgeSettings fromEnv(Map<String, String> env, boolean dflt, double defaultRate) {
        String on = env.getOrDefault("CHATLOG_JUDGE", "").trim().toLowerCase(Locale.ROOT);
        boolean enabled = switch (on) {
            case "" -> dflt;
            case "on", "true", "1" -> true;
            case "off", "false", "0" -> false;
            default -> throw new IllegalArgumentException("CHATLOG_JUDGE must be on or off, got '" + on + "'");
        };
        double rate = defaultRate;
        String r = env.get("CHATLOG_JUDGE_SAMPLE_RATE");
        if (r != null && !r.isBlank()) {
            try {
                rate = Double.parseDouble(r.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("CHATLOG_JUDGE_SAMPLE_RATE must be a number from 0 to 1, got '" + r + "'");
            }
        }
        int queue;
        try {
            queue = Integer.parseInt(env.getOrDefault("CHATLOG_JUDGE_QUEUE", "1000").trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("CHATLOG_JUDGE_QUEUE must be a whole number");
        }
        String model = env.get("CHATLOG_JUDGE_MODEL");
        double rt = rate;
        int q = queue;
        return InvalidDefinitionException.naming(ENV_NAMES, () -> new JudgeSettings(enabled, env.getOrDefault("CHATLOG_JUDGE_NAME", "judge").trim(),
                model == null || model.isBlank() ? null : model.trim(), new OnlineJudge.Sampling(rt, target(env.get("CHATLOG_JUDGE_TARGET")),
                list(env, "CHATLOG_JUDGE_MODELS"), list(env, "CHATLOG_JUDGE_AGENTS"), list(env, "CHATLOG_JUDGE_INTENTS")), q));
    }

    private static Set<String> list(Map<String, String> env, String name) {
        String v = env.get(name);
        return v == null ? Set.of() : Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toUnmodifiableSet());
    }
}
