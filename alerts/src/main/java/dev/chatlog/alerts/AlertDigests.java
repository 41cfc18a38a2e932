package dev.chatlog.alerts;

import dev.chatlog.sql.Utc;

import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/**
 * Digests: the held notifications of low-severity rules (one row per channel, held until their
 * digest time) merged, when that time comes, into one notification per channel and time. The
 * digest's key names its first member, so a member committed after its digest was built makes a
 * digest of its own instead of falling under the sent one's key.
 */
final class AlertDigests {
    private AlertDigests() {}

    /** Held rows whose digest time has come become one digest row per channel and time, in one transaction each. */
    static int merge(Jdbi jdbi, Instant now) {
        record Group(String channel, LocalDateTime at) {}
        List<Group> groups = jdbi.withHandle(h -> h.createQuery("""
                SELECT DISTINCT channel, next_attempt_at FROM chatbot_alert_outbox WHERE status = 'held' AND next_attempt_at <= :now LIMIT 20""")
                .bind("now", Utc.time(now)).map((rs, ctx) -> new Group(rs.getString(1), rs.getObject(2, LocalDateTime.class))).list());
        int made = 0;
        for (Group g : groups) {
            made += dev.chatlog.sql.SqlFailures.retryingLockConflicts(() -> jdbi.inTransaction(h -> {
                List<Map<String, Object>> held = h.createQuery("""
                        SELECT id, body, severity FROM chatbot_alert_outbox WHERE status = 'held' AND channel = :c AND next_attempt_at = :at
                        ORDER BY id FOR UPDATE""").bind("c", g.channel()).bind("at", g.at()).mapToMap().list();
                if (held.isEmpty()) return 0;
                // the key names the digest's first member, not only its channel and time: a member committed after
                // the digest of its time was built (an evaluation straddling it, an instance's clock behind) makes a
                // digest of its own instead of falling into the sent one's key and never going out
                String key = "digest-" + AlertDispatcher.hash(g.channel() + "|" + g.at() + "|" + ((Number) held.get(0).get("id")).longValue());
                List<Object> bodies = new ArrayList<>();
                List<Long> ids = new ArrayList<>();
                String severity = "info";
                var json = new com.fasterxml.jackson.databind.ObjectMapper();
                for (Map<String, Object> r : held) {
                    ids.add(((Number) r.get("id")).longValue());
                    try {
                        bodies.add(json.readTree((String) r.get("body")));
                    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                        throw new IllegalStateException(e);
                    }
                    if ("warning".equals(r.get("severity"))) severity = "warning";
                }
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("idempotency_key", key);
                d.put("digest", true);
                d.put("title", "[DIGEST] " + held.size() + " chatlog notification" + (held.size() == 1 ? "" : "s"));
                d.put("summary", held.size() + " notification" + (held.size() == 1 ? "" : "s") + " of info and warning rules, gathered until "
                        + g.at() + "Z");
                d.put("notifications", bodies);
                d.put("at", Utc.instant(g.at()).toString());
                String body;
                try {
                    body = json.writeValueAsString(d);
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
                h.createUpdate("""
                        INSERT IGNORE INTO chatbot_alert_outbox (notification_key, channel, rule_name, subject, state, severity, body, status,
                            next_attempt_at, created_at) VALUES (:k, :c, '(digest)', '', 'DIGEST', :sev, :body, 'pending', :at, :at)""")
                        .bind("k", key).bind("c", g.channel()).bind("sev", severity).bind("body", body).bind("at", g.at()).execute();
                h.createUpdate("UPDATE chatbot_alert_outbox SET status = 'digested', digest_key = :k WHERE id IN (<ids>)")
                        .bind("k", key).bindList("ids", ids).execute();
                return 1;
            }));
        }
        return made;
    }
}
