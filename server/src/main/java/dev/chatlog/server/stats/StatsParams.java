package dev.chatlog.server.stats;

import dev.chatlog.server.web.ApiError;
import dev.chatlog.server.web.Params;
import dev.chatlog.sql.StatsQueries.Filters;
import dev.chatlog.sql.StatsQueries.Window;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/** Time windows and filters shared by the statistics and export routes. */
final class StatsParams {
    private StatsParams() {}

    /**
     * {@code window=today|7d|30d|all|session} (default 7d; session needs {@code conversation_id}), or
     * {@code from} / {@code to} as UTC dates (to inclusive) or ISO instants (to exclusive).
     */
    static Window window(Context ctx, Clock clock) {
        LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
        Instant tomorrow = today.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        String from = ctx.queryParam("from");
        String to = ctx.queryParam("to");
        if (from != null || to != null) {
            Instant f = from == null ? Instant.EPOCH : instant(from, "from", false);
            Instant t = to == null ? tomorrow : instant(to, "to", true);
            if (!f.isBefore(t)) throw ApiError.badRequest("from must be before to", "from");
            return new Window(f, t, null);
        }
        String w = ctx.queryParam("window");
        if (w == null || w.isBlank()) w = "7d";
        return switch (w) {
            case "today" -> new Window(today.atStartOfDay().toInstant(ZoneOffset.UTC), tomorrow, null);
            case "7d" -> new Window(today.minusDays(6).atStartOfDay().toInstant(ZoneOffset.UTC), tomorrow, null);
            case "30d" -> new Window(today.minusDays(29).atStartOfDay().toInstant(ZoneOffset.UTC), tomorrow, null);
            case "all" -> new Window(Instant.EPOCH, tomorrow, null);
            case "session" -> {
                String conv = ctx.queryParam("conversation_id");
                if (conv == null) throw ApiError.badRequest("window=session needs conversation_id", "conversation_id");
                yield new Window(Instant.EPOCH, tomorrow, Params.id(conv, "conversation_id"));
            }
            default -> throw ApiError.badRequest("window must be one of today, 7d, 30d, all, session", "window");
        };
    }

    private static Instant instant(String v, String field, boolean endInclusiveDate) {
        try {
            if (v.length() == 10) {
                LocalDate d = LocalDate.parse(v);
                return (endInclusiveDate ? d.plusDays(1) : d).atStartOfDay().toInstant(ZoneOffset.UTC);
            }
            return Instant.parse(v);
        } catch (DateTimeParseException e) {
            throw ApiError.badRequest(field + " must be a date (2026-11-23) or an ISO instant (2026-11-23T10:00:00Z)", field);
        }
    }

    static LocalDate date(Context ctx, Clock clock) {
        String v = ctx.queryParam("date");
        if (v == null || v.isBlank()) return LocalDate.now(clock.withZone(ZoneOffset.UTC));
        try {
            return LocalDate.parse(v);
        } catch (DateTimeParseException e) {
            throw ApiError.badRequest("date must look like 2026-11-23", "date");
        }
    }

    static Filters filters(Context ctx) {
        String success = ctx.queryParam("success");
        Boolean ok = null;
        if (success != null && !success.isEmpty()) {
            if (!success.equals("true") && !success.equals("false")) throw ApiError.badRequest("success must be true or false", "success");
            ok = Boolean.valueOf(success);
        }
        String user = ctx.queryParam("user");
        return new Filters(Params.name(ctx, "model"), Params.name(ctx, "agent"), Params.name(ctx, "function"),
                Params.name(ctx, "chat_mode"), user == null || user.isEmpty() ? null : Params.id(user, "user"), ok);
    }

    static int intParam(Context ctx, String name, int dflt, int min, int max) {
        return Params.intParam(ctx, name, dflt, min, max);
    }

    static String oneOf(Context ctx, String name, String dflt, String... allowed) {
        String v = ctx.queryParam(name);
        if (v == null || v.isBlank()) return dflt;
        for (String a : allowed) if (a.equals(v)) return v;
        throw ApiError.badRequest(name + " must be one of " + String.join(", ", allowed), name);
    }
}
