package dev.chatlog.judge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What an LLM judge is asked: a score name ({@code helpfulness}), a prompt version ({@code v1}), a {@link Scale} and the
 * criteria in words. The judge sends the criteria, the user's input and the answer, and asks for one JSON object,
 * {@code {"score": 4, "reason": "..."}} (a 1–5 scale) or {@code {"score": "pass", "reason": "..."}} (pass/fail). A new
 * version of the wording is a new version: its scores are kept apart from the old one's, so their agreement with
 * people can be compared.
 */
public record Rubric(String name, String version, Scale scale, String criteria) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:-]{1,100}");

    /** How the judge rates. */
    public enum Scale {
        /** An integer from 1 (useless) to 5 (excellent): stored as a number. */
        ONE_TO_FIVE,
        /** Pass or fail: stored as 1 or 0. */
        PASS_FAIL
    }

    public Rubric {
        Objects.requireNonNull(scale, "scale");
        if (name == null || !NAME.matcher(name).matches()) throw new IllegalArgumentException("a rubric's name is 1 to 100 of letters, digits and . _ : -");
        if (version == null || !NAME.matcher(version).matches()) throw new IllegalArgumentException("a rubric's version is 1 to 100 of letters, digits and . _ : -");
        if (criteria == null || criteria.isBlank()) throw new IllegalArgumentException("a rubric states its criteria");
    }

    /** The documented default: is the answer helpful, correct and on the user's question, 1 to 5. */
    public static Rubric helpfulness() {
        return new Rubric("helpfulness", "v1", Scale.ONE_TO_FIVE, """
                Rate how well the answer serves the user's message. 5: answers it fully and correctly, nothing \
                invented. 4: answers it with a small gap. 3: partly answers it or is vague. 2: mostly misses it or \
                contains an error. 1: does not answer it, is wrong, or refuses without reason.""");
    }

    /** The messages sent to the judge's model for one input and answer. */
    List<ChatMessage> prompt(String input, String answer) {
        String format = scale == Scale.ONE_TO_FIVE
                ? "{\"score\": <an integer from 1 to 5>, \"reason\": \"<one sentence>\"}"
                : "{\"score\": \"pass\" or \"fail\", \"reason\": \"<one sentence>\"}";
        return List.of(
                SystemMessage.from("You are an evaluator of a chatbot's answers. " + criteria.strip()
                        + "\nReply with one JSON object and nothing else: " + format),
                UserMessage.from("<user_message>\n" + input + "\n</user_message>\n<answer>\n" + answer + "\n</answer>"));
    }

    /** A judge's reply read: its score (1 to 5, or 1 and 0 for pass and fail) and reason; null when it does not say one. */
    Verdict.Rating read(String reply) {
        if (reply == null) return null;
        int open = reply.indexOf('{'), close = reply.lastIndexOf('}');
        if (open < 0 || close < open) return null;
        JsonNode n;
        try {
            n = JSON.readTree(reply.substring(open, close + 1));
        } catch (Exception e) {
            return null;
        }
        JsonNode score = n.get("score");
        String reason = n.hasNonNull("reason") ? n.get("reason").asText() : null;
        if (score == null) return null;
        if (scale == Scale.PASS_FAIL) {
            String s = score.asText().trim().toLowerCase(java.util.Locale.ROOT);
            if (s.equals("pass") || s.equals("true")) return new Verdict.Rating(BigDecimal.ONE, reason);
            if (s.equals("fail") || s.equals("false")) return new Verdict.Rating(BigDecimal.ZERO, reason);
            return null;
        }
        if (!score.isIntegralNumber() && !(score.isTextual() && score.asText().trim().matches("[1-5]"))) return null;
        int v = score.isIntegralNumber() ? score.asInt() : Integer.parseInt(score.asText().trim());
        return v < 1 || v > 5 ? null : new Verdict.Rating(BigDecimal.valueOf(v), reason);
    }
}
