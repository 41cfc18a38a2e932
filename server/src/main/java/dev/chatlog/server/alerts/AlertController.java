package dev.chatlog.server.alerts;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatlog.alerts.AlertRule;
import dev.chatlog.alerts.AlertRuleParser;
import dev.chatlog.server.web.ApiError;
import dev.chatlog.server.web.Params;
import dev.chatlog.alerts.AlertOutbox;
import dev.chatlog.alerts.AlertRules;
import dev.chatlog.alerts.AlertStates;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The alert routes under {@code /logging-dashboard/alerts}: current states and recent
 * notifications with their delivery, the rules ({@code GET}, {@code PUT}, {@code DELETE}), and
 * the notifications with their bodies (behind the API token when one is set).
 */
public final class AlertController {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final AlertRules rules;
    private final AlertStates states;
    private final AlertOutbox outbox;
    private final List<String> channels;
    private final Runnable changed;
    private final Clock clock;

    public AlertController(AlertRules rules, AlertStates states, AlertOutbox outbox, List<String> channels, Runnable changed, Clock clock) {
        this.rules = rules;
        this.states = states;
        this.outbox = outbox;
        this.channels = List.copyOf(channels);
        this.changed = changed;
        this.clock = clock;
    }

    /** Registers the alert routes under {@code /logging-dashboard/alerts}. */
    public void register(RoutesConfig routes) {
        routes.get("/logging-dashboard/alerts", this::overview);
        routes.get("/logging-dashboard/alerts/notifications", this::notifications);
        routes.get("/logging-dashboard/alerts/rules", this::list);
        routes.get("/logging-dashboard/alerts/rules/{name}", this::one);
        routes.put("/logging-dashboard/alerts/rules/{name}", this::put);
        routes.delete("/logging-dashboard/alerts/rules/{name}", this::delete);
    }

    /** {@code GET /logging-dashboard/alerts?limit=50}. */
    void overview(Context ctx) {
        int limit = Params.intParam(ctx, "limit", 50, 1, 500);
        List<AlertStates.Row> all = states.list(null);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("as_of", clock.instant().toString());
        body.put("channels", channels);
        body.put("active", all.stream().filter(r -> r.state() != dev.chatlog.alerts.AlertState.OK).map(AlertController::state).toList());
        body.put("states", all.stream().map(AlertController::state).toList());
        body.put("rules", rules.list().stream().map(AlertController::rule).toList());
        body.put("notifications", outbox.recent(null, limit).stream().map(e -> entry(e, false)).toList());
        body.put("outbox", outbox.counts().byStatus());
        ctx.json(body);
    }

    /** {@code GET /logging-dashboard/alerts/notifications?rule=<name>&limit=100}: with the bodies sent. */
    void notifications(Context ctx) {
        String rule = ctx.queryParam("rule");
        if (rule != null && !AlertRule.validName(rule)) throw ApiError.badRequest("a rule name is 1 to 100 of letters, digits and . _ : -", "rule");
        int limit = Params.intParam(ctx, "limit", 100, 1, 1000);
        ctx.json(Map.of("notifications", outbox.recent(rule, limit).stream().map(e -> entry(e, true)).toList()));
    }

    /** {@code GET /logging-dashboard/alerts/rules}. */
    void list(Context ctx) {
        ctx.json(Map.of("rules", rules.list().stream().map(AlertController::rule).toList()));
    }

    /** {@code GET /logging-dashboard/alerts/rules/{name}}: the rule and its states. */
    void one(Context ctx) {
        AlertRule r = existing(ctx.pathParam("name"));
        Map<String, Object> body = rule(r);
        body.put("states", states.list(r.name()).stream().map(AlertController::state).toList());
        ctx.json(body);
    }

    /** {@code PUT /logging-dashboard/alerts/rules/{name}}: 201 when created, 200 when replaced; 400 naming the field that is wrong. */
    void put(Context ctx) {
        String name = checkedName(ctx.pathParam("name"));
        Params.requireJson(ctx.header("Content-Type"));
        JsonNode body;
        try {
            body = JSON.readTree(ctx.body());
        } catch (Exception e) {
            throw ApiError.badRequest("the body is not valid JSON (one object, each field once): want {\"kind\": \"slow_calls\", "
                    + "\"window\": \"5m\", \"alert_above\": 8000}", null);
        }
        AlertRule r;
        try {
            r = AlertRuleParser.parse(name, body);
        } catch (AlertRule.Invalid e) {
            throw ApiError.badRequest(e.getMessage(), e.field());
        }
        List<String> unknown = r.channels().stream().filter(c -> !channels.contains(c)).toList();
        if (!unknown.isEmpty()) {
            throw ApiError.badRequest("channel " + String.join(", ", unknown) + " is not configured on this server (configured: "
                    + String.join(", ", channels) + ")", "channels");
        }
        boolean created = rules.put(r);
        changed.run();
        ctx.status(created ? 201 : 200).json(rule(r));
    }

    /** {@code DELETE /logging-dashboard/alerts/rules/{name}}: 204, or 404 when there is none. */
    void delete(Context ctx) {
        String name = checkedName(ctx.pathParam("name"));
        if (!rules.delete(name)) throw ApiError.notFound("no alert rule named " + name);
        changed.run();
        ctx.status(204);
    }

    private AlertRule existing(String name) {
        return rules.get(checkedName(name)).orElseThrow(() -> ApiError.notFound("no alert rule named " + name));
    }

    private static String checkedName(String name) {
        if (!AlertRule.validName(name)) throw ApiError.badRequest("a rule name is 1 to 100 of letters, digits and . _ : -", "name");
        return name;
    }

    static Map<String, Object> rule(AlertRule r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", r.name());
        m.putAll(r.definition());
        m.put("unit", r.kind().unit());
        return m;
    }

    static Map<String, Object> state(AlertStates.Row r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rule", r.rule());
        m.put("subject", r.subject());
        m.put("state", r.state().name());
        m.put("since", r.since().toString());
        m.put("value", r.value() == null ? null : r.value().stripTrailingZeros());
        m.put("calls", r.calls());
        m.put("evaluated_at", r.evaluatedAt().toString());
        m.put("changes", r.changes());
        m.put("last_notified_state", r.notified() == null ? null : r.notified().name());
        m.put("last_alerted_at", r.alertedAt() == null ? null : r.alertedAt().toString());
        return m;
    }

    private static Map<String, Object> entry(AlertOutbox.Entry e, boolean withBody) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", e.id());
        m.put("idempotency_key", e.key());
        m.put("channel", e.channel());
        m.put("rule", e.rule());
        m.put("subject", e.subject());
        m.put("state", e.state());
        m.put("severity", e.severity());
        m.put("status", e.status());
        m.put("attempts", e.attempts());
        m.put("created_at", e.createdAt().toString());
        m.put("delivered_at", e.deliveredAt() == null ? null : e.deliveredAt().toString());
        m.put("next_attempt_at", "delivered".equals(e.status()) || "digested".equals(e.status()) || "failed".equals(e.status())
                ? null : e.nextAttemptAt().toString());
        m.put("last_error", e.lastError());
        if (e.digestKey() != null) m.put("digest_key", e.digestKey());
        try {
            JsonNode b = JSON.readTree(e.body());
            m.put("title", b.path("title").asText());
            m.put("summary", b.path("summary").asText());
            m.put("causes", b.path("causes"));
            m.put("links", b.path("links"));
            if (withBody) m.put("body", b);
        } catch (Exception ignored) {
            m.put("body_unreadable", true);
        }
        return m;
    }
}
