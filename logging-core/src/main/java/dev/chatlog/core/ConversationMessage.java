package dev.chatlog.core;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One chat turn, as one row of {@code chatbot_conversation_messages}. Its LLM-call totals are not
 * part of the record: the store derives them from the calls stored under the same message id, so
 * they stay exact whichever of the two arrives first. {@link #arm()} is the experiment arm the turn ran in
 * ({@code <experiment>/<variant>}) or null.
 */
public record ConversationMessage(
        String messageId,
        String conversationId,
        String userId,
        String chatMode,
        String userInput,
        String finalOutput,
        String conversationMessage,
        String intent,
        String classification,
        String databaseUsed,
        List<SqlQuery> sqlQueries,
        Integer sqlResultsCount,
        boolean success,
        String errorMessage,
        Map<String, Object> debugInfo,
        Instant timestamp,
        double responseTimeMs,
        TraceParent trace,
        String arm) {

    public ConversationMessage {
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(timestamp, "timestamp");
        sqlQueries = sqlQueries == null ? List.of() : List.copyOf(sqlQueries);
        debugInfo = debugInfo == null ? Map.of() : Map.copyOf(debugInfo);
        userInput = userInput == null ? "" : userInput;
        finalOutput = finalOutput == null ? "" : finalOutput;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder()
                .messageId(messageId).conversationId(conversationId).userId(userId).chatMode(chatMode)
                .userInput(userInput).finalOutput(finalOutput).conversationMessage(conversationMessage)
                .intent(intent).classification(classification).databaseUsed(databaseUsed)
                .sqlQueries(sqlQueries).sqlResultsCount(sqlResultsCount).success(success)
                .errorMessage(errorMessage).debugInfo(debugInfo).timestamp(timestamp)
                .responseTimeMs(responseTimeMs).trace(trace).arm(arm);
    }

    public static final class Builder {
        private String messageId;
        private String conversationId;
        private String userId;
        private String chatMode;
        private String userInput;
        private String finalOutput;
        private String conversationMessage;
        private String intent;
        private String classification;
        private String databaseUsed;
        private List<SqlQuery> sqlQueries;
        private Integer sqlResultsCount;
        private boolean success = true;
        private String errorMessage;
        private Map<String, Object> debugInfo;
        private Instant timestamp;
        private double responseTimeMs;
        private TraceParent trace;
        private String arm;

        private Builder() {}

        public Builder messageId(String v) { messageId = v; return this; }
        public Builder conversationId(String v) { conversationId = v; return this; }
        public Builder userId(String v) { userId = v; return this; }
        public Builder chatMode(String v) { chatMode = v; return this; }
        public Builder userInput(String v) { userInput = v; return this; }
        public Builder finalOutput(String v) { finalOutput = v; return this; }
        public Builder conversationMessage(String v) { conversationMessage = v; return this; }
        public Builder intent(String v) { intent = v; return this; }
        public Builder classification(String v) { classification = v; return this; }
        public Builder databaseUsed(String v) { databaseUsed = v; return this; }
        public Builder sqlQueries(List<SqlQuery> v) { sqlQueries = v; return this; }
        public Builder sqlResultsCount(Integer v) { sqlResultsCount = v; return this; }
        public Builder success(boolean v) { success = v; return this; }
        public Builder errorMessage(String v) { errorMessage = v; return this; }
        public Builder debugInfo(Map<String, Object> v) { debugInfo = v; return this; }
        public Builder timestamp(Instant v) { timestamp = v; return this; }
        public Builder responseTimeMs(double v) { responseTimeMs = v; return this; }
        /** Where the turn's span sits when traces are on: its trace and the span it runs under (the application's, or none). */
        public Builder trace(TraceParent v) { trace = v; return this; }
        /** The experiment arm of the turn, {@code <experiment>/<variant>} ({@link ChatContext#arm()}). */
        public Builder arm(String v) { arm = v; return this; }

        public ConversationMessage build() {
            return new ConversationMessage(messageId == null ? Ids.newId() : messageId,
                    conversationId, userId, chatMode, userInput, finalOutput, conversationMessage,
                    intent, classification, databaseUsed, sqlQueries, sqlResultsCount, success,
                    errorMessage, debugInfo, timestamp == null ? Instant.now() : timestamp,
                    responseTimeMs, trace, arm);
        }
    }
}
