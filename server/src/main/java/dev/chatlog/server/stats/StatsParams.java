package dev.chatlog.server.stats;

import dev.chatlog.server.web.ApiError;
import dev.chatlog.server.web.Params;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/** The parameters only the statistics routes have (the window and filter are {@link dev.chatlog.server.web.ReadParams}). */
final class StatsParams {
    private StatsParams() {}

    static LocalDate date(Context ctx, Clock clock) {
        String v = ctx.queryParam("date");
        if (v == null || v.isBlank()) return LocalDate.now(clock.withZone(ZoneOffset.UTC));
        LocalDate d;
        try {
            d = LocalDate.parse(v);
        } catch (DateTimeParseException e) {
            throw ApiError.badRequest("date must look like 2026-11-23", "date");
        }
        if (d.getYear() < 1970 || d.isAfter(LocalDate.of(9999, 12, 30))) {
            throw ApiError.badRequest("date must be from 1970-01-01 to 9999-12-30", "date");
        }
        return d;
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
