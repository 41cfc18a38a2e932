package dev.chatlog.server.stats;

import dev.chatlog.server.web.ApiError;
import dev.chatlog.server.web.ReadParams;
import dev.chatlog.sql.export.Exporter;
import dev.chatlog.sql.query.Filter;
import dev.chatlog.sql.query.Window;
import dev.chatlog.sql.report.Reports;
import dev.chatlog.sql.rollup.Dimension;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.OutputStream;
import java.time.Clock;

/** Statistics ({@code /logging-dashboard/stats/...}) and export ({@code /logging-dashboard/export/...}) routes. */
public final class StatsController {
    private final Reports stats;
    private final Exporter exporter;
    private final Clock clock;

    public StatsController(Reports stats, Exporter exporter, Clock clock) {
        this.stats = stats;
        this.exporter = exporter;
        this.clock = clock;
    }

    /** Registers the stats routes and the exports. */
    public void register(RoutesConfig routes) {
        routes.get("/logging-dashboard/stats/daily", this::daily);
        routes.get("/logging-dashboard/stats/range", this::range);
        routes.get("/logging-dashboard/stats/cost", this::cost);
        routes.get("/logging-dashboard/stats/latency", this::latency);
        routes.get("/logging-dashboard/stats/realtime", this::realtime);
        routes.get("/logging-dashboard/export/llm-calls", this::exportCalls);
        routes.get("/logging-dashboard/export/messages", this::exportMessages);
    }

    void daily(Context ctx) {
        ctx.json(stats.daily(StatsParams.date(ctx, clock), ReadParams.filter(ctx),
                StatsParams.intParam(ctx, "slow_ms", 5000, 1, 3_600_000)));
    }

    void range(Context ctx) {
        ctx.json(stats.range(window(ctx), ReadParams.filter(ctx),
                Reports.Period.valueOf(StatsParams.oneOf(ctx, "group_by", "day", "day", "week", "month").toUpperCase(java.util.Locale.ROOT))));
    }

    void cost(Context ctx) {
        ctx.json(stats.cost(window(ctx), ReadParams.filter(ctx),
                Dimension.named(StatsParams.oneOf(ctx, "group_by", "day", "day", "agent", "model", "user")).orElseThrow(), clock.instant(),
                StatsParams.intParam(ctx, "limit", 100, 1, 10_000)));
    }

    void latency(Context ctx) {
        ctx.json(stats.latency(window(ctx), ReadParams.filter(ctx)));
    }

    private Window window(Context ctx) {
        return ReadParams.window(ctx, clock, ReadParams.Default.LAST_7_DAYS);
    }

    void realtime(Context ctx) {
        ctx.json(stats.realtime(StatsParams.intParam(ctx, "minutes", 15, 1, 1440), clock.instant()));
    }

    void exportCalls(Context ctx) throws Exception {
        export(ctx, Exporter.Dataset.LLM_CALLS, "llm-calls");
    }

    void exportMessages(Context ctx) throws Exception {
        export(ctx, Exporter.Dataset.MESSAGES, "messages");
    }

    private void export(Context ctx, Exporter.Dataset dataset, String name) throws Exception {
        Exporter.Format format = switch (StatsParams.oneOf(ctx, "format", "csv", "csv", "jsonl", "json")) {
            case "jsonl" -> Exporter.Format.JSONL;
            case "json" -> Exporter.Format.JSON;
            default -> Exporter.Format.CSV;
        };
        Window window = window(ctx);
        Filter filters = ReadParams.filter(ctx);
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
