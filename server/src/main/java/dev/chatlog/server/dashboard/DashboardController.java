package dev.chatlog.server.dashboard;

import dev.chatlog.server.web.ApiError;
import dev.chatlog.server.web.Params;
import dev.chatlog.server.web.ReadParams;
import dev.chatlog.sql.query.Window;
import dev.chatlog.sql.report.Reports;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;

/** The {@code /logging-dashboard/...} routes of seed 004. */
public final class DashboardController {
    private final Reports queries;
    private final Clock clock;

    public DashboardController(Reports queries, Clock clock) {
        this.queries = queries;
        this.clock = clock;
    }

    /** Registers the dashboard's JSON routes. */
    public void register(RoutesConfig routes) {
        routes.get("/logging-dashboard/overview", this::overview);
        routes.get("/logging-dashboard/conversations", this::conversations);
        routes.get("/logging-dashboard/conversation/{conversation_id}/detailed", this::conversation);
        routes.get("/logging-dashboard/llm-calls/analysis", this::llmCalls);
        routes.get("/logging-dashboard/sql-queries/analysis", this::sqlQueries);
        routes.get("/logging-dashboard/stages", this::stages);
        routes.get("/logging-dashboard/caches", this::caches);
        routes.get("/logging-dashboard/compare", this::compare);
    }

    private Window window(Context ctx) {
        return ReadParams.window(ctx, clock, ReadParams.Default.LAST_24_HOURS);
    }

    void overview(Context ctx) {
        ctx.json(queries.overview(window(ctx), ReadParams.filter(ctx), clock.instant()));
    }

    void conversations(Context ctx) {
        String user = ctx.queryParam("user");
        ctx.json(queries.conversations(window(ctx), user == null || user.isEmpty() ? null : Params.id(user, "user"),
                Params.intParam(ctx, "limit", 50, 1, 500)));
    }

    void conversation(Context ctx) {
        String id = Params.id(ctx.pathParam("conversation_id"), "conversation_id");
        ctx.json(queries.conversation(id).orElseThrow(() -> ApiError.notFound("no conversation with id " + id)));
    }

    /** {@code GET /logging-dashboard/compare?a=<message or conversation id>&b=...}: the differences of two call trees. */
    void compare(Context ctx) {
        String a = Params.id(ctx.queryParam("a"), "a");
        String b = Params.id(ctx.queryParam("b"), "b");
        ctx.json(queries.compare(a, b).orElseThrow(() -> ApiError.notFound("a and b are message or conversation ids of the log: "
                + "one of them is not there")));
    }

    void llmCalls(Context ctx) {
        ctx.json(queries.llmCalls(window(ctx), ReadParams.filter(ctx)));
    }

    void stages(Context ctx) {
        ctx.json(queries.stages(window(ctx), ReadParams.filter(ctx)));
    }

    void caches(Context ctx) {
        ctx.json(queries.caches(window(ctx), ReadParams.filter(ctx)));
    }

    void sqlQueries(Context ctx) {
        ctx.json(queries.sqlQueries(window(ctx)));
    }
}
