package dev.chatlog.server.stats;

import dev.chatlog.server.web.ApiError;
import dev.chatlog.sql.Exporter;
import dev.chatlog.sql.StatsQueries;
import io.javalin.http.Context;
import java.io.OutputStream;
import java.time.Clock;

/** Statistics ({@code /logging-dashboard/stats/...}) and export ({@code /logging-dashboard/export/...}) routes. */
public final class StatsController {
    private final StatsQueries stats;
    private final Exporter exporter;
    private final Clock clock;

    public StatsController(StatsQueries stats, Exporter exporter, Clock clock) {
        this.stats = stats;
        this.exporter = exporter;
        this.clock = clock;
    }

    public void daily(Context ctx) {
        ctx.json(stats.daily(StatsParams.date(ctx, clock), StatsParams.filters(ctx),
                StatsParams.intParam(ctx, "slow_ms", 5000, 1, 3_600_000)));
    }

    public void range(Context ctx) {
        ctx.json(stats.range(StatsParams.window(ctx, clock), StatsParams.filters(ctx),
                StatsParams.oneOf(ctx, "group_by", "day", "day", "week", "month")));
    }

    public void cost(Context ctx) {
        ctx.json(stats.cost(StatsParams.window(ctx, clock), StatsParams.filters(ctx),
                StatsParams.oneOf(ctx, "group_by", "day", "day", "agent", "model", "user"), clock.instant(),
                StatsParams.intParam(ctx, "limit", 100, 1, 10_000)));
    }

    public void latency(Context ctx) {
        ctx.json(stats.latency(StatsParams.window(ctx, clock), StatsParams.filters(ctx)));
    }

    public void realtime(Context ctx) {
        ctx.json(stats.realtime(StatsParams.intParam(ctx, "minutes", 15, 1, 1440), clock.instant()));
    }

    public void exportCalls(Context ctx) throws Exception {
        export(ctx, Exporter.Dataset.LLM_CALLS, "llm-calls");
    }

    public void exportMessages(Context ctx) throws Exception {
        export(ctx, Exporter.Dataset.MESSAGES, "messages");
    }

    private void export(Context ctx, Exporter.Dataset dataset, String name) throws Exception {
        Exporter.Format format = switch (StatsParams.oneOf(ctx, "format", "csv", "csv", "jsonl", "json")) {
            case "jsonl" -> Exporter.Format.JSONL;
            case "json" -> Exporter.Format.JSON;
            default -> Exporter.Format.CSV;
        };
        StatsQueries.Window window = StatsParams.window(ctx, clock);
        StatsQueries.Filters filters = StatsParams.filters(ctx);
        ctx.contentType(format.contentType);
        ctx.header("Content-Disposition", "attachment; filename=\"chatlog-" + name + "." + format.extension + "\"");
        OutputStream out = ctx.outputStream();
        try {
            exporter.export(dataset, window, filters, format, out);
        } catch (IllegalStateException e) {
            throw new ApiError(503, "export failed: " + e.getMessage(), null);
        }
        out.flush();
    }
}
