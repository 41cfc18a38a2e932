package dev.chatlog.quality;

import dev.chatlog.core.score.Score;
import dev.chatlog.sql.score.ScoreRows;
import java.time.Clock;
import org.jdbi.v3.core.Jdbi;

/**
 * Scores given synchronously (an HTTP route, a reviewer's tool): each stored at once by {@link ScoreRows}, in its own
 * transaction, its target checked to be in the log. An application scores through its logger instead
 * ({@code ChatLogger.score}): queued and spooled like calls, written in their batches.
 */
public final class Scores {
    private final Jdbi jdbi;
    private final Clock clock;

    public Scores(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    /**
     * Stores {@code s}, replacing the score of its identity.
     *
     * @throws dev.chatlog.core.InvalidDefinitionException naming the field when its value does not fit its definition
     * @throws ScoreRows.UnknownTarget when its target is not stored
     */
    public ScoreRows.Stored record(Score s) {
        // a deadlock with a logger's batch (or another instance) scoring the same rows: the whole transaction again
        return dev.chatlog.sql.SqlFailures.retryingLockConflicts(() -> jdbi.inTransaction(h -> ScoreRows.upsert(h, s, clock.instant())));
    }
}
