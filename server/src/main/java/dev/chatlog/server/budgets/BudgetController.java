package dev.chatlog.server.budgets;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatlog.budgets.Budget;
import dev.chatlog.budgets.BudgetStatus;
import dev.chatlog.server.web.ApiError;
import dev.chatlog.server.web.Params;
import dev.chatlog.budgets.BudgetDefinitions;
import dev.chatlog.budgets.BudgetReport;
import dev.chatlog.budgets.JdbcBudgetGate;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The budget routes under {@code /logging-dashboard/budgets}: every budget with its current
 * window, one budget with its past windows and events, and {@code PUT} / {@code DELETE} to manage
 * them (behind the API token when one is set, like every {@code /logging-dashboard} route).
 */
public final class BudgetController {
    static final int MAX_HISTORY = 400;
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final BudgetDefinitions definitions;
    private final BudgetReport report;
    private final JdbcBudgetGate gate;
    private final Clock clock;

    public BudgetController(BudgetDefinitions definitions, BudgetReport report, JdbcBudgetGate gate, Clock clock) {
        this.definitions = definitions;
        this.report = report;
        this.gate = gate;
        this.clock = clock;
    }

    /** Registers the budget routes under {@code /logging-dashboard/budgets} and the budget events. */
    public void register(RoutesConfig routes) {
        routes.get("/logging-dashboard/budgets", this::list);
        routes.get("/logging-dashboard/budgets/{name}", this::one);
        routes.put("/logging-dashboard/budgets/{name}", this::put);
        routes.delete("/logging-dashboard/budgets/{name}", this::delete);
        routes.get("/logging-dashboard/budget-events", this::events);
    }

    /** {@code GET /logging-dashboard/budgets}. */
    void list(Context ctx) {
        Instant now = clock.instant();
        List<BudgetStatus> all = report.current(definitions.list(), now);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("as_of", now.toString());
        body.put("budgets", all.stream().map(BudgetJson::status).toList());
        body.put("recent_events", report.events(null, 0, 20).stream().map(BudgetController::event).toList());
        ctx.json(body);
    }

    /** {@code GET /logging-dashboard/budgets/{name}?windows=30}. */
    void one(Context ctx) {
        Budget b = existing(ctx.pathParam("name"));
        int windows = Params.intParam(ctx, "windows", 30, 1, MAX_HISTORY);
        Map<String, Object> body = BudgetJson.status(report.current(List.of(b), clock.instant()).get(0));
        body.put("history", report.history(b, windows).stream().map(w -> BudgetJson.window(w, b.limitUsd())).toList());
        body.put("events", report.events(b.name(), 0, 50).stream().map(BudgetController::event).toList());
        ctx.json(body);
    }

    /** {@code PUT /logging-dashboard/budgets/{name}}: 201 when created, 200 when replaced. */
    void put(Context ctx) {
        String name = ctx.pathParam("name");
        Params.requireJson(ctx.header("Content-Type"));
        JsonNode body;
        try {
            body = JSON.readTree(ctx.body());
        } catch (Exception e) {
            throw ApiError.badRequest("the body is not valid JSON (one object, each field once): want {\"scope\": \"global\", "
                    + "\"period\": \"day\", \"limit_usd\": 10, \"action\": \"enforce\"}", null);
        }
        Budget b = BudgetJson.parse(name, body);
        boolean created;
        try {
            created = definitions.put(b);
        } catch (BudgetDefinitions.PeriodChange e) {
            throw new ApiError(409, e.getMessage(), "period");
        }
        gate.refresh();
        ctx.status(created ? 201 : 200).json(BudgetJson.status(report.current(List.of(b), clock.instant()).get(0)));
    }

    /** {@code DELETE /logging-dashboard/budgets/{name}}: 204, or 404 when there is none. */
    void delete(Context ctx) {
        String name = ctx.pathParam("name");
        if (!definitions.delete(BudgetJson.checkedName(name))) throw ApiError.notFound("no budget named " + name);
        gate.refresh();
        ctx.status(204);
    }

    /** {@code GET /logging-dashboard/budget-events?after=<id>&budget=<name>}: events, newest first. */
    void events(Context ctx) {
        String budget = ctx.queryParam("budget");
        if (budget != null) BudgetJson.checkedName(budget);
        String after = ctx.queryParam("after");
        long afterId = 0;
        if (after != null && !after.isBlank()) {
            try {
                afterId = Long.parseLong(after.trim());
                if (afterId < 0) throw new NumberFormatException();
            } catch (NumberFormatException e) {
                throw ApiError.badRequest("after must be an event id (a whole number from 0)", "after");
            }
        }
        int limit = Params.intParam(ctx, "limit", 100, 1, 1000);
        ctx.json(Map.of("events", report.events(budget, afterId, limit).stream().map(BudgetController::event).toList()));
    }

    private Budget existing(String name) {
        return definitions.get(BudgetJson.checkedName(name)).orElseThrow(() -> ApiError.notFound("no budget named " + name));
    }

    static Map<String, Object> event(BudgetReport.Event e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", e.id());
        m.put("budget", e.budget());
        m.put("kind", e.kind());
        m.put("threshold", e.threshold().signum() == 0 ? null : e.threshold());
        m.put("limit_usd", e.limit());
        m.put("spent", e.spent());
        m.put("projected", e.projected());
        m.put("at", e.at().toString());
        m.put("details", e.details());
        return m;
    }
}
