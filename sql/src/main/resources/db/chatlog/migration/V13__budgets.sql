-- Budgets (#18): definitions, one counter row per budget and window (keyed by the window's index: a new
-- period is a new row, nothing resets), the reservations in flight, and the append-only ledger that
-- every change of a counter is written with, in the same transaction. Keyed by budget name, so the
-- tables shard by budget, apart from the conversations.
CREATE TABLE chatbot_budgets (
    name        VARCHAR(100)   NOT NULL PRIMARY KEY,
    scope       VARCHAR(20)    NOT NULL,
    scope_value VARCHAR(255)   NOT NULL DEFAULT '',
    period      VARCHAR(10)    NOT NULL,
    zone        VARCHAR(64)    NOT NULL DEFAULT 'UTC',
    limit_usd   DECIMAL(20,10) NOT NULL,
    warn_at     VARCHAR(100)   NOT NULL DEFAULT '0.8',
    action      VARCHAR(10)    NOT NULL,
    updated_at  DATETIME(3)    NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE chatbot_budget_windows (
    budget_name  VARCHAR(100)   NOT NULL,
    window_index BIGINT         NOT NULL,
    starts_at    DATETIME(3)    NOT NULL,
    ends_at      DATETIME(3)    NOT NULL,
    spent        DECIMAL(20,10) NOT NULL DEFAULT 0,
    reserved     DECIMAL(20,10) NOT NULL DEFAULT 0,
    PRIMARY KEY (budget_name, window_index)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE chatbot_budget_reservations (
    reservation_id VARCHAR(64)    NOT NULL PRIMARY KEY,
    budget_name    VARCHAR(100)   NOT NULL,
    window_index   BIGINT         NOT NULL,
    amount         DECIMAL(20,10) NOT NULL,
    state          VARCHAR(10)    NOT NULL,
    lease_until    DATETIME(3)    NOT NULL,
    created_at     DATETIME(3)    NOT NULL,
    KEY idx_budget_reservations_lease (state, lease_until)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE chatbot_budget_ledger (
    id             BIGINT         NOT NULL AUTO_INCREMENT PRIMARY KEY,
    budget_name    VARCHAR(100)   NOT NULL,
    window_index   BIGINT         NOT NULL,
    reservation_id VARCHAR(64)    NOT NULL,
    kind           VARCHAR(10)    NOT NULL,
    reserved_delta DECIMAL(20,10) NOT NULL,
    spent_delta    DECIMAL(20,10) NOT NULL,
    at             DATETIME(3)    NOT NULL,
    KEY idx_budget_ledger_window (budget_name, window_index)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
