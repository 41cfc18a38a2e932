package dev.chatlog.server.quality;

import dev.chatlog.quality.analysis.Agreements;
import dev.chatlog.quality.analysis.Bands;
import dev.chatlog.quality.analysis.Trends;
import dev.chatlog.server.web.ApiError;
import dev.chatlog.server.web.Params;
import dev.chatlog.server.web.ReadParams;
import dev.chatlog.sql.query.Window;
import dev.chatlog.sql.rollup.Dimension;
import dev.chatlog.sql.score.ScoreDefinitions;
import dev.chatlog.sql.score.Warnings;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/**
 * The quality analyses over HTTP: {@code GET /logging-dashboard/scores/agreement} (each judge against people),
 * {@code /trends} (improving, stable or declining, by test), {@code /bands} (success bands and the comparison with
 * peers) and {@code /warnings} (turns to look at). Windows as the statistics routes; a bad parameter is a 400 naming it.
 */
public final class QualityController {
    private static final List<String> BAND_GROUPS = List.of("model", "function", "agent", "chat_mode", "intent");
    private static final List<String> TREND_GROUPS = List.of("all", "model", "agent", "function", "chat_mode", "intent", "user");
    private final Jdbi jdbi;
    private final ScoreDefinitions definitions;
    private final Clock clock;

    public QualityController(Jdbi jdbi, ScoreDefinitions definitions, Clock clock) {
        this.jdbi = jdbi;
        this.definitions = definitions;
        this.clock = clock;
    }

    public void register(RoutesConfig routes) {
        routes.get("/logging-dashboard/scores/agreement", this::agreement);
        routes.get("/logging-dashboard/trends", this::trends);
        routes.get("/logging-dashboard/bands", this::bands);
        routes.get("/logging-dashboard/warnings", this::warnings);
    }

    void agreement(Context ctx) {
        String name = Params.name(ctx, "name");
        if (name == null) throw ApiError.badRequest("name is required: the score whose judges are compared with people", "name");
        Window w = ReadParams.window(ctx, clock, ReadParams.Default.LAST_7_DAYS);
        ctx.json(new Agreements(jdbi, definitions).of(name, w.from(), w.to()));
    }

    void trends(Context ctx) {
        Trends.Measure m;
        try {
            m = Trends.Measure.parse(ctx.queryParam("measure"));
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage(), "measure");
        }
        if (m.name().startsWith("score:") && !m.name().substring(6).matches("[A-Za-z0-9._:-]{1,100}")) {
            throw ApiError.badRequest("measure score:<name> names a score: 1 to 100 of letters, digits and . _ : -", "measure");
        }
        int days = Params.intParam(ctx, "days", 28, 4, Trends.MAX_DAYS);
        String group = oneOf(ctx, "group_by", TREND_GROUPS, "all");
        LocalDate last = LocalDate.now(clock.withZone(ZoneOffset.UTC));
        try {
            ctx.json(new Trends(jdbi).of(m, Dimension.named(group).orElseThrow(), last.minusDays(days - 1L), last));
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage(), "group_by");
        }
    }

    void bands(Context ctx) {
        String group = oneOf(ctx, "group_by", BAND_GROUPS, "model");
        Window w = ReadParams.window(ctx, clock, ReadParams.Default.LAST_7_DAYS);
        Bands.Limits d = Bands.Limits.SEED;
        Bands.Limits limits = new Bands.Limits(limits(ctx, "latency_ms", d.latencyMs()), limits(ctx, "tokens", d.tokens()), limits(ctx, "steps", d.steps()));
        ctx.json(new Bands(jdbi).of(group, w.from(), w.to(), limits));
    }

    void warnings(Context ctx) {
        String kind = ctx.queryParam("kind");
        if (kind != null && !kind.isBlank() && !Warnings.KINDS.contains(kind)) {
            throw ApiError.badRequest("kind must be one of " + String.join(", ", Warnings.KINDS), "kind");
        }
        Window w = ReadParams.window(ctx, clock, ReadParams.Default.LAST_24_HOURS);
        int limit = Params.intParam(ctx, "limit", 100, 1, Warnings.MAX_LIST);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("from", w.from().toString());
        out.put("to", w.to().toString());
        out.put("kind", kind == null || kind.isBlank() ? null : kind);
        out.put("limits", Warnings.json(Warnings.Limits.SEED));
        out.put("messages", jdbi.withHandle(h -> Warnings.list(h, w.from(), w.to(), kind == null || kind.isBlank() ? null : kind, Warnings.Limits.SEED, limit)));
        ctx.json(out);
    }

    private static String oneOf(Context ctx, String param, List<String> allowed, String dflt) {
        String v = ctx.queryParam(param);
        if (v == null || v.isBlank()) return dflt;
        if (!allowed.contains(v)) throw ApiError.badRequest(param + " must be one of " + String.join(", ", allowed), param);
        return v;
    }

    /** {@code 5000,10000,20000}: three increasing whole numbers. */
    private static List<Long> limits(Context ctx, String param, List<Long> dflt) {
        String v = ctx.queryParam(param);
        if (v == null || v.isBlank()) return dflt;
        String[] parts = v.split(",", -1);
        if (parts.length != 3) throw ApiError.badRequest(param + " is three increasing whole numbers, e.g. " + joined(dflt), param);
        List<Long> out = new ArrayList<>();
        for (String p : parts) {
            try {
                long n = Long.parseLong(p.trim());
                if (n <= 0 || n > 1_000_000_000L) throw new NumberFormatException();
                out.add(n);
            } catch (NumberFormatException e) {
                throw ApiError.badRequest(param + " is three increasing whole numbers from 1 to 1000000000, e.g. " + joined(dflt), param);
            }
        }
        if (out.get(0) >= out.get(1) || out.get(1) >= out.get(2)) {
            throw ApiError.badRequest(param + " is three increasing whole numbers, e.g. " + joined(dflt), param);
        }
        return out;
    }

    private static String joined(List<Long> l) {
        return l.stream().map(String::valueOf).reduce((a, b) -> a + "," + b).orElse("");
    }
}
