package dev.chatlog.server.dashboard;

import dev.chatlog.sql.AnalysisQueries;
import dev.chatlog.sql.AnalysisQueries.CallFilter;
import dev.chatlog.server.web.ApiError;
import dev.chatlog.server.web.Params;
import io.javalin.http.Context;

/** The {@code /logging-dashboard/...} routes of seed 004. */
public final class DashboardController {
    private final AnalysisQueries queries;

    public DashboardController(AnalysisQueries queries) {
        this.queries = queries;
    }

    public void overview(Context ctx) {
        ctx.json(queries.overview(Params.hours(ctx), filter(ctx)));
    }

    public void conversations(Context ctx) {
        String user = ctx.queryParam("user");
        ctx.json(queries.conversations(Params.hours(ctx), user == null || user.isEmpty() ? null : Params.id(user, "user"),
                Params.intParam(ctx, "limit", 50, 1, 500)));
    }

    private static CallFilter filter(Context ctx) {
        return new CallFilter(Params.name(ctx, "model"), Params.name(ctx, "function_name"),
                Params.name(ctx, "agent"), Params.name(ctx, "chat_mode"));
    }

    public void conversation(Context ctx) {
        String id = Params.id(ctx.pathParam("conversation_id"), "conversation_id");
        ctx.json(queries.conversation(id).orElseThrow(() -> ApiError.notFound("no conversation with id " + id)));
    }

    public void llmCalls(Context ctx) {
        int hours = Params.hours(ctx);
        ctx.json(queries.llmCalls(hours, filter(ctx)));
    }

    public void sqlQueries(Context ctx) {
        ctx.json(queries.sqlQueries(Params.hours(ctx)));
    }
}
