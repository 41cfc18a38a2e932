-- Cache lookups (call_type 'cache', finish_reason 'hit' or 'miss'): every rollup row sums the hits, the misses and
-- what the hits saved (time, and cost where it was known), so hit rates per cache (the 'step' dimension's
-- 'cache:<name>' rows) and per anything else are a rollup read. No cache rows existed before: nothing to backfill.
ALTER TABLE chatbot_usage_rollup
    ADD COLUMN cache_hits       INT           NOT NULL DEFAULT 0,
    ADD COLUMN cache_misses     INT           NOT NULL DEFAULT 0,
    ADD COLUMN cache_saved_ms   DECIMAL(20,2) NOT NULL DEFAULT 0,
    ADD COLUMN cache_saved_cost DECIMAL(24,10) NOT NULL DEFAULT 0;
