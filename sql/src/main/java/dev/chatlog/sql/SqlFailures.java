package dev.chatlog.sql;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientConnectionException;
import java.sql.SQLTransientException;

/**
 * chatlog's one reading of a database failure, for every module: whether the database cannot be reached, did not answer
 * in time, broke a lock (a deadlock or a lock wait: the transaction may be tried again), or refused the data itself
 * (retrying cannot help). Each looks through the failure's causes.
 */
public final class SqlFailures {
    private SqlFailures() {}

    /** The database cannot be reached: a connection refused, lost or not given by the pool (SQLState class 08). */
    public static boolean unreachable(Throwable failure) {
        for (Throwable t = failure; t != null; t = next(t)) {
            if (t instanceof SQLTransientConnectionException || t instanceof SQLNonTransientConnectionException || t instanceof ConnectException
                    || t instanceof SQLException s && s.getSQLState() != null && s.getSQLState().startsWith("08")) {
                return true;
            }
        }
        return false;
    }

    /** The database did not answer in time (a statement or network timeout). */
    public static boolean timedOut(Throwable failure) {
        for (Throwable t = failure; t != null; t = next(t)) {
            if (t instanceof SQLTimeoutException) return true;
        }
        return false;
    }

    /** The database broke a deadlock (1213) or a lock wait (1205): the whole transaction may be tried again. */
    public static boolean lockConflict(Throwable failure) {
        for (Throwable t = failure; t != null; t = next(t)) {
            if (t instanceof SQLException sql && (sql.getErrorCode() == 1213 || sql.getErrorCode() == 1205)) return true;
        }
        return false;
    }

    /**
     * Whether trying the same write again may succeed: not for data the database refuses (SQLState 22: a bad value,
     * 23: an integrity constraint) nor for a record that cannot be serialized; yes for anything else (an outage, a lock).
     */
    public static boolean retryable(Throwable failure) {
        for (Throwable t = failure; t != null; t = next(t)) {
            if (t instanceof JsonProcessingException) return false;
            if (t instanceof dev.chatlog.core.InvalidDefinitionException) return false; // a record refused for what it holds (a score without its target)
            if (t instanceof SQLTransientException || t instanceof SQLRecoverableException) return true;
            if (t instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("22") || sql.getSQLState().startsWith("23"))) {
                return false;
            }
        }
        return true;
    }

    /** One whole database transaction, which may throw a checked exception of its own. */
    @FunctionalInterface
    public interface Transaction<T, X extends Exception> {
        T run() throws X;
    }

    /** How many times a transaction broken by a lock conflict is run in all, and for how long at most. */
    static final int CONFLICT_ATTEMPTS = 30;
    static final long CONFLICT_BUDGET_MS = 10_000;

    /**
     * Runs {@code transaction} (one whole database transaction) again when the database broke it as a deadlock or a lock
     * wait (1213, 1205): on one server two writers of the same rows, on a Galera cluster also a certification conflict
     * (two nodes committed the same rows at once: the later one is refused at commit with 1213). Each retry waits a
     * random pause that doubles up to 200 ms, so writers on different nodes stop colliding; at most
     * {@value #CONFLICT_ATTEMPTS} runs within {@value #CONFLICT_BUDGET_MS} ms. Every chatlog transaction that writes
     * rows another instance may write too runs through this (each run on a new handle). Any other failure, or the last
     * conflict, is thrown.
     */
    public static <T, X extends Exception> T retryingLockConflicts(Transaction<T, X> transaction) throws X {
        long deadline = System.nanoTime() + CONFLICT_BUDGET_MS * 1_000_000;
        for (int attempt = 1; ; attempt++) {
            try {
                return transaction.run();
            } catch (RuntimeException e) {
                if (attempt >= CONFLICT_ATTEMPTS || System.nanoTime() > deadline || !lockConflict(e)) throw e;
                try {
                    Thread.sleep(java.util.concurrent.ThreadLocalRandom.current().nextLong(1, 1 + Math.min(200, 2L << Math.min(attempt, 7))));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private static Throwable next(Throwable t) {
        return t.getCause() == t ? null : t.getCause();
    }
}
