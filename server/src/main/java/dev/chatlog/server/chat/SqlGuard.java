package dev.chatlog.server.chat;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The first of two locks on model-written SQL: a statement that is not a single read-only query is
 * refused before it reaches the database. The second lock is the database itself: the shop is
 * queried as a user granted SELECT only, so a statement that slips past this check still cannot
 * change anything.
 */
public final class SqlGuard {
    private static final Pattern LITERALS = Pattern.compile("'(?:[^'\\\\]|\\\\.|'')*'|\"(?:[^\"\\\\]|\\\\.)*\"");
    private static final Pattern COMMENTS = Pattern.compile("/\\*.*?\\*/|--[^\\n]*|#[^\\n]*", Pattern.DOTALL);
    private static final Pattern FORBIDDEN = Pattern.compile(
            "\\b(INSERT|UPDATE|DELETE|REPLACE|DROP|ALTER|CREATE|TRUNCATE|RENAME|GRANT|REVOKE|CALL|DO|HANDLER|LOAD|LOCK|UNLOCK|SET|KILL|SHUTDOWN)\\b"
                    + "|\\bINTO\\s+(OUTFILE|DUMPFILE)\\b|\\bINTO\\s+@|\\b(SLEEP|BENCHMARK|GET_LOCK|LOAD_FILE|RELEASE_LOCK)\\s*\\("
                    + "|\\bFOR\\s+UPDATE\\b|\\bLOCK\\s+IN\\s+SHARE\\s+MODE\\b",
            Pattern.CASE_INSENSITIVE);

    private SqlGuard() {}

    /** Why the statement is refused, or empty when it may run. */
    public static Optional<String> refusal(String sql) {
        if (sql == null || sql.isBlank()) {
            return Optional.of("empty statement");
        }
        String s = COMMENTS.matcher(LITERALS.matcher(sql).replaceAll("''")).replaceAll(" ").trim();
        if (s.endsWith(";")) {
            s = s.substring(0, s.length() - 1).trim();
        }
        if (s.contains(";")) {
            return Optional.of("more than one statement");
        }
        String upper = s.toUpperCase(java.util.Locale.ROOT);
        if (!upper.startsWith("SELECT") && !upper.startsWith("WITH") && !upper.startsWith("(")) {
            return Optional.of("only SELECT statements may run");
        }
        var m = FORBIDDEN.matcher(s);
        if (m.find()) {
            return Optional.of("forbidden in a read-only query: " + m.group().trim().toUpperCase(java.util.Locale.ROOT));
        }
        return Optional.empty();
    }
}
