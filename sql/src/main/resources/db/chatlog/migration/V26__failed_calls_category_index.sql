-- Errors by category over a window (the call analysis): the failed rows' categories read from the index alone, not
-- each failed row's page (30 days at a million calls: ~25,000 row reads, about a second here). It leads with what
-- idx_llm_calls_failed had (success, started_at), so the recent errors read it the same way: that one goes.
CREATE INDEX idx_llm_calls_failed_category ON chatbot_llm_calls (success, started_at, error_category);
DROP INDEX idx_llm_calls_failed ON chatbot_llm_calls;
