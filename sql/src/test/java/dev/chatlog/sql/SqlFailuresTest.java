package dev.chatlog.sql;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientConnectionException;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.junit.jupiter.api.Test;

/** The one reading of a database failure, on the exceptions the drivers throw, wrapped as Jdbi wraps them. */
class SqlFailuresTest {
    @Test
    void should_tell_an_outage_a_timeout_a_lock_and_refused_data_apart() {
        Exception lost = new UnableToExecuteStatementException(new SQLException("Communications link failure", "08S01"), null);
        Exception pool = new SQLTransientConnectionException("Connection is not available, request timed out after 250ms");
        Exception slow = new UnableToExecuteStatementException(new SQLTimeoutException("Statement cancelled", "70100"), null);
        Exception deadlock = new UnableToExecuteStatementException(new SQLException("Deadlock found", "40001", 1213), null);
        Exception tooLong = new UnableToExecuteStatementException(new SQLException("Data too long for column", "22001", 1406), null);
        Exception duplicate = new SQLException("Duplicate entry", "23000", 1062);

        assertTrue(SqlFailures.unreachable(lost) && SqlFailures.unreachable(pool));
        assertFalse(SqlFailures.unreachable(slow) || SqlFailures.unreachable(deadlock) || SqlFailures.unreachable(tooLong));
        assertTrue(SqlFailures.timedOut(slow));
        assertFalse(SqlFailures.timedOut(lost));
        assertTrue(SqlFailures.lockConflict(deadlock));
        assertTrue(SqlFailures.lockConflict(new SQLException("Lock wait timeout exceeded", "HY000", 1205)));
        assertFalse(SqlFailures.lockConflict(lost));
        assertTrue(SqlFailures.retryable(lost) && SqlFailures.retryable(deadlock) && SqlFailures.retryable(pool));
        assertFalse(SqlFailures.retryable(tooLong) || SqlFailures.retryable(duplicate));
        assertFalse(SqlFailures.retryable(new RuntimeException(new com.fasterxml.jackson.core.JsonParseException(null, "bad"))));
    }
}
