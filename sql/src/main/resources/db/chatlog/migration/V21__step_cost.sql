-- The cost of steps that carry one: an external service's calls ('service' rows) priced by the application. Model
-- calls keep theirs in 'cost'; 'step_cost' sums the priced step rows, so cost per service is a rollup read (the
-- 'step' dimension's 'service:<name>' rows). No step row carried a cost before: nothing to backfill.
ALTER TABLE chatbot_usage_rollup
    ADD COLUMN step_cost DECIMAL(24,10) NOT NULL DEFAULT 0;
