package dev.chatlog.server.chat;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Random;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo shop's tables and data: created and seeded once with deterministic, realistic data whose history ends
 * today (500 orders over the last ~9 months, the newest pending, products with stock, some of it low), and kept
 * current: {@link #keepCurrent} moves every date forward by the time since the newest order, so a shop seeded last
 * month, or a server running for days, still has recent orders. A shop seeded by an older version is seeded again.
 */
final class ShopSeed {
    private static final Logger log = LoggerFactory.getLogger(ShopSeed.class);
    /** The seed's shape; a shop of another version (or none) is dropped and seeded again. 2: stock, dates up to today. */
    static final int VERSION = 2;
    /** How far behind now the newest order may fall before the dates are moved. */
    static final Duration MAX_LAG = Duration.ofHours(12);

    private ShopSeed() {}

    static void createAndSeed(DataSource owner, DataSource locks, LocalDateTime now) throws SQLException {
        String schema = ShopDatabase.SCHEMA;
        try (var lock = lock(locks); Connection c = owner.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS " + schema + ".shop_meta (k VARCHAR(40) PRIMARY KEY, v VARCHAR(100) NOT NULL)");
            String version = null;
            try (ResultSet rs = s.executeQuery("SELECT v FROM " + schema + ".shop_meta WHERE k = 'seed_version'")) {
                if (rs.next()) version = rs.getString(1);
            }
            if (String.valueOf(VERSION).equals(version)) {
                return;
            }
            for (String t : new String[] {"order_items", "orders", "products", "customers"}) {
                s.execute("DROP TABLE IF EXISTS " + schema + "." + t);
            }
            s.execute("CREATE TABLE " + schema + ".customers (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL, "
                    + "email VARCHAR(150) NOT NULL, city VARCHAR(80) NOT NULL, country VARCHAR(80) NOT NULL, created_at DATETIME NOT NULL)");
            s.execute("CREATE TABLE " + schema + ".products (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL, "
                    + "category VARCHAR(50) NOT NULL, price DECIMAL(10,2) NOT NULL, stock INT NOT NULL)");
            s.execute("CREATE TABLE " + schema + ".orders (id INT PRIMARY KEY, customer_id INT NOT NULL, "
                    + "status VARCHAR(20) NOT NULL, ordered_at DATETIME NOT NULL, total DECIMAL(10,2) NOT NULL, "
                    + "KEY idx_orders_customer (customer_id), KEY idx_orders_time (ordered_at))");
            s.execute("CREATE TABLE " + schema + ".order_items (order_id INT NOT NULL, product_id INT NOT NULL, "
                    + "quantity INT NOT NULL, unit_price DECIMAL(10,2) NOT NULL, PRIMARY KEY (order_id, product_id))");
            c.setAutoCommit(false);
            seed(c, now);
            s.execute("REPLACE INTO " + schema + ".shop_meta VALUES ('seed_version', '" + VERSION + "')");
            c.commit();
        }
    }

    /**
     * Moves every order and sign-up date forward by whole hours so the newest order is within {@link #MAX_LAG} of
     * {@code now}; returns the hours moved (0: already current).
     */
    static long keepCurrent(DataSource owner, DataSource locks, LocalDateTime now) throws SQLException {
        String schema = ShopDatabase.SCHEMA;
        try (var lock = lock(locks); Connection c = owner.getConnection(); Statement s = c.createStatement()) {
            LocalDateTime newest;
            try (ResultSet rs = s.executeQuery("SELECT MAX(ordered_at) FROM " + schema + ".orders")) {
                if (!rs.next() || rs.getObject(1) == null) return 0;
                newest = rs.getObject(1, LocalDateTime.class);
            }
            long hours = Duration.between(newest, now).toHours() - 2; // the newest stays a couple of hours old (never in the future)
            if (Duration.between(newest, now).compareTo(MAX_LAG) <= 0 || hours <= 0) return 0;
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            s.executeUpdate("UPDATE " + schema + ".orders SET ordered_at = ordered_at + INTERVAL " + hours + " HOUR");
            s.executeUpdate("UPDATE " + schema + ".customers SET created_at = created_at + INTERVAL " + hours + " HOUR");
            c.commit();
            c.setAutoCommit(auto);
            log.info("demo shop dates moved forward {} h: the newest order is recent again", hours);
            return hours;
        }
    }

    /**
     * The seed's lock: several servers on one database (a cluster of chatlog instances, on one server or on the nodes of
     * a Galera cluster) seed and move the shop one at a time, each reading what the one before did. Taken in chatlog's
     * own database ({@code locks}), not in the shop's, which the model's SQL reads.
     */
    private static dev.chatlog.sql.cluster.ClusterLock lock(DataSource locks) {
        return dev.chatlog.sql.cluster.ClusterLock.acquire(locks, "shop_seed", Duration.ofSeconds(60), Duration.ofSeconds(30));
    }

    static LocalDateTime utcNow() {
        return LocalDateTime.now(ZoneOffset.UTC);
    }

    private static final String[] FIRST = {"Alice", "Bruno", "Chloé", "Daniel", "Emma", "Farid", "Grace", "Hugo", "Ines",
            "Jonas", "Kenji", "Lena", "Marco", "Nadia", "Oscar", "Priya", "Quentin", "Rosa", "Sven", "Tara"};
    private static final String[] LAST = {"Martin", "Schmidt", "Rossi", "García", "Dubois", "Novak", "Okafor", "Tanaka",
            "Silva", "Jensen", "Kowalski", "Haddad", "Müller", "Lopez", "Berg"};
    private static final String[][] CITIES = {{"Paris", "France"}, {"Berlin", "Germany"}, {"Milan", "Italy"},
            {"Madrid", "Spain"}, {"Lyon", "France"}, {"Munich", "Germany"}, {"Lisbon", "Portugal"}, {"Vienna", "Austria"},
            {"Zurich", "Switzerland"}, {"Amsterdam", "Netherlands"}};
    private static final Object[][] PRODUCTS = {
            {"Espresso Machine", "kitchen", "249.00"}, {"Coffee Grinder", "kitchen", "89.90"}, {"French Press", "kitchen", "29.50"},
            {"Chef Knife", "kitchen", "74.00"}, {"Cast Iron Pan", "kitchen", "54.90"}, {"Trail Running Shoes", "sports", "129.00"},
            {"Yoga Mat", "sports", "35.00"}, {"Cycling Helmet", "sports", "79.00"}, {"Water Bottle", "sports", "18.50"},
            {"Wireless Earbuds", "electronics", "149.00"}, {"USB-C Charger", "electronics", "39.00"},
            {"Mechanical Keyboard", "electronics", "119.00"}, {"27-inch Monitor", "electronics", "289.00"},
            {"Noise-Cancelling Headphones", "electronics", "259.00"}, {"Desk Lamp", "home", "45.00"},
            {"Linen Bedding Set", "home", "139.00"}, {"Wool Throw", "home", "69.00"}, {"Scented Candle", "home", "22.00"},
            {"Hardcover Notebook", "office", "14.90"}, {"Fountain Pen", "office", "59.00"}, {"Standing Desk", "office", "499.00"},
            {"Office Chair", "office", "329.00"}, {"Backpack", "travel", "95.00"}, {"Carry-on Suitcase", "travel", "219.00"}};
    private static final String[] STATUS = {"delivered", "delivered", "delivered", "shipped", "shipped", "pending", "cancelled"};

    private static void seed(Connection c, LocalDateTime now) throws SQLException {
        Random r = new Random(42);
        // 500 orders about 13 hours apart, the last few hours ago: the shop's history ends today, whenever it is seeded
        LocalDateTime base = now.truncatedTo(java.time.temporal.ChronoUnit.HOURS).minusHours(500L * 13 + 14);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + ShopDatabase.SCHEMA + ".customers VALUES (?, ?, ?, ?, ?, ?)")) {
            for (int id = 1; id <= 60; id++) {
                String first = FIRST[r.nextInt(FIRST.length)];
                String last = LAST[r.nextInt(LAST.length)];
                String[] city = CITIES[r.nextInt(CITIES.length)];
                ps.setInt(1, id);
                ps.setString(2, first + " " + last);
                ps.setString(3, (first + "." + last + id).toLowerCase(java.util.Locale.ROOT)
                        .replaceAll("[^a-z0-9.]", "") + "@example.com");
                ps.setString(4, city[0]);
                ps.setString(5, city[1]);
                ps.setObject(6, base.minusDays(30).plusDays(r.nextInt(200)));
                ps.addBatch();
            }
            ps.executeBatch();
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + ShopDatabase.SCHEMA + ".products VALUES (?, ?, ?, ?, ?)")) {
            Random stock = new Random(7);
            for (int i = 0; i < PRODUCTS.length; i++) {
                ps.setInt(5, i % 5 == 2 ? stock.nextInt(8) : 10 + stock.nextInt(90)); // every fifth product runs low
                ps.setInt(1, i + 1);
                ps.setString(2, (String) PRODUCTS[i][0]);
                ps.setString(3, (String) PRODUCTS[i][1]);
                ps.setBigDecimal(4, new BigDecimal((String) PRODUCTS[i][2]));
                ps.addBatch();
            }
            ps.executeBatch();
        }
        try (PreparedStatement o = c.prepareStatement("INSERT INTO " + ShopDatabase.SCHEMA + ".orders VALUES (?, ?, ?, ?, ?)");
             PreparedStatement it = c.prepareStatement("INSERT INTO " + ShopDatabase.SCHEMA + ".order_items VALUES (?, ?, ?, ?)")) {
            for (int id = 1; id <= 500; id++) {
                int items = 1 + r.nextInt(4);
                BigDecimal total = BigDecimal.ZERO;
                java.util.Set<Integer> chosen = new java.util.HashSet<>();
                for (int k = 0; k < items; k++) {
                    int p = 1 + r.nextInt(PRODUCTS.length);
                    if (!chosen.add(p)) continue;
                    int q = 1 + r.nextInt(3);
                    BigDecimal price = new BigDecimal((String) PRODUCTS[p - 1][2]);
                    total = total.add(price.multiply(BigDecimal.valueOf(q)));
                    it.setInt(1, id);
                    it.setInt(2, p);
                    it.setInt(3, q);
                    it.setBigDecimal(4, price);
                    it.addBatch();
                }
                o.setInt(1, id);
                o.setInt(2, 1 + r.nextInt(60));
                o.setString(3, id > 470 ? (r.nextBoolean() ? "pending" : "shipped") : STATUS[r.nextInt(STATUS.length)]);
                o.setObject(4, base.plusHours(id * 13L + r.nextInt(12)));
                o.setBigDecimal(5, total.setScale(2, RoundingMode.HALF_UP));
                o.addBatch();
            }
            o.executeBatch();
            it.executeBatch();
        }
        log.info("seeded the demo shop: 60 customers, {} products, 500 orders up to {}", PRODUCTS.length, now.toLocalDate());
    }

}
