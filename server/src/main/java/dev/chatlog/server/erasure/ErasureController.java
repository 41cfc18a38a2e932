package dev.chatlog.server.erasure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatlog.server.web.ApiError;
import dev.chatlog.server.web.Params;
import dev.chatlog.sql.erasure.Erasure;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/**
 * Erasure on request: {@code POST /logging-dashboard/erasures} deletes everything logged of one conversation or of
 * one user ({@link Erasure}), {@code GET /logging-dashboard/erasures} lists the audit trail. Only with
 * {@code CHATLOG_API_TOKEN} set: a deletion is always authenticated.
 */
public final class ErasureController {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_ID = 255; // the id columns' width

    private final Erasure erasure;
    private final boolean authenticated;

    public ErasureController(Jdbi jdbi, boolean authenticated) {
        this.erasure = new Erasure(jdbi);
        this.authenticated = authenticated;
    }

    /** Registers {@code POST} and {@code GET /logging-dashboard/erasures}. */
    public void register(RoutesConfig routes) {
        routes.post("/logging-dashboard/erasures", this::erase);
        routes.get("/logging-dashboard/erasures", this::audit);
    }

    private void requireToken() {
        if (!authenticated) {
            throw new ApiError(403, "erasure deletes logged data: set CHATLOG_API_TOKEN and call it with Authorization: Bearer <token>", null);
        }
    }

    /**
     * {@code {"user_id": "..."}} or {@code {"conversation_id": "..."}} (exactly one), {@code "requested_by"} (who asks:
     * a name or a ticket; required), {@code "reason"} (optional), {@code "dry_run"} (default false: say what would go).
     */
    void erase(Context ctx) {
        requireToken();
        Params.requireJson(ctx.header("Content-Type"));
        JsonNode body;
        try {
            body = JSON.readTree(ctx.body());
        } catch (Exception e) {
            throw ApiError.badRequest("the body is not valid JSON: want {\"user_id\": \"u-42\", \"requested_by\": \"dpo@example.com\"}", null);
        }
        if (body == null || !body.isObject()) throw ApiError.badRequest("the body must be a JSON object", null);
        String user = text(body, "user_id");
        String conversation = text(body, "conversation_id");
        if ((user == null) == (conversation == null)) {
            throw ApiError.badRequest("name exactly one of user_id and conversation_id", user == null ? "user_id" : "conversation_id");
        }
        String by = text(body, "requested_by");
        if (by == null) throw ApiError.badRequest("requested_by is required: who asks for the erasure (a name or a ticket)", "requested_by");
        if (by.length() > 200) throw ApiError.badRequest("requested_by is longer than 200 characters", "requested_by");
        String reason = text(body, "reason");
        if (reason != null && reason.length() > 500) throw ApiError.badRequest("reason is longer than 500 characters", "reason");
        JsonNode dry = body.get("dry_run");
        if (dry != null && !dry.isBoolean()) throw ApiError.badRequest("dry_run must be true or false", "dry_run");
        Erasure.Scope scope = user != null ? Erasure.Scope.USER : Erasure.Scope.CONVERSATION;
        String subject = user != null ? user : conversation;
        Map<String, Object> result = erasure.erase(new Erasure.Request(scope, subject, by, reason, dry != null && dry.asBoolean())).toMap();
        ctx.json(result);
    }

    /** {@code GET /logging-dashboard/erasures?limit=50}: the audit trail, newest first. */
    void audit(Context ctx) {
        requireToken();
        int limit = Params.intParam(ctx, "limit", 50, 1, 1000);
        ctx.json(Map.of("erasures", erasure.audit(limit)));
    }

    private static String text(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual() || v.asText().isBlank()) throw ApiError.badRequest(field + " must be a non-empty string", field);
        String s = v.asText().trim();
        if (s.length() > MAX_ID && !field.equals("reason")) throw ApiError.badRequest(field + " is longer than " + MAX_ID + " characters", field);
        return s;
    }
}
