package dev.chatlog.sql.query;

import dev.chatlog.sql.rollup.Dimension;
import dev.chatlog.sql.rollup.RawSql;
import dev.chatlog.sql.rollup.Sums;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * The rollup figures computed by the database from the window's call rows, grouped as the rollups
 * group them: answers anything, at the cost of reading the calls. Without filters on call
 * attributes, the message figures come from the messages table itself; otherwise "messages" counts
 * the distinct messages of the matching calls.
 */
final class CallRowsSource implements Source {
    private static final String CALL_SUMS = """
            SELECT <key> AS k, <figures>
            FROM chatbot_llm_calls
            WHERE <window> <rows> <filter>
            GROUP BY k""";
    private static final String MESSAGE_SUMS = """
            SELECT <key> AS k, <figures>
            FROM chatbot_conversation_messages
            WHERE <window> <filter>
            GROUP BY k""";

    private final String name;
    private final boolean users;

    private CallRowsSource(String name, boolean users) {
        this.name = name;
        this.users = users;
    }

    /** Answers everything but intents (a message attribute). */
    static CallRowsSource any() {
        return new CallRowsSource("call rows", false);
    }

    /**
     * Answers figures by user or of one user that the per-user days do not (the calls are indexed by
     * user, and give the latency histograms the per-user table lacks).
     */
    static CallRowsSource users() {
        return new CallRowsSource("user call rows", true);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean answers(Window w, Filter f, Dimension group) {
        return users ? Source.rolledUp(f, group) == Dimension.USER : group != Dimension.INTENT;
    }

    @Override
    public Optional<Map<String, Sums>> read(Handle h, Window w, Filter f, Dimension group, Sums.Columns columns) {
        boolean tool = group.isTimed(); // tool executions or steps, their durations in the histogram, as their rollups
        String figures = tool ? group.timedColumnsSql()
                : "COUNT(DISTINCT IF(message_id <> '', CONCAT(conversation_id, '/', message_id), NULL)) AS messages, "
                        + RawSql.CALL_COLUMNS;
        Map<String, Sums> out = Sums.collect(f.bind(w.bind(h.createQuery(CALL_SUMS).define("key", group.callGroupSql())
                .define("figures", figures).define("window", w.where("started_at"))
                .define("rows", tool ? "AND " + group.timedRowsSql() : "").define("filter", f.where()))));
        String messageKey = group.messageGroupSql();
        if (!f.onCalls() && !tool && messageKey != null) {
            Filter m = f.forMessages();
            Map<String, Sums> messages = Sums.collect(m.bind(w.bind(h.createQuery(MESSAGE_SUMS).define("key", messageKey)
                    .define("figures", RawSql.MESSAGE_COLUMNS).define("window", w.where("`timestamp`")).define("filter", m.where()))));
            messages.forEach((k, s) -> out.computeIfAbsent(k, x -> new Sums()).withMessagesOf(s));
        }
        return Optional.of(out);
    }
}
