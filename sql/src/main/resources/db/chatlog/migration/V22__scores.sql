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
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

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
    -- the target's attribution and time as the score was stored: what the score rollups group it by
    model              VARCHAR(255)  NULL,
    agent              VARCHAR(255)  NULL,
    function_name      VARCHAR(255)  NULL,
    chat_mode          VARCHAR(255)  NULL,
    intent             VARCHAR(255)  NULL,
    user_id            VARCHAR(255)  NULL,
    target_at          DATETIME(3)   NOT NULL,
    updated_at         DATETIME(3)   NOT NULL,
    UNIQUE KEY uk_scores_identity (identity_hash),
    KEY idx_scores_conversation (conversation_id, message_id),
    KEY idx_scores_name_time (name, scored_at),
    KEY idx_scores_time (scored_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Scores per dimension (all, model, agent, function, chat_mode, intent, user), name and hour or day of their
-- target: numbers (booleans as 0 and 1) as a count, a sum and a sum of squares (label ''); labels as a count each.
-- Re-scoring moves a score's contribution, erasure removes it: averages and distributions are a rollup read.
CREATE TABLE chatbot_score_rollup (
    granularity   CHAR(1)        NOT NULL,
    dimension     VARCHAR(16)    NOT NULL,
    bucket_start  DATETIME       NOT NULL,
    dim_value     VARCHAR(255)   NOT NULL,
    name          VARCHAR(100)   NOT NULL,
    label         VARCHAR(100)   NOT NULL,
    scores        BIGINT         NOT NULL DEFAULT 0,
    value_sum     DECIMAL(30,6)  NOT NULL DEFAULT 0,
    value_sq_sum  DECIMAL(38,6)  NOT NULL DEFAULT 0,
    PRIMARY KEY (granularity, dimension, bucket_start, dim_value, name, label),
    KEY idx_score_rollup_name (name, granularity, bucket_start)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE chatbot_llm_calls ADD KEY idx_llm_calls_call_id (call_id);
ALTER TABLE chatbot_conversation_messages ADD KEY idx_messages_message_id (message_id);
