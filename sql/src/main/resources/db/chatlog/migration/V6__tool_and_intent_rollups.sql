-- Two more rollup dimensions, so that long windows never scan raw rows for them:
--   'tool':   tool executions per tool (dim_value = function_name): tool_calls, failed_tool_calls,
--             tool_duration_ms, and their durations in the lat_NN histogram (tool rows only, so the
--             histogram means tool durations there).
--   'intent': messages per intent (by message time): messages, failed_messages, message_duration_ms,
--             and the model calls counted in those messages' totals (llm_calls, tokens, cost,
--             unpriced_calls, llm_duration_ms), whenever the calls arrive.
-- Both hourly and daily. Rows already stored are added here once; the writer keeps them from now on.

INSERT INTO chatbot_usage_rollup (granularity, dimension, bucket_start, dim_value, tool_calls, failed_tool_calls,
    tool_duration_ms, lat_00, lat_01, lat_02, lat_03, lat_04, lat_05, lat_06, lat_07, lat_08, lat_09, lat_10, lat_11,
    lat_12, lat_13, lat_14, lat_15, lat_16, lat_17)
SELECT g.granularity, 'tool', IF(g.granularity = 'h', DATE_FORMAT(c.started_at, '%Y-%m-%d %H:00:00'),
           DATE_FORMAT(c.started_at, '%Y-%m-%d 00:00:00')) AS bucket, LEFT(COALESCE(c.function_name, ''), 255) AS tool_name,
       COUNT(*), SUM(NOT c.success), SUM(c.duration_ms),
       SUM(c.duration_ms <= 50), SUM(c.duration_ms > 50 AND c.duration_ms <= 100),
       SUM(c.duration_ms > 100 AND c.duration_ms <= 200), SUM(c.duration_ms > 200 AND c.duration_ms <= 300),
       SUM(c.duration_ms > 300 AND c.duration_ms <= 500), SUM(c.duration_ms > 500 AND c.duration_ms <= 750),
       SUM(c.duration_ms > 750 AND c.duration_ms <= 1000), SUM(c.duration_ms > 1000 AND c.duration_ms <= 1500),
       SUM(c.duration_ms > 1500 AND c.duration_ms <= 2000), SUM(c.duration_ms > 2000 AND c.duration_ms <= 3000),
       SUM(c.duration_ms > 3000 AND c.duration_ms <= 5000), SUM(c.duration_ms > 5000 AND c.duration_ms <= 7500),
       SUM(c.duration_ms > 7500 AND c.duration_ms <= 10000), SUM(c.duration_ms > 10000 AND c.duration_ms <= 15000),
       SUM(c.duration_ms > 15000 AND c.duration_ms <= 20000), SUM(c.duration_ms > 20000 AND c.duration_ms <= 30000),
       SUM(c.duration_ms > 30000 AND c.duration_ms <= 60000), SUM(c.duration_ms > 60000)
FROM chatbot_llm_calls c CROSS JOIN (SELECT 'h' AS granularity UNION ALL SELECT 'd') g
WHERE c.call_type = 'tool'
GROUP BY g.granularity, bucket, tool_name;

INSERT INTO chatbot_usage_rollup (granularity, dimension, bucket_start, dim_value, messages, failed_messages,
    message_duration_ms, llm_calls, input_tokens, output_tokens, total_tokens, cost, unpriced_calls, llm_duration_ms)
SELECT g.granularity, 'intent', IF(g.granularity = 'h', DATE_FORMAT(m.`timestamp`, '%Y-%m-%d %H:00:00'),
           DATE_FORMAT(m.`timestamp`, '%Y-%m-%d 00:00:00')) AS bucket, COALESCE(m.intent, '') AS intent_value,
       COUNT(*), SUM(NOT m.success), SUM(m.response_time_ms), SUM(m.total_llm_calls), SUM(m.total_input_tokens),
       SUM(m.total_output_tokens), SUM(m.total_tokens_used), SUM(m.total_cost), SUM(m.unpriced_calls), SUM(m.total_duration_ms)
FROM chatbot_conversation_messages m CROSS JOIN (SELECT 'h' AS granularity UNION ALL SELECT 'd') g
GROUP BY g.granularity, bucket, intent_value;
