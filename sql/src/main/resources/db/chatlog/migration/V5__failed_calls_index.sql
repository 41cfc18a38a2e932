-- The dashboard's "recent errors" list (newest failed calls of a window) reads this index backwards
-- instead of walking every call of the window looking for failures.
CREATE INDEX idx_llm_calls_failed ON chatbot_llm_calls (success, started_at);
