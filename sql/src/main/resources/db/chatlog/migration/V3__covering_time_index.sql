-- The statistics routes scan a time range and sort it by duration or cost (slowest / most expensive
-- calls): with these columns in the index they read the index alone, not the rows.
CREATE INDEX idx_llm_calls_time_cover ON chatbot_llm_calls (started_at, call_type, duration_ms, cost_estimate);
DROP INDEX idx_llm_calls_started ON chatbot_llm_calls;
