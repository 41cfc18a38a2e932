-- Budgets (#18), visibility: who each reservation was for (what the events name as their causes) and
-- what it settled at; budget events (a threshold crossed, the limit reached, projected to pass it, a
-- cost spike, whose window is the hour of the spike), each written once per budget, window, kind and threshold (the key makes a second writer's insert
-- a no-op, so any number of instances can evaluate). Keyed by budget name, like the other budget tables.
ALTER TABLE chatbot_budget_reservations
    ADD COLUMN conversation_id VARCHAR(255)   NULL,
    ADD COLUMN user_id         VARCHAR(255)   NULL,
    ADD COLUMN model           VARCHAR(255)   NULL,
    ADD COLUMN cost            DECIMAL(20,10) NULL,
    ADD KEY idx_budget_reservations_window (budget_name, window_index),
    ADD KEY idx_budget_reservations_time (budget_name, created_at);

CREATE TABLE chatbot_budget_events (
    id           BIGINT         NOT NULL AUTO_INCREMENT PRIMARY KEY,
    budget_name  VARCHAR(100)   NOT NULL,
    window_index BIGINT         NOT NULL,
    kind         VARCHAR(20)    NOT NULL,
    threshold    DECIMAL(6,4)   NOT NULL DEFAULT 0,
    limit_usd    DECIMAL(20,10) NOT NULL,
    spent        DECIMAL(20,10) NOT NULL,
    projected    DECIMAL(20,10) NULL,
    details      JSON           NOT NULL,
    created_at   DATETIME(3)    NOT NULL,
    UNIQUE KEY uq_budget_events (budget_name, window_index, kind, threshold),
    KEY idx_budget_events_time (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A deleted budget keeps its row (marked) so its name keeps its period: windows are counted by the
-- period's index, and a name reused with another period would meet the old windows' counters.
ALTER TABLE chatbot_budgets ADD COLUMN deleted_at DATETIME(3) NULL;
