package dev.chatlog.server.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientConnectionException;
import org.jdbi.v3.core.ConnectionException;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.junit.jupiter.api.Test;

class ApiErrorTest {
    @Test
    void should_turn_database_timeouts_and_lost_connections_into_503_and_nothing_else() {
        for (Throwable failure : new Throwable[] {
                new UnableToExecuteStatementException(new SQLTimeoutException("Statement cancelled due to timeout"), null),
                new ConnectionException(new SQLTransientConnectionException("Connection is not available, request timed out")),
                new UnableToExecuteStatementException(new SQLException("Communications link failure", "08S01"), null),
                new IllegalStateException("wrapped", new SQLException("connection refused", "08001"))}) {
            ApiError e = ApiError.unavailable(failure).orElseThrow(() -> new AssertionError("not a 503: " + failure));
            assertEquals(503, e.status());
            assertTrue(e.getMessage().contains("did not answer in time"));
        }
        assertTrue(ApiError.unavailable(new UnableToExecuteStatementException(new SQLException("Unknown column 'x'", "42S22"), null)).isEmpty());
        assertTrue(ApiError.unavailable(new NullPointerException()).isEmpty());
    }
}
