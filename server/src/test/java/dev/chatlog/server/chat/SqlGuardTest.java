package dev.chatlog.server.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The sandbox's verdicts, without a database: hostile statements refused, the queries a shop assistant writes allowed. */
class SqlGuardTest {
    @ParameterizedTest
    @ValueSource(strings = {
            // executable and optimizer comments: MariaDB runs what is inside
            "SELECT /*!SLEEP(10)*/ AS s", "SELECT 1 /*!50000 , SLEEP(5) */", "/*!CREATE OR REPLACE TABLE chatlog_shop.orders AS*/ SELECT 1",
            "SELECT /*+ MAX_EXECUTION_TIME(1) */ * FROM orders", "SELECT * FROM orders -- comment", "SELECT * FROM orders # comment",
            "SELECT * FROM orders /* plain */", "SELECT 1 --\n, SLEEP(3)",
            // not one SELECT
            "DROP TABLE orders", "DELETE FROM orders", "UPDATE orders SET total = 0", "INSERT INTO products VALUES (99, 'x', 'y', 1)",
            "TRUNCATE order_items", "CREATE TABLE evil (id INT)", "ALTER TABLE orders ADD x INT", "RENAME TABLE orders TO o2",
            "GRANT ALL ON *.* TO 'x'@'%'", "SET @a = 1", "SET STATEMENT max_statement_time=1 FOR SELECT * FROM orders",
            "DO SLEEP(5)", "CALL p()", "HANDLER orders OPEN", "LOAD DATA INFILE '/etc/passwd' INTO TABLE orders",
            "LOCK TABLES orders WRITE", "UNLOCK TABLES", "KILL 1", "SHUTDOWN", "SHOW DATABASES", "SHOW GRANTS",
            "EXPLAIN SELECT * FROM orders", "DESCRIBE orders", "USE mysql", "SELECT 1; DROP TABLE customers",
            "SELECT 1; SELECT 2", "BEGIN", "COMMIT", "PREPARE s FROM 'SELECT 1'", "EXECUTE s", "REPLACE INTO orders VALUES (1)",
            "", "   ", ";", "SELECT",
            // INTO, locking, variables
            "SELECT * FROM orders INTO OUTFILE '/tmp/chatlog-x'", "SELECT * FROM orders INTO DUMPFILE '/tmp/x'",
            "SELECT total INTO @v FROM orders LIMIT 1", "SELECT * INTO backup FROM orders", "SELECT * FROM orders FOR UPDATE",
            "SELECT * FROM orders LOCK IN SHARE MODE", "SELECT * FROM orders FOR UPDATE NOWAIT", "SELECT * FROM orders FOR SHARE",
            "SELECT @@datadir", "SELECT @@version", "SELECT @x := 1", "SELECT * FROM orders WHERE id = @id",
            // functions that wait, lock, read files or describe the server
            "SELECT SLEEP(30)", "SELECT BENCHMARK(10000000, MD5('x'))", "SELECT LOAD_FILE('/etc/passwd')",
            "SELECT GET_LOCK('a', 10)", "SELECT RELEASE_LOCK('a')", "SELECT IS_FREE_LOCK('a')", "SELECT MASTER_POS_WAIT('f', 4)",
            "SELECT VERSION()", "SELECT USER()", "SELECT CURRENT_USER()", "SELECT DATABASE()", "SELECT CONNECTION_ID()",
            "SELECT name FROM customers WHERE id = 1 AND SLEEP(5)", "SELECT (SELECT SLEEP(1)) AS s",
            "SELECT * FROM orders WHERE total > (SELECT BENCHMARK(1000, 1))", "SELECT EXTRACTVALUE(1, CONCAT(0x7e, VERSION()))",
            "SELECT sleep (3)", "SELECT `SLEEP`(3)",
            // other schemas and tables
            "SELECT * FROM chatlog.chatbot_llm_calls", "SELECT * FROM chatbot_llm_calls", "SELECT * FROM mysql.user",
            "SELECT * FROM information_schema.tables", "SELECT * FROM performance_schema.threads", "SELECT * FROM seq_1_to_20",
            "SELECT * FROM orders o JOIN chatlog.chatbot_conversation_messages m ON 1 = 1",
            "SELECT * FROM orders WHERE id IN (SELECT id FROM mysql.user)", "SELECT * FROM orders UNION SELECT * FROM chatlog.chatbot_llm_calls",
            "WITH x AS (SELECT * FROM mysql.user) SELECT * FROM x", "SELECT * FROM `chatlog`.`chatbot_llm_calls`",
            "SELECT * FROM other_shop.orders"})
    void should_refuse_a_hostile_statement_before_it_reaches_the_database(String sql) {
        Optional<String> why = SqlGuard.refusal(sql);
        assertTrue(why.isPresent(), "allowed: " + sql);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "SELECT o.id, c.name AS customer, o.status, o.total, o.ordered_at FROM orders o JOIN customers c ON c.id = o.customer_id"
                    + " WHERE o.status = 'pending' ORDER BY o.ordered_at DESC LIMIT 5",
            "SELECT DATE_FORMAT(ordered_at, '%Y-%m') AS month, COUNT(*) AS orders, SUM(total) AS revenue FROM orders"
                    + " WHERE status <> 'cancelled' GROUP BY month ORDER BY month DESC LIMIT 6",
            "SELECT p.name, p.category, p.price, COALESCE(SUM(oi.quantity), 0) AS units_sold FROM products p"
                    + " LEFT JOIN order_items oi ON oi.product_id = p.id GROUP BY p.id, p.name, p.category, p.price ORDER BY units_sold DESC LIMIT 5",
            "SELECT COUNT(*) FROM customers;", "select * from chatlog_shop.orders", "SELECT * FROM `orders` WHERE status = 'shipped'",
            "WITH big AS (SELECT customer_id, SUM(total) AS spent FROM orders GROUP BY customer_id) SELECT c.name, b.spent"
                    + " FROM big b JOIN customers c ON c.id = b.customer_id ORDER BY b.spent DESC LIMIT 3",
            "SELECT name FROM customers UNION SELECT name FROM products", "SELECT 1", "SELECT CAST(-1 AS UNSIGNED) AS u",
            "SELECT * FROM orders WHERE note = 'it''s -- not a comment # nor this /* */'",
            "SELECT name FROM customers WHERE city IN (SELECT city FROM customers GROUP BY city HAVING COUNT(*) > 1)",
            "SELECT ROUND(AVG(total), 2) AS avg_order FROM orders WHERE ordered_at >= NOW() - INTERVAL 30 DAY"})
    void should_allow_the_reads_a_shop_assistant_writes(String sql) {
        assertEquals(Optional.empty(), SqlGuard.refusal(sql), sql);
    }
}
