-- Input tokens written to the provider's prompt cache (Anthropic's cache creation, billed at 1.25x input),
-- part of input_tokens like cached_input_tokens (the cache reads). Added last: an instant change on
-- MariaDB 10.3+ and MySQL 8.0, however many calls the table holds.
ALTER TABLE chatbot_llm_calls ADD COLUMN cache_write_tokens INT NOT NULL DEFAULT 0;
