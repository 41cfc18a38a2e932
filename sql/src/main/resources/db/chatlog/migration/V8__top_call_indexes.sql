-- The slowest and the most expensive calls of a window, read in value order: the window's bounds
-- are checked on the index entries themselves (index condition pushdown), so a ranking reads a few
-- entries per result instead of sorting every call of the window.
CREATE INDEX idx_llm_calls_slowest ON chatbot_llm_calls (duration_ms, started_at);
CREATE INDEX idx_llm_calls_costliest ON chatbot_llm_calls (cost_estimate, started_at);
