-- Per-user figures move out of chatbot_usage_rollup into a narrow table: users are many, so their
-- rows dominate rollup writes and per-user reads, and they do not need latency histograms.
CREATE TABLE chatbot_user_daily (
    day                  DATE           NOT NULL,
    user_id              VARCHAR(255)   NOT NULL,
    messages             INT            NOT NULL DEFAULT 0,
    failed_messages      INT            NOT NULL DEFAULT 0,
    message_duration_ms  DECIMAL(20,2)  NOT NULL DEFAULT 0,
    llm_calls            INT            NOT NULL DEFAULT 0,
    failed_llm_calls     INT            NOT NULL DEFAULT 0,
    tool_calls           INT            NOT NULL DEFAULT 0,
    failed_tool_calls    INT            NOT NULL DEFAULT 0,
    input_tokens         BIGINT         NOT NULL DEFAULT 0,
    output_tokens        BIGINT         NOT NULL DEFAULT 0,
    total_tokens         BIGINT         NOT NULL DEFAULT 0,
    cost                 DECIMAL(24,10) NOT NULL DEFAULT 0,
    unpriced_calls       INT            NOT NULL DEFAULT 0,
    llm_duration_ms      DECIMAL(20,2)  NOT NULL DEFAULT 0,
    PRIMARY KEY (day, user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO chatbot_user_daily (day, user_id, messages, failed_messages, message_duration_ms, llm_calls, failed_llm_calls,
    tool_calls, failed_tool_calls, input_tokens, output_tokens, total_tokens, cost, unpriced_calls, llm_duration_ms)
SELECT DATE(bucket_start), dim_value, messages, failed_messages, message_duration_ms, llm_calls, failed_llm_calls,
    tool_calls, failed_tool_calls, input_tokens, output_tokens, total_tokens, cost, unpriced_calls, llm_duration_ms
FROM chatbot_usage_rollup WHERE granularity = 'd' AND dimension = 'user';

DELETE FROM chatbot_usage_rollup WHERE dimension = 'user';
