-- Steps of the pipeline other than tools (call_type 'retrieval' and 'guardrail' so far): their counts, failures and
-- summed durations in every rollup row (like tool_calls), and a 'step' dimension keyed '<call_type>:<name>'
-- (e.g. 'retrieval:products') whose lat_NN histogram holds the steps' durations. No rows of these kinds existed
-- before this version, so there is nothing to backfill. Instant on MariaDB 10.3+ and MySQL 8.0.
ALTER TABLE chatbot_usage_rollup
    ADD COLUMN step_calls        INT           NOT NULL DEFAULT 0,
    ADD COLUMN failed_step_calls INT           NOT NULL DEFAULT 0,
    ADD COLUMN step_duration_ms  DECIMAL(20,2) NOT NULL DEFAULT 0;
