package dev.chatlog.judge;

import java.math.BigDecimal;

/**
 * What judging one target came to: {@link Outcome#SCORED} with the rating given (and stored as a score), or why not. The
 * tokens and the cost are the judge's own call's (zero when it was not sent); the cost is null when its model has no price.
 */
public record Verdict(JudgeTarget target, Outcome outcome, Rating rating, long inputTokens, long outputTokens, BigDecimal costUsd,
                      String error) {
    /** A judge's rating: its value (1 to 5, or 1 and 0 for pass and fail) and its reason. */
    public record Rating(BigDecimal value, String reason) {}

    public enum Outcome {
        /** Rated and the score recorded. */
        SCORED,
        /** The judge answered something that is not a rating: no score (its call is still recorded, and cost what it cost). */
        UNREADABLE,
        /** The judge's budget refused the call: nothing sent, nothing spent. */
        REFUSED_BY_BUDGET,
        /** The judge's model failed (an HTTP error, a timeout): no score. */
        FAILED
    }
}
