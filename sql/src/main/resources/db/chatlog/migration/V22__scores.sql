-- Scores on calls, messages and conversations (a person's thumbs up, an LLM judge's rating, a check in code), and the
-- definitions that say what a score of a name may hold. A score is one row per identity (target, name, evaluator,
-- key: identity_hash, SHA-256 of them): scoring it again replaces the row. conversation_id, message_id and call_id
-- locate the target (a call's scores list under its message too); the two lookups by id alone get their indexes.
CREATE TABLE chatbot_score_definitions (
    name         VARCHAR(100)  NOT NULL PRIMARY KEY,
    type         VARCHAR(16)   NOT NULL,
    min_value    DECIMAL(24,6) NULL,
    max_value    DECIMAL(24,6) NULL,
    labels       JSON          NULL,
    description  VARCHAR(500)  NULL,
    updated_at   DATETIME(3)   NOT NULL
);

CREATE TABLE chatbot_scores (
    id                 BIGINT AUTO_INCREMENT PRIMARY KEY,
    identity_hash      BINARY(32)    NOT NULL,
    target_type        VARCHAR(16)   NOT NULL,
    target_id          VARCHAR(255)  NOT NULL,
    conversation_id    VARCHAR(255)  NOT NULL,
    message_id         VARCHAR(255)  NULL,
    call_id            VARCHAR(255)  NULL,
    name               VARCHAR(100)  NOT NULL,
    value              DECIMAL(24,6) NULL,
    label              VARCHAR(100)  NULL,
    source             VARCHAR(16)   NOT NULL,
    evaluator          VARCHAR(100)  NULL,
    evaluator_version  VARCHAR(100)  NULL,
    score_key          VARCHAR(100)  NULL,
    comment            TEXT          NULL,
    scored_at          DATETIME(3)   NOT NULL,
    updated_at         DATETIME(3)   NOT NULL,
    UNIQUE KEY uk_scores_identity (identity_hash),
    KEY idx_scores_conversation (conversation_id, message_id),
    KEY idx_scores_name_time (name, scored_at),
    KEY idx_scores_time (scored_at)
);

ALTER TABLE chatbot_llm_calls ADD KEY idx_llm_calls_call_id (call_id);
ALTER TABLE chatbot_conversation_messages ADD KEY idx_messages_message_id (message_id);
