package dev.chatlog.server.quality;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatlog.core.score.Score;
import dev.chatlog.core.token.TokenCounter;
import dev.chatlog.judge.Backfill;
import dev.chatlog.judge.LlmJudge;
import dev.chatlog.judge.OnlineJudge;
import dev.chatlog.server.web.ApiError;
import dev.chatlog.server.web.Params;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;

/**
 * The server's LLM judge over HTTP: {@code GET /logging-dashboard/judge} (its rubric, model, sampling, what it rated
 * and its own spend over 7 days) and {@code POST /logging-dashboard/judge/backfill} (a window of the past rated under
 * caps; a dry run unless {@code "dry_run": false}, so the estimate is seen first). 404 when the server runs no judge.
 */
public final class JudgeController {
    private static final Set<String> FIELDS = Set.of("hours", "target", "models", "agents", "intents", "max_targets", "max_cost_usd", "dry_run");
    private final LlmJudge judge; // null: no judge
    private final OnlineJudge online; // null: not sampling
    private final Jdbi jdbi;
    private final Clock clock;

    public JudgeController(LlmJudge judge, OnlineJudge online, Jdbi jdbi, Clock clock) {
        this.judge = judge;
        this.online = online;
        this.jdbi = jdbi;
        this.clock = clock;
    }

    public void register(RoutesConfig routes) {
        routes.get("/logging-dashboard/judge", this::describe);
        routes.post("/logging-dashboard/judge/backfill", this::backfill);
    }

    private LlmJudge judge() {
        if (judge == null) throw ApiError.notFound("no judge runs on this server (CHATLOG_JUDGE=on with a model turns one on)");
        return judge;
    }

    void describe(Context ctx) {
        LlmJudge j = judge();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", j.name());
        out.put("model", j.modelName());
        out.put("rubric", Map.of("name", j.rubric().name(), "version", j.rubric().version(),
                "scale", j.rubric().scale().name().toLowerCase(java.util.Locale.ROOT), "criteria", j.rubric().criteria()));
        out.put("function", j.function());
        if (online != null) {
            OnlineJudge.Stats st = online.stats();
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("sampled", st.sampled());
            o.put("scored", st.scored());
            o.put("unreadable", st.unreadable());
            o.put("failed", st.failed());
            o.put("refused_by_budget", st.refusedByBudget());
            o.put("skipped", st.skipped());
            out.put("online", o);
        }
        Instant since = clock.instant().minus(Duration.ofDays(7));
        out.put("last_7_days", jdbi.withHandle(h -> h.createQuery("""
                SELECT COUNT(*) AS calls, COALESCE(SUM(input_tokens), 0) AS input_tokens, COALESCE(SUM(output_tokens), 0) AS output_tokens,
                       SUM(cost_estimate) AS cost_usd, SUM(NOT priced) AS unpriced_calls
                FROM chatbot_llm_calls WHERE started_at >= :since AND call_type = 'evaluation' AND function_name = :f""")
                .bind("since", dev.chatlog.sql.Utc.time(since)).bind("f", j.function()).mapToMap().one()));
        ctx.json(out);
    }

    void backfill(Context ctx) {
        LlmJudge j = judge();
        JsonNode body = dev.chatlog.server.web.JsonBody.object(ctx, "{\"hours\": 24, \"max_targets\": 100, \"max_cost_usd\": 0.50, \"dry_run\": true}", true);
        body.fieldNames().forEachRemaining(f -> {
            if (!FIELDS.contains(f)) throw ApiError.badRequest("unknown field " + f + ": the fields are " + String.join(", ", new java.util.TreeSet<>(FIELDS)), f);
        });
        int hours = whole(body, "hours", 24, 1, Params.MAX_HOURS);
        int max = whole(body, "max_targets", 100, 1, Backfill.MAX_TARGETS);
        BigDecimal cost = null;
        if (body.hasNonNull("max_cost_usd")) {
            JsonNode c = body.get("max_cost_usd");
            if (!c.isNumber() || c.decimalValue().signum() <= 0 || c.decimalValue().compareTo(new BigDecimal("1000000")) > 0) {
                throw ApiError.badRequest("max_cost_usd is a number of dollars above 0, at most 1000000", "max_cost_usd");
            }
            cost = c.decimalValue();
        }
        boolean dry = true;
        if (body.has("dry_run")) {
            if (!body.get("dry_run").isBoolean()) throw ApiError.badRequest("dry_run is true or false", "dry_run");
            dry = body.get("dry_run").asBoolean();
        }
        Score.Target target = Score.Target.MESSAGE;
        if (body.has("target")) {
            String t = body.get("target").asText("");
            if (!t.equals("message") && !t.equals("call")) throw ApiError.badRequest("target is message or call", "target");
            target = Score.Target.fromDb(t);
        }
        Instant to = clock.instant();
        Backfill.Result r;
        try {
            r = new Backfill(j, jdbi, TokenCounter.shared()).run(new Backfill.Request(to.minus(Duration.ofHours(hours)), to, target,
                    names(body, "models"), names(body, "agents"), names(body, "intents"), max, cost, dry));
        } catch (Backfill.Busy busy) {
            throw new ApiError(409, busy.getMessage(), null);
        } catch (IllegalArgumentException refused) { // a score definition that would refuse the judge's ratings
            throw new ApiError(409, refused.getMessage(), null);
        }
        Map<String, Object> plan = new LinkedHashMap<>();
        plan.put("unrated", r.plan().unrated());
        plan.put("selected", r.plan().selected());
        plan.put("estimated_input_tokens", r.plan().estimatedInputTokens());
        plan.put("estimated_output_tokens", r.plan().estimatedOutputTokens());
        plan.put("estimated_cost_usd", r.plan().estimatedCostUsd());
        plan.put("capped_by", r.plan().cappedBy());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("judge", j.name());
        out.put("dry_run", r.dryRun());
        out.put("plan", plan);
        if (!r.dryRun()) {
            out.put("scored", r.scored());
            out.put("unreadable", r.unreadable());
            out.put("failed", r.failed());
            out.put("refused_by_budget", r.refusedByBudget());
            out.put("spent_usd", r.spentUsd());
            out.put("stopped_by", r.stoppedBy());
        }
        ctx.json(out);
    }

    private static int whole(JsonNode body, String field, int dflt, int min, int max) {
        if (!body.hasNonNull(field)) return dflt;
        JsonNode n = body.get(field);
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < min || n.intValue() > max) {
            throw ApiError.badRequest(field + " is a whole number from " + min + " to " + max, field);
        }
        return n.intValue();
    }

    private static Set<String> names(JsonNode body, String field) {
        if (!body.hasNonNull(field)) return Set.of();
        JsonNode n = body.get(field);
        if (!n.isArray() || n.size() > 100) throw ApiError.badRequest(field + " is a list of at most 100 names", field);
        Set<String> out = new LinkedHashSet<>();
        for (JsonNode e : n) {
            if (!e.isTextual() || e.asText().isBlank() || e.asText().length() > 255) throw ApiError.badRequest(field + " holds names of 1 to 255 characters", field);
            out.add(e.asText());
        }
        return out;
    }
}
