-- The slowest and the most expensive model call of each rollup row (for dimension 'tool': the
-- slowest tool execution). They let the "slowest calls" and "most expensive calls" lists read only
-- the hours that can hold them instead of every call of a long window. Kept with GREATEST by the
-- writer (idempotent); rows already stored are filled in here once (hourly rows: the ones read).
ALTER TABLE chatbot_usage_rollup
    ADD COLUMN max_duration_ms DECIMAL(14,2) NOT NULL DEFAULT 0,
    ADD COLUMN max_cost DECIMAL(18,10) NOT NULL DEFAULT 0;

UPDATE chatbot_usage_rollup r JOIN (
    SELECT DATE_FORMAT(started_at, '%Y-%m-%d %H:00:00') AS b, MAX(duration_ms) AS d, COALESCE(MAX(cost_estimate), 0) AS c
    FROM chatbot_llm_calls WHERE call_type IN ('chat', 'streaming_chat', 'embedding') GROUP BY b) x
  ON r.granularity = 'h' AND r.dimension = 'all' AND r.bucket_start = x.b AND r.dim_value = ''
SET r.max_duration_ms = x.d, r.max_cost = x.c;

UPDATE chatbot_usage_rollup r JOIN (
    SELECT DATE_FORMAT(started_at, '%Y-%m-%d %H:00:00') AS b, COALESCE(model, '') AS v, MAX(duration_ms) AS d,
           COALESCE(MAX(cost_estimate), 0) AS c
    FROM chatbot_llm_calls WHERE call_type IN ('chat', 'streaming_chat', 'embedding') GROUP BY b, v) x
  ON r.granularity = 'h' AND r.dimension = 'model' AND r.bucket_start = x.b AND r.dim_value = x.v
SET r.max_duration_ms = x.d, r.max_cost = x.c;

UPDATE chatbot_usage_rollup r JOIN (
    SELECT DATE_FORMAT(started_at, '%Y-%m-%d %H:00:00') AS b, COALESCE(agent, '') AS v, MAX(duration_ms) AS d,
           COALESCE(MAX(cost_estimate), 0) AS c
    FROM chatbot_llm_calls WHERE call_type IN ('chat', 'streaming_chat', 'embedding') GROUP BY b, v) x
  ON r.granularity = 'h' AND r.dimension = 'agent' AND r.bucket_start = x.b AND r.dim_value = x.v
SET r.max_duration_ms = x.d, r.max_cost = x.c;

UPDATE chatbot_usage_rollup r JOIN (
    SELECT DATE_FORMAT(started_at, '%Y-%m-%d %H:00:00') AS b, COALESCE(function_name, '') AS v, MAX(duration_ms) AS d,
           COALESCE(MAX(cost_estimate), 0) AS c
    FROM chatbot_llm_calls WHERE call_type IN ('chat', 'streaming_chat', 'embedding') GROUP BY b, v) x
  ON r.granularity = 'h' AND r.dimension = 'function' AND r.bucket_start = x.b AND r.dim_value = x.v
SET r.max_duration_ms = x.d, r.max_cost = x.c;

UPDATE chatbot_usage_rollup r JOIN (
    SELECT DATE_FORMAT(started_at, '%Y-%m-%d %H:00:00') AS b, COALESCE(chat_mode, '') AS v, MAX(duration_ms) AS d,
           COALESCE(MAX(cost_estimate), 0) AS c
    FROM chatbot_llm_calls WHERE call_type IN ('chat', 'streaming_chat', 'embedding') GROUP BY b, v) x
  ON r.granularity = 'h' AND r.dimension = 'chat_mode' AND r.bucket_start = x.b AND r.dim_value = x.v
SET r.max_duration_ms = x.d, r.max_cost = x.c;

UPDATE chatbot_usage_rollup r JOIN (
    SELECT DATE_FORMAT(started_at, '%Y-%m-%d %H:00:00') AS b, COALESCE(function_name, '') AS v, MAX(duration_ms) AS d
    FROM chatbot_llm_calls WHERE call_type = 'tool' GROUP BY b, v) x
  ON r.granularity = 'h' AND r.dimension = 'tool' AND r.bucket_start = x.b AND r.dim_value = x.v
SET r.max_duration_ms = x.d;
