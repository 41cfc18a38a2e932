package dev.chatlog.server.experiments;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatlog.core.InvalidDefinitionException;
import dev.chatlog.experiments.Experiment;
import dev.chatlog.experiments.ExperimentJson;
import dev.chatlog.experiments.ExperimentRuntime;
import dev.chatlog.experiments.Experiments;
import dev.chatlog.server.web.ApiError;
import dev.chatlog.server.web.JsonBody;
import dev.chatlog.server.web.Params;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The experiments under {@code /logging-dashboard/experiments}: the list with each one's status and verdict, one
 * experiment with its analysis (arms, metrics with intervals, tests, sample-ratio check, verdict), and {@code PUT},
 * {@code DELETE}, {@code POST .../start} and {@code POST .../stop} to manage them (behind the API token like every
 * {@code /logging-dashboard} route). A bad definition is a 400 naming the field; redefining a started experiment, or
 * starting a stopped one, a 409. A start or stop made here reaches this instance's router at once, the others' within
 * their refresh.
 */
public final class ExperimentController {
    private final ExperimentRuntime runtime;
    private final Experiments experiments;
    private final Clock clock;

    public ExperimentController(ExperimentRuntime runtime, Clock clock) {
        this.runtime = runtime;
        this.experiments = runtime.store();
        this.clock = clock;
    }

    public void register(RoutesConfig routes) {
        routes.get("/logging-dashboard/experiments", ctx -> ctx.json(Map.of("experiments",
                experiments.list().stream().map(e -> {
                    Map<String, Object> m = json(e);
                    if (e.running(clock.instant())) m.put("verdict", AnalysisJson.verdict(runtime.analyses().of(e).verdict())); // the others': GET one
                    return m;
                }).toList())));
        routes.get("/logging-dashboard/experiments/{name}", ctx -> {
            Experiment e = found(ctx);
            Map<String, Object> m = json(e);
            m.put("analysis", AnalysisJson.of(runtime.analyses().of(e)));
            ctx.json(m);
        });
        routes.put("/logging-dashboard/experiments/{name}", this::put);
        routes.delete("/logging-dashboard/experiments/{name}", ctx -> {
            Experiment e = found(ctx);
            if (e.running(clock.instant())) {
                throw new ApiError(409, "experiment " + e.name() + " is running: stop it first (its units go back to the control)", "name");
            }
            if (!experiments.delete(name(ctx))) throw ApiError.notFound("no experiment named " + name(ctx));
            runtime.router().refresh();
            ctx.status(204);
        });
        routes.post("/logging-dashboard/experiments/{name}/start", ctx -> {
            Experiment e = conflicting(() -> experiments.start(name(ctx)).orElseThrow(() -> ApiError.notFound("no experiment named " + name(ctx))));
            runtime.router().refresh();
            ctx.json(json(e));
        });
        routes.post("/logging-dashboard/experiments/{name}/stop", ctx -> {
            Experiment e = experiments.stop(name(ctx), reason(ctx)).orElseThrow(() -> ApiError.notFound("no experiment named " + name(ctx)));
            runtime.router().refresh();
            ctx.json(json(e));
        });
    }

    void put(Context ctx) {
        JsonNode body = JsonBody.object(ctx, "{\"variants\": [{\"name\": \"control\", \"percent\": 50, \"model\": \"gpt-4o-mini\"}, "
                + "{\"name\": \"big\", \"percent\": 50, \"model\": \"gpt-4o\"}], \"primary_metric\": \"success_rate\"}", false);
        Experiment e;
        try {
            e = ExperimentJson.parse(name(ctx), body, null, null);
        } catch (InvalidDefinitionException bad) {
            throw ApiError.badRequest(bad.getMessage(), bad.field());
        }
        boolean created;
        try {
            created = experiments.put(e);
        } catch (Experiments.Conflict c) { // a started experiment's variants and split stay as its units were assigned
            throw new ApiError(409, c.getMessage(), c.getMessage().contains("in case only") ? "name" : "variants");
        }
        ctx.status(created ? 201 : 200).json(json(experiments.get(e.name()).orElseThrow()));
    }

    /** The stop's reason: {@code {"reason": "..."}} (at most 500 characters), or "stopped by a request". */
    private static String reason(Context ctx) {
        JsonNode body = JsonBody.object(ctx, "{\"reason\": \"...\"}", true);
        body.fieldNames().forEachRemaining(f -> {
            if (!f.equals("reason")) throw ApiError.badRequest("unknown field " + f + ": the field is reason", f);
        });
        JsonNode r = body.get("reason");
        if (r == null || r.isNull()) return "stopped by a request";
        if (!r.isTextual() || r.asText().isBlank() || r.asText().length() > 500) throw ApiError.badRequest("reason is text of 1 to 500 characters", "reason");
        return r.asText();
    }

    private static String name(Context ctx) {
        String n = ctx.pathParam("name");
        if (!n.matches("[A-Za-z0-9._:-]{1,64}")) throw ApiError.badRequest("an experiment's name is 1 to 64 of letters, digits and . _ : -", "name");
        return n;
    }

    private Experiment found(Context ctx) {
        return experiments.get(name(ctx)).orElseThrow(() -> ApiError.notFound("no experiment named " + name(ctx)));
    }

    private static <T> T conflicting(java.util.function.Supplier<T> s) {
        try {
            return s.get();
        } catch (Experiments.Conflict c) {
            throw new ApiError(409, c.getMessage(), null);
        }
    }

    private Map<String, Object> json(Experiment e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", e.name());
        m.put("status", Experiments.status(e, clock.instant()));
        m.put("definition", ExperimentJson.json(e));
        m.put("sample_per_arm", e.plan() == null ? null : e.plan().perArm()); // before it, no winner may be called
        m.put("start", e.start() == null ? null : e.start().toString());
        m.put("stopped_at", e.stoppedAt() == null ? null : e.stoppedAt().toString());
        if (e.stoppedAt() != null) {
            m.put("stop_reason", experiments.stopReason(e.name()).orElse(null));
            m.put("stopped_by", experiments.stoppedBy(e.name()).orElse(null));
        }
        return m;
    }
}
