-- The per-row maxima of V7 for the rows V7 did not fill: daily rows of every dimension, and the
-- 'model_function' dimension (hourly and daily). With every rollup row's maximum known, latency
-- percentiles can end at the largest value counted instead of at their bucket's edge.

UPDATE chatbot_usage_rollup r JOIN (
    SELECT DATE_FORMAT(started_at, '%Y-%m-%d 00:00:00') AS b, '' AS v, MAX(duration_ms) AS d, COALESCE(MAX(cost_estimate), 0) AS c
    FROM chatbot_llm_calls WHERE call_type IN ('chat', 'streaming_chat', 'embedding') GROUP BY b, v) x
  ON r.granularity = 'd' AND r.dimension = 'all' AND r.bucket_start = x.b AND r.dim_value = x.v
SET r.max_duration_ms = x.d, r.max_cost = x.c;

UPDATE chatbot_usage_rollup r JOIN (
    SELECT DATE_FORMAT(started_at, '%Y-%m-%d 00:00:00') AS b, COALESCE(model, '') AS v, MAX(duration_ms) AS d, COALESCE(MAX(cost_estimate), 0) AS c
    FROM chatbot_llm_calls WHERE call_type IN ('chat', 'streaming_chat', 'embedding') GROUP BY b, v) x
  ON r.granularity = 'd' AND r.dimension = 'model' AND r.bucket_start = x.b AND r.dim_value = x.v
SET r.max_duration_ms = x.d, r.max_cost = x.c;

UPDATE chatbot_usage_rollup r JOIN (
    SELECT DATE_FORMAT(started_at, '%Y-%m-%d 00:00:00') AS b, COALESCE(agent, '') AS v, MAX(duration_ms) AS d, COALESCE(MAX(cost_estimate), 0) AS c
    FROM chatbot_llm_calls WHERE call_type IN ('chat', 'streaming_chat', 'embedding') GROUP BY b, v) x
  ON r.granularity = 'd' AND r.dimension = 'agent' AND r.bucket_start = x.b AND r.dim_value = x.v
SET r.max_duration_ms = x.d, r.max_cost = x.c;

UPDATE chatbot_usage_rollup r JOIN (
    SELECT DATE_FORMAT(started_at, '%Y-%m-%d 00:00:00') AS b, COALESCE(function_name, '') AS v, MAX(duration_ms) AS d, COALESCE(MAX(cost_estimate), 0) AS c
    FROM chatbot_llm_calls WHERE call_type IN ('chat', 'streaming_chat', 'embedding') GROUP BY b, v) x
  ON r.granularity = 'd' AND r.dimension = 'function' AND r.bucket_start = x.b AND r.dim_value = x.v
SET r.max_duration_ms = x.d, r.max_cost = x.c;

UPDATE chatbot_usage_rollup r JOIN (
    SELECT DATE_FORMAT(started_at, '%Y-%m-%d 00:00:00') AS b, COALESCE(chat_mode, '') AS v, MAX(duration_ms) AS d, COALESCE(MAX(cost_estimate), 0) AS c
    FROM chatbot_llm_calls WHERE call_type IN ('chat', 'streaming_chat', 'embedding') GROUP BY b, v) x
  ON r.granularity = 'd' AND r.dimension = 'chat_mode' AND r.bucket_start = x.b AND r.dim_value = x.v
SET r.max_duration_ms = x.d, r.max_cost = x.c;

UPDATE chatbot_usage_rollup r JOIN (
    SELECT DATE_FORMAT(started_at, '%Y-%m-%d %H:00:00') AS b, CONCAT(COALESCE(model, ''), '|', COALESCE(function_name, '')) AS v, MAX(duration_ms) AS d, COALESCE(MAX(cost_estimate), 0) AS c
    FROM chatbot_llm_calls WHERE call_type IN ('chat', 'streaming_chat', 'embedding') GROUP BY b, v) x
  ON r.granularity = 'h' AND r.dimension = 'model_function' AND r.bucket_start = x.b AND r.dim_value = x.v
SET r.max_duration_ms = x.d, r.max_cost = x.c;

UPDATE chatbot_usage_rollup r JOIN (
    SELECT DATE_FORMAT(started_at, '%Y-%m-%d 00:00:00') AS b, CONCAT(COALESCE(model, ''), '|', COALESCE(function_name, '')) AS v, MAX(duration_ms) AS d, COALESCE(MAX(cost_estimate), 0) AS c
    FROM chatbot_llm_calls WHERE call_type IN ('chat', 'streaming_chat', 'embedding') GROUP BY b, v) x
  ON r.granularity = 'd' AND r.dimension = 'model_function' AND r.bucket_start = x.b AND r.dim_value = x.v
SET r.max_duration_ms = x.d, r.max_cost = x.c;

UPDATE chatbot_usage_rollup r JOIN (
    SELECT DATE_FORMAT(started_at, '%Y-%m-%d 00:00:00') AS b, LEFT(COALESCE(function_name, ''), 255) AS v, MAX(duration_ms) AS d
    FROM chatbot_llm_calls WHERE call_type = 'tool' GROUP BY b, v) x
  ON r.granularity = 'd' AND r.dimension = 'tool' AND r.bucket_start = x.b AND r.dim_value = x.v
SET r.max_duration_ms = x.d;
