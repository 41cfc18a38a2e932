package dev.chatlog.sql;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Data retention: rows older than {@code days} are deleted, and the text of rows older than
 * {@code contentDays} (prompts, outputs, user inputs, answers, SQL) is cleared earlier while their
 * figures stay. Work goes in small batches, each its own short transaction, so no table is locked
 * for long. Summaries of conversations whose last message is past retention are deleted; rollups
 * are aggregates and keep the history (minute rows: two days). Alert notifications sent past retention are deleted.
 */
public final class Retention {
    private static final Logger log = LoggerFactory.getLogger(Retention.class);
    static final int BATCH = 1000;

    public record Result(long callsDeleted, long messagesDeleted, long summariesDeleted, long callTextsCleared,
                         long messageTextsCleared) {}

    private final Jdbi jdbi;

    public Retention(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public Result purge(Instant now, int days, int contentDays) {
        if (days < 1 || contentDays < 1 || contentDays > days) {
            throw new IllegalArgumentException("need 1 <= content days <= days, got " + contentDays + " and " + days);
        }
        LocalDateTime cut = Utc.time(now.minusSeconds(86_400L * days));
        LocalDateTime contentCut = Utc.time(now.minusSeconds(86_400L * contentDays));
        long calls = repeat("DELETE FROM chatbot_llm_calls WHERE started_at < :cut ORDER BY started_at LIMIT " + BATCH, cut);
        long messages = repeat("DELETE FROM chatbot_conversation_messages WHERE `timestamp` < :cut ORDER BY `timestamp` LIMIT " + BATCH, cut);
        long summaries = repeat("DELETE FROM chatbot_conversation_summary WHERE last_message_at < :cut LIMIT " + BATCH, cut)
                + orphanedCallOnlySummaries();
        // scores given before the cut (a score comes after its target: theirs are gone too)
        repeat("DELETE FROM chatbot_scores WHERE scored_at < :cut ORDER BY scored_at LIMIT " + BATCH, cut);
        // notifications sent (or given up) past retention; those still to send stay
        repeat("DELETE FROM chatbot_alert_outbox WHERE created_at < :cut AND status IN ('delivered', 'failed', 'digested') LIMIT " + BATCH, cut);
        long callTexts = repeat("UPDATE chatbot_llm_calls SET input_text = NULL, output_text = NULL, error_message = NULL"
                + " WHERE started_at < :cut AND (input_text IS NOT NULL OR output_text IS NOT NULL OR error_message IS NOT NULL)"
                + " ORDER BY started_at LIMIT " + BATCH, contentCut);
        long messageTexts = repeat("UPDATE chatbot_conversation_messages SET user_input = '', final_output = '',"
                + " conversation_message = NULL, sql_queries = NULL, debug_info = NULL, error_message = NULL"
                + " WHERE `timestamp` < :cut AND (user_input <> '' OR final_output <> '' OR conversation_message IS NOT NULL"
                + " OR sql_queries IS NOT NULL) ORDER BY `timestamp` LIMIT " + BATCH, contentCut);
        Result r = new Result(calls, messages, summaries, callTexts, messageTexts);
        if (calls + messages + summaries + callTexts + messageTexts > 0) {
            log.info("retention ({} days, content {} days): {}", days, contentDays, r);
        }
        return r;
    }

    /** Minute rollup rows (what alert rules read) are kept two days, whatever the retention: the hourly and daily rows keep the history. */
    public static final Duration MINUTE_ROLLUPS_KEPT = Duration.ofDays(2);

    /** Deletes minute rollup rows older than {@link #MINUTE_ROLLUPS_KEPT}; returns how many. */
    public long purgeMinuteRollups(Instant now) {
        LocalDateTime cut = Utc.time(now.minus(MINUTE_ROLLUPS_KEPT));
        return repeat("DELETE FROM chatbot_usage_rollup WHERE granularity = 'm' AND bucket_start < :cut LIMIT " + BATCH, cut);
    }

    /** Summaries of conversations that had calls but no messages, once none of their calls is left. */
    private long orphanedCallOnlySummaries() {
        long total = 0;
        while (true) {
            java.util.List<String> ids = jdbi.withHandle(h -> h.createQuery("""
                    SELECT s.conversation_id FROM chatbot_conversation_summary s
                    WHERE s.last_message_at IS NULL
                      AND NOT EXISTS (SELECT 1 FROM chatbot_llm_calls c WHERE c.conversation_id = s.conversation_id)
                    LIMIT""" + " " + BATCH).mapTo(String.class).list());
            if (ids.isEmpty()) {
                return total;
            }
            total += jdbi.withHandle(h -> h.createUpdate(
                    "DELETE FROM chatbot_conversation_summary WHERE last_message_at IS NULL AND conversation_id IN (<ids>)")
                    .bindList("ids", ids).execute());
            if (ids.size() < BATCH) {
                return total;
            }
        }
    }

    /** Runs a batched statement until it touches no row; returns the rows touched. */
    private long repeat(String sql, LocalDateTime cut) {
        long total = 0;
        while (true) {
            int n = jdbi.withHandle(h -> h.createUpdate(sql).bind("cut", cut).execute());
            total += n;
            if (n < BATCH) {
                return total;
            }
            try {
                Thread.sleep(5); // let writers in between batches
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return total;
            }
        }
    }
}
