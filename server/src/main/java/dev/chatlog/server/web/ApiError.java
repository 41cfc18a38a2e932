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

    /**
     * The 503 that a database failure becomes when the database is unreachable or did not answer in
     * time (a timeout, a lost connection, no connection from the pool); empty for other failures.
     */
    public static java.util.Optional<ApiError> unavailable(Throwable failure) {
        if (dev.chatlog.sql.SqlFailures.unreachable(failure) || dev.chatlog.sql.SqlFailures.timedOut(failure)) {
            return java.util.Optional.of(new ApiError(503,
                    "the database is unavailable or did not answer in time; try again, or a shorter range", null));
        }
        return java.util.Optional.empty();
    }

    public int status() {
        return status;
    }

    public String field() {
        return field;
    }
}
