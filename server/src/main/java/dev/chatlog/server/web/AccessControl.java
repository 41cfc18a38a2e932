package dev.chatlog.server.web;

import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Set;

/**
 * Who may read the logs. With {@code CHATLOG_API_TOKEN} set, the dashboard and export routes need
 * {@code Authorization: Bearer <token>} (compared in constant time: both sides are hashed first, so
 * neither content nor length leaks through timing). CORS is closed unless origins are listed in
 * {@code CHATLOG_CORS_ORIGINS}.
 */
public final class AccessControl {
    private final byte[] tokenHash;
    private final Set<String> corsOrigins;

    public AccessControl(String token, Set<String> corsOrigins) {
        this.tokenHash = token == null || token.isBlank() ? null : sha256(token.trim().getBytes(StandardCharsets.UTF_8));
        this.corsOrigins = Set.copyOf(corsOrigins);
    }

    /** Before-handler of the protected routes. */
    public void authorize(Context ctx) {
        if (tokenHash == null || ctx.method() == HandlerType.OPTIONS) {
            return;
        }
        String header = ctx.header("Authorization");
        String given = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : "";
        if (!MessageDigest.isEqual(tokenHash, sha256(given.getBytes(StandardCharsets.UTF_8)))) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"chatlog\"");
            throw new ApiError(401, "a valid bearer token is required: Authorization: Bearer <CHATLOG_API_TOKEN>", null);
        }
    }

    /** Before-handler of every route: CORS headers for listed origins only, and their preflight. */
    public void cors(Context ctx) {
        String origin = ctx.header("Origin");
        if (origin == null || !corsOrigins.contains(origin)) {
            return;
        }
        ctx.header("Access-Control-Allow-Origin", origin);
        ctx.header("Vary", "Origin");
        if (ctx.method() == HandlerType.OPTIONS) {
            ctx.header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
            ctx.header("Access-Control-Allow-Headers", "Authorization, Content-Type");
            ctx.header("Access-Control-Max-Age", "600");
            ctx.status(204);
            ctx.skipRemainingHandlers();
        }
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
