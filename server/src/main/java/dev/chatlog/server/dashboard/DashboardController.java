package dev.chatlog.server.dashboard;

import dev.chatlog.server.web.ApiError;
import dev.chatlog.server.web.Params;
import dev.chatlog.server.web.ReadParams;
import dev.chatlog.sql.query.Window;
import dev.chatlog.sql.ReadReplica;
import dev.chatlog.sql.report.Reports;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;

/** The {@code /logging-dashboard/...} routes of seed 004. */
public final class DashboardController {
    private final Reports queries;
    private final Reports own;
    private final dev.chatlog.sql.ReadReplica replica;
    private final Clock clock;

    /**
     * {@code queries} read where the read side reads (a read replica when there is one); {@code own} reads the primary,
     * for the routes that must show what was just written (a conversation's detail, a comparison of two turns).
     */
    public DashboardController(Reports queries, Reports own, dev.chatlog.sql.ReadReplica replica, Clock clock) {
        this.queries = queries;
        this.own = own;
        this.replica = replica;
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
        routes.get("/logging-dashboard/freshness", this::freshness);
    }

    /** Where the read routes read and how far behind the primary that is (the dashboard's status line says it). */
    void freshness(Context ctx) {
        java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("source", replica == null ? "primary" : "replica");
        out.put("lag_seconds", 0.0);
        if (replica != null) {
            ReadReplica.Lag lag = replica.lag();
            out.put("lag_seconds", lag.seconds());
            if (lag.error() != null) out.put("error", lag.error());
            out.put("max_lag_seconds", replica.settings().maxLagSeconds());
        }
        out.put("own_writes_from", "primary"); // conversation detail and compare
        ctx.json(out);
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
        ctx.json(own.conversation(id).orElseThrow(() -> ApiError.notFound("no conversation with id " + id)));
    }

    /** {@code GET /logging-dashboard/compare?a=<message or conversation id>&b=...}: the differences of two call trees. */
    void compare(Context ctx) {
        String a = Params.id(ctx.queryParam("a"), "a");
        String b = Params.id(ctx.queryParam("b"), "b");
        ctx.json(own.compare(a, b).orElseThrow(() -> ApiError.notFound("a and b are message or conversation ids of the log: "
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
