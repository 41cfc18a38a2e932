package dev.chatlog.sql.report;

import dev.chatlog.core.InvalidDefinitionException;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long each stage of a turn should take at most: {@code stt < 2 s}, {@code retrieval < 3 s}, {@code turn < 8 s}.
 * A target named like a step (a stage, a retriever, a guardrail, a cache) applies to it; named like a kind of step
 * ({@code retrieval}, {@code guardrail}, {@code stage}, {@code cache}), to every step of that kind without a target of
 * its own; {@code turn} applies to whole turns (their response time). The server reads them from
 * {@code CHATLOG_STAGE_TARGETS} ({@code stt=2s,retrieval=3s,tts=1500ms,turn=8s}) for its stages route.
 */
public record StageTargets(Map<String, Duration> targets) {
    /** The name of the whole turn's target. */
    public static final String TURN = "turn";
    public static final StageTargets NONE = new StageTargets(Map.of());
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.\\-]{1,255}");
    private static final Pattern AMOUNT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m)");

    public StageTargets {
        targets = Map.copyOf(targets == null ? Map.of() : targets);
    }

    /** Every name a step's or a kind's name (no {@code :}), every target above zero and at most a day; the field named on failure. */
    public StageTargets validate() {
        targets.forEach((name, d) -> {
            if (!NAME.matcher(name).matches()) {
                throw new InvalidDefinitionException("stage_targets", "a stage name is letters, digits, '_', '.' or '-': " + name);
            }
            if (d == null || d.isZero() || d.isNegative() || d.compareTo(Duration.ofDays(1)) > 0) {
                throw new InvalidDefinitionException("stage_targets", name + ": a target is above 0 and at most a day");
            }
        });
        return this;
    }

    /** {@code name=duration} pairs separated by commas; durations as {@code 1500ms}, {@code 2s}, {@code 2.5s}, {@code 1m}. */
    public static StageTargets parse(String spec) {
        Map<String, Duration> out = new LinkedHashMap<>();
        if (spec == null || spec.isBlank()) return NONE;
        for (String part : spec.split(",")) {
            if (part.isBlank()) continue;
            int eq = part.indexOf('=');
            if (eq <= 0) throw new InvalidDefinitionException("stage_targets", "expected name=duration, got: " + part.trim());
            String name = part.substring(0, eq).trim();
            out.put(name, duration("stage_targets", part.substring(eq + 1)));
        }
        return new StageTargets(out).validate();
    }

    /** {@code 1500ms}, {@code 2s}, {@code 2.5s}, {@code 1m}, or ISO-8601 ({@code PT2S}). */
    public static Duration duration(String field, String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        Matcher m = AMOUNT.matcher(t);
        try {
            if (m.matches()) {
                BigDecimal n = new BigDecimal(m.group(1));
                BigDecimal ms = switch (m.group(2)) {
                    case "ms" -> n;
                    case "s" -> n.multiply(BigDecimal.valueOf(1000));
                    default -> n.multiply(BigDecimal.valueOf(60_000));
                };
                return Duration.ofNanos(ms.multiply(BigDecimal.valueOf(1_000_000)).longValueExact());
            }
            return Duration.parse(text.trim());
        } catch (ArithmeticException | java.time.format.DateTimeParseException e) {
            throw new InvalidDefinitionException(field, "a duration such as 1500ms, 2s or 1m, got: " + text.trim());
        }
    }

    /** The target of a step of {@code kind} named {@code name}: its own, else its kind's; null without one. */
    public Duration of(String kind, String name) {
        Duration own = name == null ? null : targets.get(name);
        return own != null ? own : targets.get(kind);
    }

    /** The whole turn's target, null without one. */
    public Duration turn() {
        return targets.get(TURN);
    }
}
