package dev.chatlog.server.web;

import dev.chatlog.sql.query.Filter;
import dev.chatlog.sql.query.Window;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * The one filter and window vocabulary of every read route. Filters: {@code model}, {@code agent},
 * {@code function} ({@code function_name} is an alias), {@code chat_mode}, {@code user}, {@code success}, {@code arm}
 * (an experiment arm, {@code checkout-model/cheap}).
 * Windows: {@code from} / {@code to} (UTC dates, to inclusive, or ISO instants, to exclusive), or
 * {@code window=today|7d|30d|all|session} (whole UTC days; session needs {@code conversation_id}), or
 * {@code hours=N|all} (the last N whole hours, the current one included), in that order of precedence.
 */
public final class ReadParams {
    private ReadParams() {}

    /** Each route's default window when none is asked for. */
    public enum Default { LAST_24_HOURS, LAST_7_DAYS }

    public static Filter filter(Context ctx) {
        String success = ctx.queryParam("success");
        Boolean ok = null;
        if (success != null && !success.isEmpty()) {
            if (!success.equals("true") && !success.equals("false")) throw ApiError.badRequest("success must be true or false", "success");
            ok = Boolean.valueOf(success);
        }
        String function = Params.name(ctx, "function");
        String alias = Params.name(ctx, "function_name");
        if (function != null && alias != null && !function.equals(alias)) {
            throw ApiError.badRequest("function and function_name (its older spelling) disagree", "function");
        }
        String user = ctx.queryParam("user");
        return new Filter(Params.name(ctx, "model"), Params.name(ctx, "agent"), function != null ? function : alias,
                Params.name(ctx, "chat_mode"), user == null || user.isEmpty() ? null : Params.id(user, "user"), ok,
                Params.name(ctx, "arm"));
    }

    public static Window window(Context ctx, Clock clock, Default dflt) {
        LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
        Instant tomorrow = today.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        String from = ctx.queryParam("from");
        String to = ctx.queryParam("to");
        String w = ctx.queryParam("window");
        String hours = ctx.queryParam("hours");
        if (from != null || to != null) {
            Instant f = from == null ? Instant.EPOCH : instant(from, "from", false);
            Instant t = to == null ? tomorrow : instant(to, "to", true);
            if (!f.isBefore(t)) throw ApiError.badRequest("from must be before to", "from");
            return Window.between(f, t);
        }
        boolean noWindow = w == null || w.isBlank();
        if (noWindow && (hours != null && !hours.isBlank() || dflt == Default.LAST_24_HOURS)) {
            return Window.lastHours(Params.hours(ctx), clock.instant());
        }
        if (w == null || w.isBlank()) w = "7d";
        return switch (w) {
            case "today" -> Window.between(today.atStartOfDay().toInstant(ZoneOffset.UTC), tomorrow);
            case "7d" -> Window.between(today.minusDays(6).atStartOfDay().toInstant(ZoneOffset.UTC), tomorrow);
            case "30d" -> Window.between(today.minusDays(29).atStartOfDay().toInstant(ZoneOffset.UTC), tomorrow);
            case "all" -> Window.between(Instant.EPOCH, tomorrow);
            case "session" -> {
                String conv = ctx.queryParam("conversation_id");
                if (conv == null) throw ApiError.badRequest("window=session needs conversation_id", "conversation_id");
                yield new Window(Instant.EPOCH, tomorrow, Params.id(conv, "conversation_id"));
            }
            default -> throw ApiError.badRequest("window must be one of today, 7d, 30d, all, session", "window");
        };
    }

    /** The instants a window may span: what the store's DATETIME columns can hold, from the epoch. */
    public static final Instant EARLIEST = Instant.EPOCH;
    public static final Instant LATEST = Instant.parse("9999-12-31T00:00:00Z");

    /** One instant parameter ({@code at=2026-11-23T10:00:00Z}, or a date for its start), checked as the windows are. */
    public static Instant instant(String v, String field) {
        return instant(v, field, false);
    }

    private static Instant instant(String v, String field, boolean endInclusiveDate) {
        Instant t;
        try {
            if (v.length() == 10) {
                LocalDate d = LocalDate.parse(v);
                t = (endInclusiveDate ? d.plusDays(1) : d).atStartOfDay().toInstant(ZoneOffset.UTC);
            } else {
                t = Instant.parse(v);
            }
        } catch (DateTimeParseException e) {
            throw ApiError.badRequest(field + " must be a date (2026-11-23) or an ISO instant (2026-11-23T10:00:00Z)", field);
        }
        if (t.isBefore(EARLIEST) || t.isAfter(LATEST)) { // a window the store cannot represent is refused, not answered empty
            throw ApiError.badRequest(field + " must be from 1970-01-01 to 9999-12-30 (dates) or 9999-12-31T00:00:00Z (instants)", field);
        }
        return t;
    }
}
