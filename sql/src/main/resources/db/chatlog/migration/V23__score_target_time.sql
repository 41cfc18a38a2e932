-- The quality reads go by the time of what was scored (a turn's, a call's): the warnings of a window and the alert
-- causes by target_at alone, the agreement of a score name by name and target_at.
ALTER TABLE chatbot_scores ADD KEY idx_scores_target_time (target_at), ADD KEY idx_scores_name_target (name, target_at);
