package dev.chatlog.alerts.channel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Where notifications go. {@link #send} returns when the notification was delivered and throws
 * when it was not (the outbox retries it later, with the same key). It runs on the dispatcher's
 * thread, never on a caller's.
 */
public interface AlertChannel {
    /** {@code log}, {@code webhook} or {@code email}: the name rules list in {@code channels}. */
    String name();

    void send(Outgoing n) throws Exception;

    /** A notification (or a digest of several) as stored in the outbox: its key and its JSON body. */
    record Outgoing(String key, String body) {
        private static final ObjectMapper JSON = new ObjectMapper();

        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("an outbox body is not JSON: " + e.getMessage(), e);
            }
        }

        public String title() {
            return json().path("title").asText("chatlog alert");
        }

        /** The body as plain text: its title, summary, causes and links (or, for a digest, each one's). */
        public String text() {
            JsonNode j = json();
            StringBuilder sb = new StringBuilder();
            if (j.path("digest").asBoolean()) {
                sb.append(j.path("summary").asText()).append("\n\n");
                for (JsonNode n : j.path("notifications")) describe(n, sb.append("----\n"));
            } else {
                describe(j, sb);
            }
            return sb.toString();
        }

        private static void describe(JsonNode j, StringBuilder sb) {
            sb.append(j.path("title").asText()).append('\n').append(j.path("summary").asText()).append('\n');
            if (j.path("causes").size() > 0) {
                sb.append("\nBehind it:\n");
                for (JsonNode c : j.path("causes")) {
                    sb.append("  - ").append(c.path("description").asText(c.toString()));
                    if (c.hasNonNull("link")) sb.append("  ").append(c.path("link").asText());
                    sb.append('\n');
                }
            }
            if (j.path("links").size() > 0) {
                sb.append('\n');
                j.path("links").fields().forEachRemaining(e -> sb.append(e.getKey()).append(": ").append(e.getValue().asText()).append('\n'));
            }
            sb.append("\nrule ").append(j.path("rule").asText()).append(", severity ").append(j.path("severity").asText())
                    .append(", at ").append(j.path("at").asText()).append(", key ").append(j.path("idempotency_key").asText()).append('\n');
        }
    }
}
