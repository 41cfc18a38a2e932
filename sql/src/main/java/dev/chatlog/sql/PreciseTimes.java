package dev.chatlog.sql;

import java.sql.Types;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.argument.AbstractArgumentFactory;
import org.jdbi.v3.core.argument.Argument;
import org.jdbi.v3.core.config.ConfigRegistry;

/**
 * chatlog's one mapping of times to its {@code DATETIME(3)} columns, a Jdbi plug-in every {@link Database} installs:
 * an {@link Instant} is bound as its UTC wall-clock time, a {@link LocalDateTime} as it is, both as text with their
 * fraction, and an {@code Instant} is read back as UTC. Text because MySQL's Connector/J reads MariaDB 10.x's version
 * string ({@code 5.5.5-10.11...}) as MySQL 5.5, which had no fractional seconds, and drops the milliseconds of every
 * time it binds; bound as {@code 2026-12-05 10:11:12.345000}, the server parses the fraction itself (MySQL, MariaDB
 * 10 and 11, either driver). Comparisons with a {@code DATETIME} column convert the text to a time and keep using the
 * column's index. Code reading a raw {@code ResultSet} uses {@link Utc#instant}.
 */
final class PreciseTimes {
    private static final DateTimeFormatter TEXT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");

    private PreciseTimes() {}

    static Jdbi install(Jdbi jdbi) {
        return jdbi.registerArgument(new LocalTimes()).registerArgument(new Instants())
                .registerColumnMapper(Instant.class, (rs, column, ctx) -> Utc.instant(rs.getObject(column, LocalDateTime.class)));
    }

    private static Argument text(LocalDateTime value) {
        String text = TEXT.format(value);
        return (position, statement, ctx) -> statement.setString(position, text);
    }

    private static final class LocalTimes extends AbstractArgumentFactory<LocalDateTime> {
        LocalTimes() {
            super(Types.VARCHAR);
        }

        @Override
        protected Argument build(LocalDateTime value, ConfigRegistry config) {
            return text(value);
        }
    }

    private static final class Instants extends AbstractArgumentFactory<Instant> {
        Instants() {
            super(Types.VARCHAR);
        }

        @Override
        protected Argument build(Instant value, ConfigRegistry config) {
            return text(LocalDateTime.ofInstant(value, ZoneOffset.UTC));
        }
    }
}
