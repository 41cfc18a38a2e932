package dev.chatlog.core;

import dev.chatlog.core.score.Score;
import java.util.List;

/** What the writer hands to a {@link ChatLogSink} in one go: calls, messages and scores. */
public record Batch(List<LlmCall> calls, List<ConversationMessage> messages, List<Score> scores) {
    public Batch {
        calls = List.copyOf(calls);
        messages = List.copyOf(messages);
        scores = scores == null ? List.of() : List.copyOf(scores);
    }

    /** Calls and messages, no scores. */
    public Batch(List<LlmCall> calls, List<ConversationMessage> messages) {
        this(calls, messages, List.of());
    }

    public int size() {
        return calls.size() + messages.size() + scores.size();
    }
}
