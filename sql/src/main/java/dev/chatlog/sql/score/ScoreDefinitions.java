package dev.chatlog.sql.score;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatlog.core.score.ScoreDefinition;
import dev.chatlog.sql.Utc;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;

/** The score definitions ({@code chatbot_score_definitions}), shared by every instance on the database. */
public final class ScoreDefinitions {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Jdbi jdbi;
    private final Clock clock;

    public ScoreDefinitions(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    /** Stores {@code d}, replacing the definition of its name; true when it is new. */
    public boolean put(ScoreDefinition d) {
        return write(d, true);
    }

    /** Stores {@code d} only when no definition of its name exists (another's stays, whoever wrote first); true when stored. */
    public boolean putIfAbsent(ScoreDefinition d) {
        return write(d, false);
    }

    /** One statement, no lock taken first: two writers racing on an empty table neither deadlock nor overwrite. */
    private int insertIgnore(org.jdbi.v3.core.Handle h, ScoreDefinition d, String labels) {
        return h.createUpdate("INSERT IGNORE INTO chatbot_score_definitions (name, type, min_value, max_value, labels, description, updated_at) "
                        + "VALUES (:n, :t, :min, :max, :labels, :d, :at)")
                .bind("n", d.name()).bind("t", d.type().dbValue()).bind("min", d.min()).bind("max", d.max()).bind("labels", labels)
                .bind("d", d.description()).bind("at", Utc.time(clock.instant())).execute();
    }

    private boolean write(ScoreDefinition d, boolean replace) {
        String labels;
        try {
            labels = d.labels().isEmpty() ? null : JSON.writeValueAsString(d.labels());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        String l = labels;
        if (!replace) return jdbi.withHandle(h -> insertIgnore(h, d, l) == 1);
        return dev.chatlog.sql.SqlFailures.retryingLockConflicts(() -> jdbi.inTransaction(h -> {
            boolean existed = h.createQuery("SELECT COUNT(*) FROM chatbot_score_definitions WHERE name = :n FOR UPDATE")
                    .bind("n", d.name()).mapTo(Integer.class).one() > 0;
            h.createUpdate("""
                    INSERT INTO chatbot_score_definitions (name, type, min_value, max_value, labels, description, updated_at)
                    VALUES (:n, :t, :min, :max, :labels, :d, :at)
                    ON DUPLICATE KEY UPDATE type = VALUES(type), min_value = VALUES(min_value), max_value = VALUES(max_value),
                      labels = VALUES(labels), description = VALUES(description), updated_at = VALUES(updated_at)""")
                    .bind("n", d.name()).bind("t", d.type().dbValue()).bind("min", d.min()).bind("max", d.max()).bind("labels", l)
                    .bind("d", d.description()).bind("at", Utc.time(clock.instant())).execute();
            return !existed;
        }));
    }

    public Optional<ScoreDefinition> get(String name) {
        return jdbi.withHandle(h -> get(h, name));
    }

    /** The definition of {@code name} as {@code h} sees it. */
    static Optional<ScoreDefinition> get(org.jdbi.v3.core.Handle h, String name) {
        return h.createQuery("SELECT * FROM chatbot_score_definitions WHERE name = :n").bind("n", name).map(MAPPER).findOne();
    }

    public List<ScoreDefinition> list() {
        return jdbi.withHandle(ScoreDefinitions::list);
    }

    /** Every definition as {@code h} sees it, by name. */
    static List<ScoreDefinition> list(org.jdbi.v3.core.Handle h) {
        return h.createQuery("SELECT * FROM chatbot_score_definitions ORDER BY name").map(MAPPER).list();
    }

    /** Deletes the definition of {@code name} (its scores stay); false when there was none. */
    public boolean delete(String name) {
        return jdbi.withHandle(h -> h.createUpdate("DELETE FROM chatbot_score_definitions WHERE name = :n").bind("n", name).execute()) > 0;
    }

    private static final RowMapper<ScoreDefinition> MAPPER = (rs, ctx) -> {
        String labels = rs.getString("labels");
        List<String> l;
        try {
            l = labels == null ? List.of() : JSON.readValue(labels, new TypeReference<List<String>>() {});
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored labels of " + rs.getString("name") + " are not a JSON list", e);
        }
        return new ScoreDefinition(rs.getString("name"), ScoreDefinition.Type.fromDb(rs.getString("type")), rs.getBigDecimal("min_value"),
                rs.getBigDecimal("max_value"), l, rs.getString("description"));
    };
}
