-- Alerts (#19). Rules read the rollups: minute rows (granularity 'm', dimensions all, model, function,
-- tool; kept two days by retention) are added to chatbot_usage_rollup by the writer from now on, with
-- two more maxima for every row (the most tokens of one model call, the slowest first token).
ALTER TABLE chatbot_usage_rollup
    ADD COLUMN max_total_tokens DECIMAL(14,2) NOT NULL DEFAULT 0,
    ADD COLUMN max_ttft_ms      DECIMAL(14,2) NOT NULL DEFAULT 0;

-- The rules (their JSON definition as given, re-read on load), shared by every instance.
CREATE TABLE chatbot_alert_rules (
    name        VARCHAR(100) NOT NULL PRIMARY KEY,
    definition  JSON         NOT NULL,
    updated_at  DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per rule and subject (a model, a function, a budget, an instance, '' for all): its state
-- (OK, WARNING, ALERT) and a sequence number that every change moves by one, with a conditional
-- update, so of many instances evaluating the same rule exactly one writes each change and its
-- notifications. notified_state: the last state notified; alerted_state / alerted_at: the last
-- WARNING or ALERT notified and when (a repeat within the rule's suppress time is not notified).
-- Keyed by rule name.
CREATE TABLE chatbot_alert_states (
    rule_name          VARCHAR(100)   NOT NULL,
    subject            VARCHAR(255)   NOT NULL,
    state              VARCHAR(10)    NOT NULL,
    seq                BIGINT         NOT NULL DEFAULT 0,
    value              DECIMAL(24,6)  NULL,
    calls              BIGINT         NOT NULL DEFAULT 0,
    since              DATETIME(3)    NOT NULL,
    evaluated_at       DATETIME(3)    NOT NULL,
    notified_state     VARCHAR(10)    NULL,
    alerted_state      VARCHAR(10)    NULL,
    alerted_at         DATETIME(3)    NULL,
    PRIMARY KEY (rule_name, subject)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The outbox: one row per notification and channel, written in the transaction of the state change
-- that caused it, before anything is sent; sent, retried with backoff and marked by the dispatcher.
-- notification_key is the idempotency key receivers see (the same for every channel of one
-- notification). status: pending, sending (claimed until claimed_until), held (waiting for a digest),
-- digested (sent inside a digest), delivered, failed (gave up).
CREATE TABLE chatbot_alert_outbox (
    id               BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    notification_key VARCHAR(64)   NOT NULL,
    channel          VARCHAR(20)   NOT NULL,
    rule_name        VARCHAR(100)  NOT NULL,
    subject          VARCHAR(255)  NOT NULL,
    state            VARCHAR(10)   NOT NULL,
    severity         VARCHAR(10)   NOT NULL,
    body             JSON          NOT NULL,
    status           VARCHAR(10)   NOT NULL,
    attempts         INT           NOT NULL DEFAULT 0,
    next_attempt_at  DATETIME(3)   NOT NULL,
    claimed_until    DATETIME(3)   NULL,
    last_error       VARCHAR(500)  NULL,
    digest_key       VARCHAR(64)   NULL,
    created_at       DATETIME(3)   NOT NULL,
    delivered_at     DATETIME(3)   NULL,
    UNIQUE KEY uq_alert_outbox (notification_key, channel),
    KEY idx_alert_outbox_due (status, next_attempt_at),
    KEY idx_alert_outbox_time (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
