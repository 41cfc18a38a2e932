package dev.chatlog.server.web;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;

/**
 * A request's JSON body, read one way for the routes that take definitions (scores, the judge's backfill, experiments):
 * declared JSON ({@link Params#requireJson}), one object, each field once, decimals exact (not doubles); anything else a
 * 400 showing what the route wants.
 */
public final class JsonBody {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private JsonBody() {}

    /** The body as one JSON object; {@code example} is what the 400 says the route wants; a blank body is {@code {}} when {@code blankIsEmpty}. */
    public static JsonNode object(Context ctx, String example, boolean blankIsEmpty) {
        Params.requireJson(ctx.header("Content-Type"));
        String raw = ctx.body();
        JsonNode body;
        try {
            body = blankIsEmpty && raw.isBlank() ? JSON.createObjectNode() : JSON.readTree(raw);
        } catch (Exception e) {
            body = null;
        }
        if (body == null || !body.isObject()) {
            throw ApiError.badRequest("the body is not one JSON object (each field once): want " + example, null);
        }
        return body;
    }
}
