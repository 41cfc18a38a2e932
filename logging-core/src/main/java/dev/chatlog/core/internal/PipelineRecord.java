package dev.chatlog.core.internal;

import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.LlmCall;

/**
 * What the pipeline carries once a queued entry is converted, and what the spool holds: a call, a message, a score, or the
 * marker of an opened turn ({@link RecordCodec.TurnOpened}). Sealed: every stage handles each kind, the compiler
 * knows there is no other.
 */
public sealed interface PipelineRecord permits PipelineRecord.Call, PipelineRecord.Message, PipelineRecord.Scored,
        RecordCodec.TurnOpened {
    /** A converted LLM call (or agent, tool, embedding step). */
    record Call(LlmCall call) implements PipelineRecord {}

    /** A converted chat turn's message row. */
    record Message(ConversationMessage message) implements PipelineRecord {}

    /** A score on a call, a message or a conversation (its comment masked and cut). */
    record Scored(dev.chatlog.core.score.Score score) implements PipelineRecord {}
}
