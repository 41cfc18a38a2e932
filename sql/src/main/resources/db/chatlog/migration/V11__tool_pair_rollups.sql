-- The tool dimension paired with the agent and with the chat mode, so that the tool breakdown
-- under an agent or chat-mode filter reads rollups over any window instead of the tool calls:
--   tool_agent, tool_chat_mode: tool executions (tool_calls, failed_tool_calls, tool_duration_ms,
--   their durations in lat_NN and their maximum), dim_value = tool '|' agent / chat mode.
-- Hourly and daily. Rows already stored are added here once; the writer keeps them from now on.

INSERT INTO chatbot_usage_rollup (granularity, dimension, bucket_start, dim_value, tool_calls, failed_tool_calls,
    tool_duration_ms, lat_00, lat_01, lat_02, lat_03, lat_04, lat_05, lat_06, lat_07, lat_08, lat_09, lat_10, lat_11,
    lat_12, lat_13, lat_14, lat_15, lat_16, lat_17, max_duration_ms)
SELECT g.granularity, 'tool_agent', IF(g.granularity = 'h', DATE_FORMAT(c.started_at, '%Y-%m-%d %H:00:00'),
           DATE_FORMAT(c.started_at, '%Y-%m-%d 00:00:00')) AS bucket,
       LEFT(CONCAT(COALESCE(c.function_name, ''), '|', COALESCE(c.agent, '')), 255) AS pair_value,
       COUNT(*), SUM(NOT c.success), SUM(c.duration_ms),
       SUM(c.duration_ms <= 50), SUM(c.duration_ms > 50 AND c.duration_ms <= 100),
       SUM(c.duration_ms > 100 AND c.duration_ms <= 200), SUM(c.duration_ms > 200 AND c.duration_ms <= 300),
       SUM(c.duration_ms > 300 AND c.duration_ms <= 500), SUM(c.duration_ms > 500 AND c.duration_ms <= 750),
       SUM(c.duration_ms > 750 AND c.duration_ms <= 1000), SUM(c.duration_ms > 1000 AND c.duration_ms <= 1500),
       SUM(c.duration_ms > 1500 AND c.duration_ms <= 2000), SUM(c.duration_ms > 2000 AND c.duration_ms <= 3000),
       SUM(c.duration_ms > 3000 AND c.duration_ms <= 5000), SUM(c.duration_ms > 5000 AND c.duration_ms <= 7500),
       SUM(c.duration_ms > 7500 AND c.duration_ms <= 10000), SUM(c.duration_ms > 10000 AND c.duration_ms <= 15000),
       SUM(c.duration_ms > 15000 AND c.duration_ms <= 20000), SUM(c.duration_ms > 20000 AND c.duration_ms <= 30000),
       SUM(c.duration_ms > 30000 AND c.duration_ms <= 60000), SUM(c.duration_ms > 60000),
       MAX(c.duration_ms)
FROM chatbot_llm_calls c CROSS JOIN (SELECT 'h' AS granularity UNION ALL SELECT 'd') g
WHERE c.call_type = 'tool'
GROUP BY g.granularity, bucket, pair_value;

INSERT INTO chatbot_usage_rollup (granularity, dimension, bucket_start, dim_value, tool_calls, failed_tool_calls,
    tool_duration_ms, lat_00, lat_01, lat_02, lat_03, lat_04, lat_05, lat_06, lat_07, lat_08, lat_09, lat_10, lat_11,
    lat_12, lat_13, lat_14, lat_15, lat_16, lat_17, max_duration_ms)
SELECT g.granularity, 'tool_chat_mode', IF(g.granularity = 'h', DATE_FORMAT(c.started_at, '%Y-%m-%d %H:00:00'),
           DATE_FORMAT(c.started_at, '%Y-%m-%d 00:00:00')) AS bucket,
       LEFT(CONCAT(COALESCE(c.function_name, ''), '|', COALESCE(c.chat_mode, '')), 255) AS pair_value,
       COUNT(*), SUM(NOT c.success), SUM(c.duration_ms),
       SUM(c.duration_ms <= 50), SUM(c.duration_ms > 50 AND c.duration_ms <= 100),
       SUM(c.duration_ms > 100 AND c.duration_ms <= 200), SUM(c.duration_ms > 200 AND c.duration_ms <= 300),
       SUM(c.duration_ms > 300 AND c.duration_ms <= 500), SUM(c.duration_ms > 500 AND c.duration_ms <= 750),
       SUM(c.duration_ms > 750 AND c.duration_ms <= 1000), SUM(c.duration_ms > 1000 AND c.duration_ms <= 1500),
       SUM(c.duration_ms > 1500 AND c.duration_ms <= 2000), SUM(c.duration_ms > 2000 AND c.duration_ms <= 3000),
       SUM(c.duration_ms > 3000 AND c.duration_ms <= 5000), SUM(c.duration_ms > 5000 AND c.duration_ms <= 7500),
       SUM(c.duration_ms > 7500 AND c.duration_ms <= 10000), SUM(c.duration_ms > 10000 AND c.duration_ms <= 15000),
       SUM(c.duration_ms > 15000 AND c.duration_ms <= 20000), SUM(c.duration_ms > 20000 AND c.duration_ms <= 30000),
       SUM(c.duration_ms > 30000 AND c.duration_ms <= 60000), SUM(c.duration_ms > 60000),
       MAX(c.duration_ms)
FROM chatbot_llm_calls c CROSS JOIN (SELECT 'h' AS granularity UNION ALL SELECT 'd') g
WHERE c.call_type = 'tool'
GROUP BY g.granularity, bucket, pair_value;
