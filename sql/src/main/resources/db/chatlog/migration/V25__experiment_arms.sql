-- The experiment arm a turn ran in (issue 33), '<experiment>/<variant>', on its message and on every call of it: a
-- dimension like model or agent (rollups under dimension 'arm'), and what an experiment's analysis reads by. Compared
-- exactly (utf8mb4_bin), as experiment names are: arms that differ in case are two arms.
ALTER TABLE chatbot_llm_calls ADD COLUMN arm VARCHAR(130) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL AFTER user_id,
    ADD KEY idx_calls_arm (arm, started_at);
ALTER TABLE chatbot_conversation_messages ADD COLUMN arm VARCHAR(130) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL AFTER chat_mode,
    ADD KEY idx_messages_arm (arm, `timestamp`);

-- Who stopped an experiment: 'user' (the route), 'guardrail' or 'budget' (stopped automatically: the alert engine notifies it).
ALTER TABLE chatbot_experiments ADD COLUMN stopped_by VARCHAR(16) NULL AFTER stopped_at;

-- Rows stored before this version are in no arm: their hourly and daily 'arm' rows are the 'all' rows, under ''.
CREATE TEMPORARY TABLE chatlog_arm_backfill AS SELECT * FROM chatbot_usage_rollup WHERE dimension = 'all' AND granularity IN ('h', 'd');
UPDATE chatlog_arm_backfill SET dimension = 'arm';
INSERT INTO chatbot_usage_rollup SELECT * FROM chatlog_arm_backfill;
DROP TEMPORARY TABLE chatlog_arm_backfill;
