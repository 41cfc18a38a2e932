package dev.chatlog.alerts;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One notification: a rule's subject changed state. {@link #body} is what every channel sends
 * (the webhook's JSON body, byte for byte what its signature covers; the e-mail and the log line
 * are made from it). {@code key} is the idempotency key: the same for every channel and every retry.
 */
public record Notification(String key, String rule, AlertKind kind, Severity severity, String by, String subject, AlertState state,
                           AlertState previous, BigDecimal value, BigDecimal alertAbove, BigDecimal warnAbove, long calls,
                           String window, Instant windowStart, Instant windowEnd, String summary, List<Map<String, Object>> causes,
                           Map<String, String> links, Instant at) {
    private static final ObjectMapper JSON = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .enable(com.fasterxml.jackson.core.JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);

    public Notification {
        causes = List.copyOf(causes);
        links = Map.copyOf(links);
    }

    /** Whether this says a rule recovered (OK after WARNING or ALERT). */
    public boolean resolved() {
        return state == AlertState.OK;
    }

    /** One line: {@code [ALERT] slow: model gpt-4o max duration 9,120 ms > 8,000 ms}. */
    public String title() {
        String what = by.equals("all") || subject.isEmpty() ? "" : " " + by + " " + subject;
        return "[" + (resolved() ? "RESOLVED" : state.name()) + "] " + rule + what;
    }

    /** The JSON body, fields in a fixed order (see docs/alerts.md). */
    public String body() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("idempotency_key", key);
        m.put("title", title());
        m.put("rule", rule);
        m.put("kind", kind.label());
        m.put("severity", severity.label());
        m.put("state", state.name());
        m.put("previous_state", previous.name());
        m.put("resolved", resolved());
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("by", by);
        s.put("value", subject);
        m.put("subject", s);
        m.put("value", value);
        m.put("unit", kind.unit());
        m.put("alert_above", alertAbove);
        m.put("warn_above", warnAbove);
        m.put("calls", calls);
        m.put("window", window);
        m.put("window_start", windowStart == null ? null : windowStart.toString());
        m.put("window_end", windowEnd == null ? null : windowEnd.toString());
        m.put("summary", summary);
        m.put("causes", causes);
        m.put("links", new java.util.TreeMap<>(links));
        m.put("at", at.toString());
        try {
            return JSON.writeValueAsString(m);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
