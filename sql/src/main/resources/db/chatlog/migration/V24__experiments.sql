-- Experiments on models and prompts (issue 33): a definition per name (its variants with their shares, its metrics, its
-- salt: the JSON the routes take) and when it runs. The arms of a turn are stored on its rows in a later version.
CREATE TABLE chatbot_experiments (
    name         VARCHAR(64)   CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL PRIMARY KEY, -- exact: units are hashed with it
    definition   JSON          NOT NULL,
    start_at     DATETIME(3)   NULL,
    end_at       DATETIME(3)   NULL,
    stopped_at   DATETIME(3)   NULL,
    stop_reason  VARCHAR(500)  NULL,
    updated_at   DATETIME(3)   NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
