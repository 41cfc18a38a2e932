-- Erasure on request (#29): one audit row per erasure — who asked, when, what kind of subject and how much went — with
-- no content: the subject (a conversation or a user id) is kept only as a SHA-256 hash, which is also what the store
-- checks before it writes, so a record of an erased subject that was still in a spool is not written after the erasure.
CREATE TABLE chatbot_erasures (
    id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    scope         VARCHAR(20)  NOT NULL,
    subject_hash  CHAR(64)     NOT NULL,
    requested_by  VARCHAR(200) NOT NULL,
    reason        VARCHAR(500) NULL,
    requested_at  DATETIME(3)  NOT NULL,
    finished_at   DATETIME(3)  NULL,
    conversations BIGINT       NOT NULL DEFAULT 0,
    messages      BIGINT       NOT NULL DEFAULT 0,
    calls         BIGINT       NOT NULL DEFAULT 0,
    KEY idx_erasures_subject (subject_hash, requested_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
