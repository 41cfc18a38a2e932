package dev.chatlog.server.web;

import io.javalin.http.Context;
import java.util.regex.Pattern;

/** Query and path parameters, checked: a bad value is a 400 that names the parameter. */
public final class Params {
    public static final int MAX_HOURS = 24 * 366;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:@-]{1,255}");
    private static final Pattern NAME = Pattern.compile("[\\p{L}\\p{N} ._:/@-]{1,150}");

    private Params() {}

    /** {@code hours=N} (1 to {@link #MAX_HOURS}, default 24) or {@code hours=all} (0: all time). */
    public static int hours(Context ctx) {
        String v = ctx.queryParam("hours");
        if (v == null || v.isBlank()) {
            return 24;
        }
        if (v.trim().equals("all")) {
            return 0;
        }
        int h;
        try {
            h = Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw ApiError.badRequest("hours must be all or a whole number of hours from 1 to " + MAX_HOURS + ", got '" + clip(v) + "'", "hours");
        }
        if (h < 1 || h > MAX_HOURS) {
            throw ApiError.badRequest("hours must be from 1 to " + MAX_HOURS + ", got " + h, "hours");
        }
        return h;
    }

    /** An optional whole-number parameter within bounds; a bad value is a 400 naming it. */
    public static int intParam(Context ctx, String name, int dflt, int min, int max) {
        String v = ctx.queryParam(name);
        if (v == null || v.isBlank()) return dflt;
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= min && n <= max) return n;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw ApiError.badRequest(name + " must be a whole number from " + min + " to " + max, name);
    }

    /** An optional filter value such as a model or function name. */
    public static String name(Context ctx, String param) {
        String v = ctx.queryParam(param);
        if (v == null || v.isEmpty()) {
            return null;
        }
        if (!NAME.matcher(v).matches()) {
            throw ApiError.badRequest(param + " has characters a " + param + " cannot have", param);
        }
        return v;
    }

    public static String id(String value, String field) {
        if (value == null || !ID.matcher(value).matches()) {
            throw ApiError.badRequest(field + " must be 1 to 255 characters of letters, digits and . _ : @ -", field);
        }
        return value;
    }

    /**
     * A body must be declared JSON: a form or {@code text/plain} POST is what any web page can send
     * to this server without a CORS preflight, so it is refused (415) before anything runs.
     */
    public static void requireJson(String contentType) {
        String type = contentType == null ? "" : contentType.split(";", 2)[0].trim();
        if (!type.equalsIgnoreCase("application/json")) {
            throw new ApiError(415, "the body must be sent as Content-Type: application/json", null);
        }
    }

    static String clip(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}
