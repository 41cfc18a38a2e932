-- Alert channels of the deployment (#28): every instance's outbox sender says which channels it can send
-- (log, webhook, email) every 30 s; a rule's notification goes to the channels of the deployment (the
-- rule's own, or every one an instance was seen with lately), not only those of the instance that won
-- the state change.
CREATE TABLE chatbot_alert_channels (
    channel      VARCHAR(20)  NOT NULL PRIMARY KEY,
    last_seen_at DATETIME(3)  NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
