package dev.chatlog.sql.query;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Result rows as the read side hands them out: times as ISO-8601 UTC strings, decimals without
 * trailing zeros (whole ones as longs: sums of integers come back as DECIMAL), BIT columns as
 * booleans. The one place a column value is normalised, for routes and export alike.
 */
public final class Rows {
    private Rows() {}

    /** A row as an ordered map, keyed by column label. */
    public static Map<String, Object> row(ResultSet rs) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 1; i <= md.getColumnCount(); i++) m.put(md.getColumnLabel(i), value(rs, i, md.getColumnType(i)));
        return m;
    }

    /** Column {@code i} (of SQL type {@code type}) normalised. */
    public static Object value(ResultSet rs, int i, int type) throws SQLException {
        Object v = rs.getObject(i);
        if (v == null) return null;
        if (v instanceof LocalDateTime t) return iso(t);
        if (v instanceof Timestamp ts) return iso(ts.toLocalDateTime());
        if (v instanceof BigDecimal d) {
            BigDecimal plain = d.stripTrailingZeros();
            return plain.scale() > 0 ? plain : plain.precision() - plain.scale() < 19 ? (Object) plain.longValueExact() : plain.toBigIntegerExact();
        }
        if (v instanceof BigInteger b) return b.bitLength() < 64 ? (Object) b.longValue() : b; // BIGINT UNSIGNED past long: exact
        if (v instanceof Boolean || type == Types.BIT || type == Types.BOOLEAN) {
            return v instanceof Boolean b ? b : ((Number) v).intValue() != 0;
        }
        return v;
    }

    public static String iso(LocalDateTime t) {
        return t == null ? null : t.toInstant(ZoneOffset.UTC).toString();
    }

    /** An exact amount as shown: zero as 0, otherwise without trailing zeros. */
    public static BigDecimal plain(BigDecimal b) {
        return b.signum() == 0 ? BigDecimal.ZERO : b.stripTrailingZeros();
    }
}
