package dev.chatlog.sql;

import java.sql.Types;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.argument.AbstractArgumentFactory;
import org.jdbi.v3.core.argument.Argument;
import org.jdbi.v3.core.config.ConfigRegistry;

/**
 * Times bound with their fraction, whatever the driver believes of the server. MySQL's Connector/J
 * reads MariaDB 10.x's version string ({@code 5.5.5-10.11...}) as MySQL 5.5, which had no fractional
 * seconds, and drops the milliseconds of every {@code LocalDateTime} it binds; bound as the text
 * {@code 2026-12-05 10:11:12.345000}, the server parses the fraction itself (MySQL, MariaDB 10 and 11,
 * either driver). Comparisons with a {@code DATETIME} column convert the text to a time and keep using
 * the column's index.
 */
final class PreciseTimes extends AbstractArgumentFactory<LocalDateTime> {
    private static final DateTimeFormatter TEXT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");

    private PreciseTimes() {
        super(Types.VARCHAR);
    }

    static Jdbi install(Jdbi jdbi) {
        return jdbi.registerArgument(new PreciseTimes());
    }

    @Override
    protected Argument build(LocalDateTime value, ConfigRegistry config) {
        String text = TEXT.format(value);
        return (position, statement, ctx) -> statement.setString(position, text);
    }
}
