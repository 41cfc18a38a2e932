package dev.chatlog.server.chat;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import net.sf.jsqlparser.JSQLParserException;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.expression.UserVariable;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.Statements;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.util.TablesNamesFinder;

/**
 * The first of two locks on model-written SQL: the statement is parsed (JSqlParser) and runs only
 * if it is one read of the shop's tables. The second lock is the database itself: the shop is
 * queried as a user granted SELECT on the shop only, in a read-only transaction with a timeout.
 *
 * <p>Refused: anything but one {@code SELECT} (with {@code WITH} and {@code UNION} of selects);
 * every comment (MariaDB runs what is inside {@code /*! ... *}{@code /}, and line comments are where
 * parsers disagree); tables outside the shop's four (other schemas included); {@code INTO} (tables,
 * variables, files); locking clauses; user and system variables; and the functions that sleep, lock,
 * read files or tell about the server.
 */
final class SqlGuard {
    /** The shop's tables, the only ones a query may read (bare or as {@code chatlog_shop.<table>}). */
    static final Set<String> TABLES = Set.of("customers", "products", "orders", "order_items");
    /** Functions that wait, lock, read the server's files or describe the server and its session. */
    static final Set<String> DENIED_FUNCTIONS = Set.of("sleep", "benchmark", "load_file", "get_lock", "release_lock",
            "release_all_locks", "is_free_lock", "is_used_lock", "master_pos_wait", "master_gtid_wait", "source_pos_wait",
            "sys_exec", "sys_eval", "version", "user", "current_user", "session_user", "system_user", "database", "schema",
            "connection_id", "current_role", "last_insert_id", "row_count", "found_rows", "uuid_short", "sys_guid",
            "extractvalue", "updatexml", "json_schema_valid", "load_xml", "binlog_gtid_pos", "sequence_next_value");
    private static final Pattern LITERALS = Pattern.compile("'(?:[^'\\\\]|\\\\.|'')*'|\"(?:[^\"\\\\]|\\\\.|\"\")*\"");
    private static final Pattern COMMENT = Pattern.compile("/\\*|\\*/|--|#");
    private static final Pattern INTO = Pattern.compile("\\bINTO\\b", Pattern.CASE_INSENSITIVE);

    private SqlGuard() {}

    /** Why the statement is refused, or empty when it may run. */
    public static Optional<String> refusal(String sql) {
        if (sql == null || sql.isBlank()) return Optional.of("empty statement");
        String outsideLiterals = LITERALS.matcher(sql).replaceAll("''");
        if (COMMENT.matcher(outsideLiterals).find()) return Optional.of("comments are not allowed");
        if (INTO.matcher(outsideLiterals).find()) return Optional.of("INTO is not allowed in a read-only query");
        Statements parsed;
        try {
            parsed = CCJSqlParserUtil.parseStatements(sql);
        } catch (JSQLParserException | RuntimeException e) {
            return Optional.of("not a statement this sandbox can read (only one SELECT)");
        }
        List<Statement> statements = parsed == null ? List.of() : parsed;
        if (statements.size() != 1) return Optional.of(statements.isEmpty() ? "empty statement" : "more than one statement");
        if (!(statements.get(0) instanceof Select select)) return Optional.of("only SELECT statements may run");
        Inspector inspector = new Inspector();
        Set<String> tables;
        try {
            tables = inspector.getTables((Statement) select);
        } catch (RuntimeException e) {
            return Optional.of("not a statement this sandbox can read (" + e.getClass().getSimpleName() + ")");
        }
        if (inspector.refusal != null) return Optional.of(inspector.refusal);
        for (String t : tables) {
            String name = unquote(t).toLowerCase(Locale.ROOT);
            String[] parts = name.split("\\.");
            String table = parts[parts.length - 1];
            boolean schemaOk = parts.length == 1 || parts.length == 2 && parts[0].equals(ShopDatabase.SCHEMA);
            if (!schemaOk || !(TABLES.contains(table) || table.equals("dual"))) {
                return Optional.of("only the shop's tables may be read (" + String.join(", ", TABLES.stream().sorted().toList())
                        + "), not " + t);
            }
        }
        return Optional.empty();
    }

    private static String unquote(String name) {
        return name.replace("`", "").replace("\"", "");
    }

    /** Walks every part of the statement (the table finder visits them all) and notes the first thing refused. */
    private static final class Inspector extends TablesNamesFinder<Void> {
        String refusal;

        private void refuse(String why) {
            if (refusal == null) refusal = why;
        }

        @Override
        public <S> Void visit(PlainSelect select, S context) {
            if (select.getIntoTables() != null || select.getIntoTempTable() != null) refuse("INTO is not allowed in a read-only query");
            if (select.getForMode() != null || select.getForUpdateTable() != null || select.isSkipLocked()) {
                refuse("locking clauses (FOR UPDATE, LOCK IN SHARE MODE) are not allowed");
            }
            return super.visit(select, context);
        }

        @Override
        public <S> Void visit(Function function, S context) {
            String name = function.getName() == null ? "" : unquote(function.getName()).toLowerCase(Locale.ROOT);
            if (name.contains(".")) name = name.substring(name.lastIndexOf('.') + 1);
            if (DENIED_FUNCTIONS.contains(name)) refuse("the function " + name.toUpperCase(Locale.ROOT) + " is not allowed");
            return super.visit(function, context);
        }

        @Override
        public <S> Void visit(UserVariable variable, S context) {
            refuse("variables (@name, @@name) are not allowed");
            return super.visit(variable, context);
        }
    }
}
