-- Rollups for the statistics routes: one row per time bucket and dimension value, kept up to date
-- in the same transaction as the rows they count, from the rows that transaction really inserted
-- (exactly once, like the conversation summaries). Keyed by time bucket, not by conversation.
--   granularity: 'h' (hour) for dimensions all, model, agent, function, chat_mode;
--                'd' (day) for those and user.
--   dim_value:   '' for dimension 'all' and for rows without that attribute.
-- lat_NN / ttft_NN: histograms of model-call latency and time to first token, upper bounds in ms:
--   50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 7500, 10000, 15000, 20000, 30000, 60000, then everything above 60000.
-- Percentiles are read from them (linear within a bucket); sums give exact averages.

CREATE TABLE chatbot_usage_rollup (
    granularity          CHAR(1)        NOT NULL,
    dimension            VARCHAR(16)    NOT NULL,
    bucket_start         DATETIME       NOT NULL,
    dim_value            VARCHAR(255)   NOT NULL,
    messages             INT            NOT NULL DEFAULT 0,
    failed_messages      INT            NOT NULL DEFAULT 0,
    message_duration_ms  DECIMAL(20,2)  NOT NULL DEFAULT 0,
    llm_calls            INT            NOT NULL DEFAULT 0,
    failed_llm_calls     INT            NOT NULL DEFAULT 0,
    tool_calls           INT            NOT NULL DEFAULT 0,
    failed_tool_calls    INT            NOT NULL DEFAULT 0,
    agent_calls          INT            NOT NULL DEFAULT 0,
    input_tokens         BIGINT         NOT NULL DEFAULT 0,
    output_tokens        BIGINT         NOT NULL DEFAULT 0,
    cached_input_tokens  BIGINT         NOT NULL DEFAULT 0,
    reasoning_tokens     BIGINT         NOT NULL DEFAULT 0,
    total_tokens         BIGINT         NOT NULL DEFAULT 0,
    cost                 DECIMAL(24,10) NOT NULL DEFAULT 0,
    unpriced_calls       INT            NOT NULL DEFAULT 0,
    llm_duration_ms      DECIMAL(20,2)  NOT NULL DEFAULT 0,
    tool_duration_ms     DECIMAL(20,2)  NOT NULL DEFAULT 0,
    ttft_ms_sum          BIGINT         NOT NULL DEFAULT 0,
    ttft_count           INT            NOT NULL DEFAULT 0,
    lat_00  INT NOT NULL DEFAULT 0,
    lat_01  INT NOT NULL DEFAULT 0,
    lat_02  INT NOT NULL DEFAULT 0,
    lat_03  INT NOT NULL DEFAULT 0,
    lat_04  INT NOT NULL DEFAULT 0,
    lat_05  INT NOT NULL DEFAULT 0,
    lat_06  INT NOT NULL DEFAULT 0,
    lat_07  INT NOT NULL DEFAULT 0,
    lat_08  INT NOT NULL DEFAULT 0,
    lat_09  INT NOT NULL DEFAULT 0,
    lat_10  INT NOT NULL DEFAULT 0,
    lat_11  INT NOT NULL DEFAULT 0,
    lat_12  INT NOT NULL DEFAULT 0,
    lat_13  INT NOT NULL DEFAULT 0,
    lat_14  INT NOT NULL DEFAULT 0,
    lat_15  INT NOT NULL DEFAULT 0,
    lat_16  INT NOT NULL DEFAULT 0,
    lat_17  INT NOT NULL DEFAULT 0,
    ttft_00 INT NOT NULL DEFAULT 0,
    ttft_01 INT NOT NULL DEFAULT 0,
    ttft_02 INT NOT NULL DEFAULT 0,
    ttft_03 INT NOT NULL DEFAULT 0,
    ttft_04 INT NOT NULL DEFAULT 0,
    ttft_05 INT NOT NULL DEFAULT 0,
    ttft_06 INT NOT NULL DEFAULT 0,
    ttft_07 INT NOT NULL DEFAULT 0,
    ttft_08 INT NOT NULL DEFAULT 0,
    ttft_09 INT NOT NULL DEFAULT 0,
    ttft_10 INT NOT NULL DEFAULT 0,
    ttft_11 INT NOT NULL DEFAULT 0,
    ttft_12 INT NOT NULL DEFAULT 0,
    ttft_13 INT NOT NULL DEFAULT 0,
    ttft_14 INT NOT NULL DEFAULT 0,
    ttft_15 INT NOT NULL DEFAULT 0,
    ttft_16 INT NOT NULL DEFAULT 0,
    ttft_17 INT NOT NULL DEFAULT 0,
    PRIMARY KEY (granularity, dimension, bucket_start, dim_value)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Export and statistics by user or cost within a time range.
CREATE INDEX idx_llm_calls_user ON chatbot_llm_calls (user_id, started_at);
CREATE INDEX idx_llm_calls_agent ON chatbot_llm_calls (agent, started_at);
