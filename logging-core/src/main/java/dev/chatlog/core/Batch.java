package dev.chatlog.core;

import java.util.List;

/** What the writer hands to a {@link ChatLogSink} in one go. */
public record Batch(List<LlmCall> calls, List<ConversationMessage> messages) {
    public Batch {
        calls = List.copyOf(calls);
        messages = List.copyOf(messages);
    }

    public int size() {
        return calls.size() + messages.size();
    }
}
