-- What went wrong with a failed row, in the terms of what to do about it (dev.chatlog.core.ErrorCategory): rate
-- limited, timeout, authentication, model not found, context length exceeded, content filtered, invalid request,
-- provider error, network, tool error, guardrail refused, budget refused, other. NULL for a successful row. The
-- store classifies every new row in Java; the failed rows already stored are classified here by the same rules, in
-- the same order (the error's class, the provider's code in the message, the HTTP status, then the message). JSON_EXTRACT,
-- not JSON_VALUE (MySQL 8.0 before 8.0.21 has none); an http_status that is not a JSON integer is no status, as in Java.
ALTER TABLE chatbot_llm_calls ADD COLUMN error_category VARCHAR(32) NULL;

UPDATE chatbot_llm_calls
SET error_category = CASE
    WHEN LOWER(SUBSTRING_INDEX(COALESCE(error_type, ''), '.', -1)) = 'guardrail_refused' OR LOWER(SUBSTRING_INDEX(COALESCE(error_type, ''), '.', -1)) LIKE '%guardrailexception%' THEN 'guardrail_refused'
    WHEN LOWER(SUBSTRING_INDEX(COALESCE(error_type, ''), '.', -1)) LIKE 'budget%' AND (LOWER(SUBSTRING_INDEX(COALESCE(error_type, ''), '.', -1)) LIKE '%exceeded%' OR LOWER(SUBSTRING_INDEX(COALESCE(error_type, ''), '.', -1)) LIKE '%refus%') THEN 'budget_refused'
    WHEN call_type = 'tool' OR LOWER(SUBSTRING_INDEX(COALESCE(error_type, ''), '.', -1)) IN ('tool_error', 'toolexecutionexception', 'toolargumentsexception') THEN 'tool_error'
    WHEN LOWER(COALESCE(error_message, '')) LIKE '%context!_length!_exceeded%' ESCAPE '!' OR LOWER(COALESCE(error_message, '')) LIKE '%maximum context length%' OR LOWER(COALESCE(error_message, '')) LIKE '%context window%'
         OR LOWER(COALESCE(error_message, '')) LIKE '%prompt is too long%' OR LOWER(COALESCE(error_message, '')) LIKE '%too many tokens%' THEN 'context_length_exceeded'
    WHEN LOWER(SUBSTRING_INDEX(COALESCE(error_type, ''), '.', -1)) = 'contentfilteredexception' OR LOWER(COALESCE(error_message, '')) LIKE '%content!_filter%' ESCAPE '!' OR LOWER(COALESCE(error_message, '')) LIKE '%content management policy%' THEN 'content_filtered'
    WHEN LOWER(SUBSTRING_INDEX(COALESCE(error_type, ''), '.', -1)) = 'ratelimitexception' THEN 'rate_limited'
    WHEN LOWER(SUBSTRING_INDEX(COALESCE(error_type, ''), '.', -1)) IN ('timeoutexception', 'httptimeoutexception', 'sockettimeoutexception', 'interruptedioexception') THEN 'timeout'
    WHEN LOWER(SUBSTRING_INDEX(COALESCE(error_type, ''), '.', -1)) = 'authenticationexception' THEN 'authentication'
    WHEN LOWER(SUBSTRING_INDEX(COALESCE(error_type, ''), '.', -1)) = 'modelnotfoundexception' THEN 'model_not_found'
    WHEN LOWER(SUBSTRING_INDEX(COALESCE(error_type, ''), '.', -1)) = 'internalserverexception' THEN 'provider_error'
    WHEN LOWER(SUBSTRING_INDEX(COALESCE(error_type, ''), '.', -1)) IN ('unresolvedmodelserverexception', 'connectexception', 'unknownhostexception', 'noroutetohostexception',
                 'closedchannelexception', 'sslexception', 'sslhandshakeexception') THEN 'network'
    WHEN LOWER(SUBSTRING_INDEX(COALESCE(error_type, ''), '.', -1)) = 'invalidrequestexception' THEN 'invalid_request'
    WHEN IF(JSON_TYPE(JSON_EXTRACT(metadata, '$.http_status')) = 'INTEGER', CAST(JSON_EXTRACT(metadata, '$.http_status') AS SIGNED), NULL) = 429 THEN 'rate_limited'
    WHEN IF(JSON_TYPE(JSON_EXTRACT(metadata, '$.http_status')) = 'INTEGER', CAST(JSON_EXTRACT(metadata, '$.http_status') AS SIGNED), NULL) IN (401, 403) THEN 'authentication'
    WHEN IF(JSON_TYPE(JSON_EXTRACT(metadata, '$.http_status')) = 'INTEGER', CAST(JSON_EXTRACT(metadata, '$.http_status') AS SIGNED), NULL) = 404 THEN 'model_not_found'
    WHEN IF(JSON_TYPE(JSON_EXTRACT(metadata, '$.http_status')) = 'INTEGER', CAST(JSON_EXTRACT(metadata, '$.http_status') AS SIGNED), NULL) IN (408, 504) THEN 'timeout'
    WHEN IF(JSON_TYPE(JSON_EXTRACT(metadata, '$.http_status')) = 'INTEGER', CAST(JSON_EXTRACT(metadata, '$.http_status') AS SIGNED), NULL) >= 500 THEN 'provider_error'
    WHEN IF(JSON_TYPE(JSON_EXTRACT(metadata, '$.http_status')) = 'INTEGER', CAST(JSON_EXTRACT(metadata, '$.http_status') AS SIGNED), NULL) >= 400 THEN 'invalid_request'
    WHEN LOWER(COALESCE(error_message, '')) LIKE '%timed out%' OR LOWER(COALESCE(error_message, '')) LIKE '%timeout%' THEN 'timeout'
    WHEN LOWER(COALESCE(error_message, '')) LIKE '%connection refused%' OR LOWER(COALESCE(error_message, '')) LIKE '%connectexception%' OR LOWER(COALESCE(error_message, '')) LIKE '%unknownhost%'
         OR LOWER(COALESCE(error_message, '')) LIKE '%connection reset%' THEN 'network'
    ELSE 'other' END
WHERE success = 0;
