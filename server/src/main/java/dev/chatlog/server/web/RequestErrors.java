package dev.chatlog.server.web;

import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** How the server answers what goes wrong in a request: a JSON body, a status, one log line; never a stack trace. */
public final class RequestErrors {
    private static final Logger log = LoggerFactory.getLogger("dev.chatlog.server.ChatlogServer");

    private RequestErrors() {}

    /** Any other failure of a route: 400 for an unreadable body, 503 when the database is unavailable, else a logged 500. */
    public static void unexpected(Exception e, Context ctx) {
        if (unreadableRequest(e)) { // a malformed chunked body, a client gone mid-body: its fault, one line
            log.warn("unreadable request body on {} {}: {}", ctx.method(), ctx.path(), e.toString());
            error(ctx, 400, "the request body could not be read (malformed or cut short)", null);
            return;
        }
        var unavailable = ApiError.unavailable(e);
        if (unavailable.isPresent()) {
            log.warn("database unavailable on {} {}: {}", ctx.method(), ctx.path(), e.toString());
            error(ctx, 503, unavailable.get().getMessage(), null);
            return;
        }
        log.error("unexpected error on {} {}", ctx.method(), ctx.path(), e);
        error(ctx, 500, "internal error (see the server log)", null);
    }

    /**
     * A body announced larger than the limit is refused with 413 before it is parsed. Up to 16 times
     * the limit it is read and dropped first, so that the connection closes clean (closing on unread
     * bytes makes the client's TCP reset the 413 away); beyond that nothing is read or waited for:
     * the answer goes at once and the connection is closed.
     */
    public static void refuseOversizedBody(io.javalin.http.Context ctx, long limit) throws java.io.IOException {
        long announced = ctx.req().getContentLengthLong();
        if (announced <= limit) return;
        if (announced <= 16 * limit) {
            try (var in = ctx.req().getInputStream()) {
                byte[] buf = new byte[8192];
                for (long left = announced; left > 0; ) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                    if (n < 0) break;
                    left -= n;
                }
            }
        } else {
            ctx.header("Connection", "close");
        }
        throw new ApiError(413, "the body may be at most " + limit + " bytes (CHATLOG_MAX_BODY_BYTES)", null);
    }

    /** Whether a failure came from reading the request itself (Jetty's bad-message or end-of-file exceptions). */
    public static boolean unreadableRequest(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof org.eclipse.jetty.http.BadMessageException || t instanceof org.eclipse.jetty.io.EofException
                    || t instanceof java.io.UncheckedIOException && t.getCause() instanceof java.io.IOException io
                    && io.getClass().getName().startsWith("org.eclipse.jetty")) {
                return true;
            }
        }
        return false;
    }

    /** The JSON error body every refusal has: {@code {error, field?, status}}. */
    public static void error(Context ctx, int status, String message, String field) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", message);
        if (field != null) body.put("field", field);
        body.put("status", status);
        ctx.status(status).json(body);
    }
}
