-- The experiment arm a turn ran in (issue 33), '<experiment>/<variant>', on its message and on every call of it: a
-- dimension like model or agent (rollups under dimension 'arm'), and what an experiment's analysis reads by.
ALTER TABLE chatbot_llm_calls ADD COLUMN arm VARCHAR(130) NULL AFTER user_id, ADD KEY idx_calls_arm (arm, started_at);
ALTER TABLE chatbot_conversation_messages ADD COLUMN arm VARCHAR(130) NULL AFTER chat_mode, ADD KEY idx_messages_arm (arm, `timestamp`);
-- Who stopped an experiment: 'user' (the route), 'guardrail' or 'budget' (stopped automatically: the alert engine notifies it).
ALTER TABLE chatbot_experiments ADD COLUMN stopped_by VARCHAR(16) NULL AFTER stopped_at;
