package dev.chatlog.server.quality;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatlog.core.InvalidDefinitionException;
import dev.chatlog.core.score.Score;
import dev.chatlog.core.score.ScoreDefinition;
import dev.chatlog.quality.ScoreJson;
import dev.chatlog.quality.Scores;
import dev.chatlog.sql.score.ScoreDefinitions;
import dev.chatlog.sql.score.ScoreRows;
import dev.chatlog.server.web.ApiError;
import dev.chatlog.server.web.Params;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Scores and their definitions over HTTP: {@code POST /logging-dashboard/scores} (a thumbs up from a UI, a reviewer's
 * label: 201 when new, 200 when it replaced the score of the same target, name, evaluator and key), and
 * {@code GET}, {@code PUT}, {@code DELETE /logging-dashboard/score-definitions[/{name}]}. Behind the dashboard's bearer
 * token like every {@code /logging-dashboard} route; a wrong field, a value outside its definition or a target not in
 * the log is a 400 naming the field.
 */
public final class ScoreController {
    private final Scores scores;
    private final ScoreDefinitions definitions;
    private final Clock clock;
    private final dev.chatlog.sql.report.Reports reports;

    public ScoreController(Scores scores, ScoreDefinitions definitions, dev.chatlog.sql.report.Reports reports, Clock clock) {
        this.scores = scores;
        this.definitions = definitions;
        this.reports = reports;
        this.clock = clock;
    }

    public void register(RoutesConfig routes) {
        routes.post("/logging-dashboard/scores", this::post);
        routes.get("/logging-dashboard/scores", this::summary);
        routes.get("/logging-dashboard/score-definitions", ctx -> ctx.json(Map.of("definitions",
                definitions.list().stream().map(ScoreJson::json).toList())));
        routes.put("/logging-dashboard/score-definitions/{name}", this::putDefinition);
        routes.delete("/logging-dashboard/score-definitions/{name}", ctx -> {
            if (!definitions.delete(ctx.pathParam("name"))) throw ApiError.notFound("no score definition named " + ctx.pathParam("name"));
            ctx.status(204);
        });
    }

    void post(Context ctx) {
        JsonNode body = body(ctx, "{\"message_id\": \"...\", \"name\": \"helpful\", \"value\": 1, \"source\": \"human\"}");
        Score s = checked(() -> ScoreJson.score(body, clock.instant()));
        ScoreRows.Stored stored = checked(() -> scores.record(s));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("created", stored.created());
        out.put("target", s.target().dbValue());
        out.put("target_id", s.targetId());
        out.put("conversation_id", stored.conversationId());
        out.put("message_id", stored.messageId());
        out.put("call_id", stored.callId());
        out.put("name", s.name());
        out.put("value", s.label() != null ? s.label() : s.value().stripTrailingZeros());
        out.put("source", s.source().dbValue());
        out.put("evaluator", s.evaluator());
        out.put("scored_at", s.at().toString());
        ctx.status(stored.created() ? 201 : 200).json(out);
    }

    /**
     * {@code GET /logging-dashboard/scores?hours=24&group_by=model&name=helpful}: averages and label counts from the
     * rollups; with {@code message_id}, {@code call_id} or {@code conversation_id}: that target's scores.
     */
    void summary(Context ctx) {
        for (String target : java.util.List.of("message_id", "call_id", "conversation_id")) { // one target's scores, as stored
            String id = ctx.queryParam(target);
            if (id != null) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put(target, Params.id(id, target));
                out.put("scores", reports.scoresOf(target, id));
                ctx.json(out);
                return;
            }
        }
        String group = ctx.queryParam("group_by");
        java.util.List<String> allowed = dev.chatlog.sql.score.ScoreRollups.DIMENSIONS.stream().map(d -> d.rollupName()).toList();
        if (group != null && !group.isBlank() && !allowed.contains(group)) {
            throw ApiError.badRequest("group_by must be one of " + String.join(", ", allowed), "group_by");
        }
        var by = dev.chatlog.sql.rollup.Dimension.named(group == null || group.isBlank() ? "all" : group).orElseThrow();
        ctx.json(reports.scores(dev.chatlog.server.web.ReadParams.window(ctx, clock, dev.chatlog.server.web.ReadParams.Default.LAST_7_DAYS),
                by, Params.name(ctx, "name")));
    }

    void putDefinition(Context ctx) {
        String name = ctx.pathParam("name");
        JsonNode body = body(ctx, "{\"type\": \"numeric\", \"min\": 1, \"max\": 5}");
        ScoreDefinition d = checked(() -> ScoreJson.definition(name, body));
        boolean created = definitions.put(d);
        ctx.status(created ? 201 : 200).json(ScoreJson.json(d));
    }

    private static JsonNode body(Context ctx, String example) {
        return dev.chatlog.server.web.JsonBody.object(ctx, example, false);
    }

    private static <T> T checked(Supplier<T> s) {
        try {
            return s.get();
        } catch (InvalidDefinitionException e) {
            throw ApiError.badRequest(e.getMessage(), e.field());
        }
    }
}
