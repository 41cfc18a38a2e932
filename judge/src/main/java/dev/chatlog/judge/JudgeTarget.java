package dev.chatlog.judge;

import dev.chatlog.core.score.Score;
import java.util.Objects;

/**
 * A message or a call of the log to be judged: where it is (its conversation, its message, the call), whose it is, and the text the
 * judge reads — the user's input and the answer (for a call, its prompt and its output).
 */
public record JudgeTarget(Score.Target target, String conversationId, String messageId, String callId, String userId, String input, String answer) {
    public JudgeTarget {
        Objects.requireNonNull(target, "target");
        if (target == Score.Target.CONVERSATION) throw new IllegalArgumentException("a judge rates a message or a call");
        Objects.requireNonNull(conversationId, "conversationId");
        if (target == Score.Target.MESSAGE) Objects.requireNonNull(messageId, "messageId");
        if (target == Score.Target.CALL) Objects.requireNonNull(callId, "callId");
        input = input == null ? "" : input;
        answer = answer == null ? "" : answer;
    }

    /** A chat turn: the user's input and the final answer. */
    public static JudgeTarget message(String conversationId, String messageId, String input, String answer) {
        return new JudgeTarget(Score.Target.MESSAGE, conversationId, messageId, null, null, input, answer);
    }

    /** One model call of a turn: its prompt and its output. */
    public static JudgeTarget call(String conversationId, String messageId, String callId, String prompt, String output) {
        return new JudgeTarget(Score.Target.CALL, conversationId, messageId, callId, null, prompt, output);
    }

    /**
     * This target of {@code user}'s: the judge's call carries the user, so erasing the user erases the judge's copy of
     * their words (budgets do not charge the user for it).
     */
    public JudgeTarget ofUser(String user) {
        return new JudgeTarget(target, conversationId, messageId, callId, user, input, answer);
    }

    /** The id the score names: the message's or the call's. */
    public String targetId() {
        return target == Score.Target.CALL ? callId : messageId;
    }
}
