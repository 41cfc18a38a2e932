package dev.chatlog.core.score;

import dev.chatlog.core.InvalidDefinitionException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;

/**
 * One score on a call, a message or a conversation: a {@code name} ({@code helpful}), a value — a number, or a label
 * of a categorical definition ({@link ScoreDefinition}) —, who gave it ({@link Source}: a person, an LLM judge, code),
 * the evaluator's name and version, an optional comment and the time. Its identity is {@link #identity()}: the target,
 * the name, the evaluator and an optional key; scoring the same identity again replaces the score, never adds one.
 * Booleans are numbers (1 and 0).
 *
 * @param key an optional discriminator, so one evaluator can give several scores of one name to one target
 */
public record Score(Target target, String targetId, String name, BigDecimal value, String label, Source source,
                    String evaluator, String evaluatorVersion, String key, String comment, Instant at) {
    /** The longest name, evaluator, version and key. */
    public static final int MAX_NAME = 100;
    /** The longest comment. */
    public static final int MAX_COMMENT = 2_000;

    /** What a score is about. */
    public enum Target {
        CALL, MESSAGE, CONVERSATION;

        public String dbValue() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Target fromDb(String v) {
            return valueOf(v.toUpperCase(Locale.ROOT));
        }
    }

    /** Who gave a score. */
    public enum Source {
        HUMAN, LLM_JUDGE, CODE;

        public String dbValue() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Source fromDb(String v) {
            return valueOf(v.toUpperCase(Locale.ROOT));
        }
    }

    /** A score as given, checked field by field ({@link InvalidDefinitionException} naming the field). */
    public Score {
        Objects.requireNonNull(target, "target");
        targetId = required(targetId, target == Target.CALL ? "call_id" : target == Target.MESSAGE ? "message_id" : "conversation_id", 255);
        name = required(name, "name", MAX_NAME);
        if (!NAME.matcher(name).matches()) throw new InvalidDefinitionException("name", "a score name is 1 to 100 of letters, digits and . _ : -");
        if ((value == null) == (label == null)) throw new InvalidDefinitionException("value", "a score has a number or a label as its value");
        if (label != null) label = required(label, "value", MAX_NAME);
        if (source == null) throw new InvalidDefinitionException("source", "source is required: human, llm_judge or code");
        evaluator = optional(evaluator, "evaluator", MAX_NAME);
        evaluatorVersion = optional(evaluatorVersion, "evaluator_version", MAX_NAME);
        key = optional(key, "key", MAX_NAME);
        if (comment != null && comment.length() > MAX_COMMENT) {
            throw new InvalidDefinitionException("comment", "comment is at most " + MAX_COMMENT + " characters, got " + comment.length());
        }
        if (value != null && (value.abs().compareTo(new BigDecimal("1e12")) >= 0 || value.scale() > 6 && value.stripTrailingZeros().scale() > 6)) {
            throw new InvalidDefinitionException("value", "value is a number below 1e12 with at most 6 decimals, got " + value.toPlainString());
        }
        Objects.requireNonNull(at, "at");
        if (at.isBefore(EARLIEST) || at.isAfter(LATEST)) {
            throw new InvalidDefinitionException("at", "at is a time from 1970 to 9999, got " + at);
        }
    }

    private static final Instant EARLIEST = Instant.parse("1970-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");
    /** What a score name (and a definition's) is: 1 to 100 of letters, digits and . _ : - */
    static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[A-Za-z0-9._:-]{1,100}");

    /** What makes two scores the same score: the second replaces the first. */
    public String identity() {
        return target.dbValue() + '\u0000' + targetId + '\u0000' + name + '\u0000' + (evaluator == null ? "" : evaluator)
                + '\u0000' + (key == null ? "" : key);
    }

    private static String required(String s, String field, int max) {
        if (s == null || s.isBlank()) throw new InvalidDefinitionException(field, field + " is required");
        String t = s.strip();
        if (t.length() > max) throw new InvalidDefinitionException(field, field + " is at most " + max + " characters, got " + t.length());
        if (t.chars().anyMatch(Character::isISOControl)) throw new InvalidDefinitionException(field, field + " has control characters");
        return t;
    }

    private static String optional(String s, String field, int max) {
        return s == null || s.isBlank() ? null : required(s, field, max);
    }
}
