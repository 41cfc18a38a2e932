package dev.chatlog.server.web;

/** A client error with the JSON body it becomes: {@code {"error": message, "field": field}}. */
public final class ApiError extends RuntimeException {
    private final int status;
    private final String field;

    public ApiError(int status, String message, String field) {
        super(message, null, false, false);
        this.status = status;
        this.field = field;
    }

    public static ApiError badRequest(String message, String field) {
        return new ApiError(400, message, field);
    }

    public static ApiError notFound(String message) {
        return new ApiError(404, message, null);
    }

    public int status() {
        return status;
    }

    public String field() {
        return field;
    }
}
