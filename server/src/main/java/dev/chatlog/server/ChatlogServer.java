package dev.chatlog.server;

import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.HealthReport;
import dev.chatlog.server.prices.PriceController;
import dev.chatlog.server.budgets.BudgetController;
import dev.chatlog.langchain4j.BudgetGuard;
import dev.chatlog.sql.budget.BudgetDefinitions;
import dev.chatlog.sql.budget.BudgetMonitor;
import dev.chatlog.sql.budget.BudgetReport;
import dev.chatlog.sql.budget.JdbcBudgetGate;
import dev.chatlog.core.Masker;
import dev.chatlog.core.metrics.ChatLogMeters;
import dev.chatlog.core.alert.AlertRule;
import dev.chatlog.server.alerts.AlertController;
import dev.chatlog.server.alerts.AlertSettings;
import dev.chatlog.server.stats.YesterdaySummary;
import dev.chatlog.sql.alert.AlertDispatcher;
import dev.chatlog.sql.alert.AlertEngine;
import dev.chatlog.sql.alert.AlertOutbox;
import dev.chatlog.sql.alert.AlertRules;
import dev.chatlog.sql.alert.AlertStates;
import dev.chatlog.server.web.AccessControl;
import dev.chatlog.server.web.HostCheck;
import dev.chatlog.server.web.JsonErrorHandler;
import dev.chatlog.sql.Retention;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import dev.chatlog.core.PriceCatalog;
import dev.chatlog.langchain4j.ChatLogListener;
import dev.chatlog.server.chat.ChatController;
import dev.chatlog.server.chat.DemoShopModel;
import dev.chatlog.server.chat.ShopChatbot;
import dev.chatlog.server.chat.ShopDatabase;
import dev.chatlog.server.dashboard.DashboardController;
import dev.chatlog.server.dashboard.DashboardPage;
import dev.chatlog.server.stats.StatsController;
import dev.chatlog.sql.export.Exporter;
import dev.chatlog.sql.report.Reports;
import dev.chatlog.server.web.ApiError;
import dev.chatlog.sql.Database;
import dev.chatlog.embedded.EmbeddedMariaDb;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole application wired together: database (embedded MariaDB unless {@code CHATLOG_DB_URL}),
 * logger, listener, model (OpenAI-compatible client with a key, the offline demo model without),
 * the demo shop, and the Javalin routes. Nothing else depends on this module.
 */
public final class ChatlogServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ChatlogServer.class);
    /** The demo model is priced like gpt-4o-mini, so the dashboard shows what such traffic would cost. */
    static final String DEMO_PRICE = DemoShopModel.NAME + "=0.15:0.60:0.075";

    private final ServerConfig config;
    private final EmbeddedMariaDb embedded;
    private final boolean ownsEmbedded;
    private final Database database;
    private final ChatLogger logger;
    private final ShopDatabase shop; // null when the demo chatbot is off
    private final String chatbotOff; // why it is off, as the chat route and the banner say it; null when on
    private final String modelName;
    private final Javalin app;
    private final ScheduledExecutorService housekeeping;
    private final JdbcBudgetGate budgets;
    private final AlertDispatcher dispatcher;
    private final io.micrometer.prometheusmetrics.PrometheusMeterRegistry prometheus;
    private final io.micrometer.registry.otlp.OtlpMeterRegistry otlp; // null unless OTEL_EXPORTER_OTLP_(METRICS_)ENDPOINT
    private final io.micrometer.core.instrument.composite.CompositeMeterRegistry meters;
    private final java.util.concurrent.atomic.AtomicBoolean databaseUp = new java.util.concurrent.atomic.AtomicBoolean(true);
    private final java.util.concurrent.ConcurrentHashMap<String, java.math.BigDecimal[]> budgetFigures = new java.util.concurrent.ConcurrentHashMap<>();
    private final AlertEngine alerts;
    private final int alertCount;

    private ChatlogServer(ServerConfig config, EmbeddedMariaDb shared, String schema) throws Exception {
        this.config = config;
        this.ownsEmbedded = shared == null && config.database() == null;
        this.embedded = shared != null ? shared : ownsEmbedded ? EmbeddedMariaDb.start(config.dataDir(), 0).closedByOwner() : null;
        this.database = Database.open(embedded != null
                ? new dev.chatlog.sql.DatabaseConfig(embedded.jdbcUrl(schema), embedded.user(), embedded.password())
                : config.database(), 10);
        PriceCatalog prices = PriceCatalog.bundled().withInlineOverrides(DEMO_PRICE).withEnvironment(config.env());
        ChatLogger.Builder lb = ChatLogger.builder(new JdbcChatLogStore(database.jdbi())).prices(prices)
                .maxTextLength(config.maxTextLength()).queueCapacity(config.queueCapacity())
                .batchSize(config.batchSize())
                .masker(config.masking() ? Masker.defaults(config.maskPatterns()) : Masker.NONE)
                .turnSummaries(config.alerts().turnSummary());
        if (config.spoolDir() != null) {
            lb.spool(config.spoolDir()).spoolMaxBytes(config.spoolMaxBytes()).fsyncEvery(config.fsyncEvery())
                    .fsyncInterval(Duration.ofMillis(config.fsyncIntervalMs()))
                    .checkpointLag(Duration.ofMillis(config.checkpointLagMs()));
        }
        this.logger = lb.build();
        this.prometheus = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
        this.meters = new io.micrometer.core.instrument.composite.CompositeMeterRegistry();
        meters.add(prometheus);
        dev.chatlog.server.metrics.OtlpSettings otlpSettings = dev.chatlog.server.metrics.OtlpSettings.from(config.env());
        this.otlp = otlpSettings == null ? null : dev.chatlog.server.metrics.OtlpSettings.registry(otlpSettings);
        if (otlp != null) meters.add(otlp);
        new ChatLogMeters(logger).bindTo(meters);
        io.micrometer.core.instrument.Gauge.builder("chatlog.database.up", databaseUp, b -> b.get() ? 1 : 0)
                .description("1 while the database answers (checked every 15 s and on /health)").register(meters);
        ChatLogListener listener = ChatLogListener.builder(logger).build();
        ShopDatabase shopDb = null;
        String off = null;
        if (config.chatbot() == ServerConfig.Chatbot.OFF) {
            off = "CHATLOG_CHATBOT=off";
        } else if (embedded != null) {
            shopDb = ShopDatabase.embedded(embedded, database.dataSource(), embedded.password() + "-shop");
        } else {
            try {
                shopDb = ShopDatabase.external(config.database(), database.dataSource(), config.shopDatabase());
            } catch (ShopDatabase.Unavailable e) {
                if (config.chatbot() == ServerConfig.Chatbot.ON) throw e;
                log.warn("{}. The demo chatbot is off (CHATLOG_CHATBOT=auto); the dashboard and the log routes run.", e.getMessage());
                off = "its demo shop could not be set up on this database (see the server log)";
            }
        }
        this.shop = shopDb;
        this.chatbotOff = off;
        if (shop != null) shop.queriesPerClient(config.shopQueriesPerClient());
        ChatModel model;
        if (config.usesOpenAi()) {
            var b = OpenAiChatModel.builder().apiKey(config.openAiApiKey()).modelName(config.model())
                    .timeout(Duration.ofSeconds(60)).maxRetries(2).listeners(List.of(listener));
            if (config.openAiBaseUrl() != null) b.baseUrl(config.openAiBaseUrl());
            model = b.build();
            modelName = config.model() + " via " + (config.openAiBaseUrl() == null ? "api.openai.com" : config.openAiBaseUrl());
        } else {
            model = new DemoShopModel(List.of(listener));
            modelName = DemoShopModel.NAME + " (offline demo model: set OPENAI_API_KEY for a real one)";
        }
        dev.chatlog.server.budgets.BudgetSettings budgetSettings = config.budgets();
        BudgetDefinitions budgetDefinitions = new BudgetDefinitions(database.jdbi());
        for (dev.chatlog.core.budget.Budget b : budgetSettings.budgets()) budgetDefinitions.put(b); // CHATLOG_BUDGETS: defined at start
        this.budgets = JdbcBudgetGate.builder(database.jdbi()).lease(Duration.ofSeconds(budgetSettings.leaseSeconds()))
                .failClosed(budgetSettings.failClosed()).build();
        model = BudgetGuard.builder(budgets, prices).defaultMaxTokens(budgetSettings.defaultMaxTokens())
                .clampToHeadroom(budgetSettings.clamp()).build().guard(model);
        Duration ackTimeout = Duration.ofMillis(config.ackTimeoutMs());
        ChatController chat = shop == null ? null : new ChatController(new ShopChatbot(model, shop, logger, database.jdbi()),
                config.durableAck() ? () -> logger.awaitDurable(ackTimeout) : null);
        Reports reports = new Reports(database.jdbi()); // one per process: one planner, one set of day caches
        DashboardController dashboard = new DashboardController(reports, java.time.Clock.systemUTC());
        StatsController stats = new StatsController(reports, new Exporter(database.jdbi()), java.time.Clock.systemUTC());
        AccessControl access = new AccessControl(config.apiToken(), config.corsOrigins());
        HostCheck hosts = new HostCheck(config.host(), config.apiToken() != null, config.allowedHosts());
        DashboardPage page = new DashboardPage();
        PriceController priceQuotes = new PriceController(prices, java.time.Clock.systemUTC(), database.jdbi(), config.apiToken() != null);
        BudgetReport budgetReport = new BudgetReport(database.jdbi());
        BudgetController budgetRoutes = new BudgetController(budgetDefinitions, budgetReport, budgets, java.time.Clock.systemUTC());
        this.housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "chatlog-housekeeping");
            t.setDaemon(true);
            return t;
        });
        AlertSettings alertSettings = config.alerts();
        this.dispatcher = AlertDispatcher.builder(database.jdbi(), alertSettings.channels()).lease(alertSettings.lease())
                .maxBackoff(Duration.ofSeconds(alertSettings.maxBackoffSeconds())).maxAge(Duration.ofHours(alertSettings.maxAgeHours())).build();
        AlertRules alertRules = new AlertRules(database.jdbi());
        if (alertSettings.defaults()) alertRules.putDefaults();
        for (AlertRule r : alertSettings.rules()) alertRules.put(r); // CHATLOG_ALERT_RULES: defined at start
        this.alertCount = alertRules.list().size();
        AlertEngine[] engine = new AlertEngine[1]; // made once the port is known (its links name it)
        Runnable evaluateSoon = () -> housekeeping.execute(() -> evaluateAlerts(engine[0]));
        AlertController alertRoutes = new AlertController(alertRules, new AlertStates(database.jdbi()), new AlertOutbox(database.jdbi()),
                dispatcher.channelNames(), evaluateSoon, java.time.Clock.systemUTC());
        this.app = Javalin.create(c -> {
            c.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler())); // Jetty's own errors as JSON too
            c.routes.before(hosts::check);
            c.routes.before(ctx -> refuseOversizedBody(ctx, config.maxBodyBytes()));
            c.routes.before(access::cors);
            c.routes.before("/logging-dashboard/*", access::authorize);
            c.routes.before("/metrics", access::authorize);
            c.startup.showJavalinBanner = false;
            c.http.maxRequestSize = config.maxBodyBytes();
            c.jetty.host = config.host();
            c.jetty.port = config.port();
            if (chat != null) {
                c.routes.post("/chat-chat/", chat::chat);
            } else {
                c.routes.post("/chat-chat/", ctx -> {
                    throw new ApiError(404, "the demo chatbot is off on this server (" + chatbotOff + "): it shows the dashboard "
                            + "of the applications that log into its database", null);
                });
            }
            c.routes.get("/logging-dashboard/overview", dashboard::overview);
            c.routes.get("/logging-dashboard/conversations", dashboard::conversations);
            c.routes.get("/logging-dashboard/conversation/{conversation_id}/detailed", dashboard::conversation);
            c.routes.get("/logging-dashboard/llm-calls/analysis", dashboard::llmCalls);
            c.routes.get("/logging-dashboard/sql-queries/analysis", dashboard::sqlQueries);
            c.routes.get("/logging-dashboard/stats/daily", stats::daily);
            c.routes.get("/logging-dashboard/stats/range", stats::range);
            c.routes.get("/logging-dashboard/stats/cost", stats::cost);
            c.routes.get("/logging-dashboard/stats/latency", stats::latency);
            c.routes.get("/logging-dashboard/stats/realtime", stats::realtime);
            c.routes.get("/logging-dashboard/export/llm-calls", stats::exportCalls);
            c.routes.get("/logging-dashboard/export/messages", stats::exportMessages);
            c.routes.get("/logging-dashboard/prices", priceQuotes::quote);
            c.routes.post("/logging-dashboard/prices/reprice", priceQuotes::reprice);
            c.routes.get("/logging-dashboard/budgets", budgetRoutes::list);
            c.routes.get("/logging-dashboard/budgets/{name}", budgetRoutes::one);
            c.routes.put("/logging-dashboard/budgets/{name}", budgetRoutes::put);
            c.routes.delete("/logging-dashboard/budgets/{name}", budgetRoutes::delete);
            c.routes.get("/logging-dashboard/budget-events", budgetRoutes::events);
            c.routes.get("/logging-dashboard/alerts", alertRoutes::overview);
            c.routes.get("/logging-dashboard/alerts/notifications", alertRoutes::notifications);
            c.routes.get("/logging-dashboard/alerts/rules", alertRoutes::list);
            c.routes.get("/logging-dashboard/alerts/rules/{name}", alertRoutes::one);
            c.routes.put("/logging-dashboard/alerts/rules/{name}", alertRoutes::put);
            c.routes.delete("/logging-dashboard/alerts/rules/{name}", alertRoutes::delete);
            c.routes.get("/health", this::health);
            c.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(prometheus.scrape()));
            c.routes.get("/dashboard", page::page);
            c.routes.get("/dashboard/", page::page);
            c.routes.get("/dashboard/assets/{name}", page::asset);
            c.routes.exception(ApiError.class, (e, ctx) -> error(ctx, e.status(), e.getMessage(), e.field()));
            c.routes.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(), e.getMessage(), null));
            c.routes.exception(Exception.class, (e, ctx) -> {
                if (unreadableRequest(e)) { // a malformed chunked body, a client gone mid-body: its fault, one line
                    log.warn("unreadable request body on {} {}: {}", ctx.method(), ctx.path(), e.toString());
                    error(ctx, 400, "the request body could not be read (malformed or cut short)", null);
                    return;
                }
                var unavailable = ApiError.unavailable(e);
                if (unavailable.isPresent()) {
                    log.warn("database unavailable on {} {}: {}", ctx.method(), ctx.path(), e.toString());
                    error(ctx, 503, unavailable.get().getMessage(), null);
                    return;
                }
                log.error("unexpected error on {} {}", ctx.method(), ctx.path(), e);
                error(ctx, 500, "internal error (see the server log)", null);
            });
            c.routes.error(404, "*", ctx -> {
                if (ctx.result() == null) error(ctx, 404, "no route " + ctx.method() + " " + ctx.path(), null);
            });
            c.routes.error(405, "*", ctx -> error(ctx, 405, "method " + ctx.method() + " not allowed on " + ctx.path(), null));
        });
        app.start();
        String instance = alertSettings.instance() != null ? alertSettings.instance() : hostName() + ":" + port();
        this.alerts = AlertEngine.builder(database.jdbi()).channels(dispatcher.channelNames())
                .budgets(() -> budgetReport.current(budgets.budgets(), java.time.Instant.now()))
                .logger(logger::stats, instance).dashboardUrl(alertSettings.publicUrl() != null ? alertSettings.publicUrl() : baseUrl())
                .onWritten(dispatcher::wake).build();
        engine[0] = alerts;
        dispatcher.start(Duration.ofSeconds(1));
        housekeeping.scheduleWithFixedDelay(() -> evaluateAlerts(alerts), alertSettings.checkSeconds(), alertSettings.checkSeconds(),
                TimeUnit.SECONDS);
        if (alertSettings.dailySummary()) {
            housekeeping.execute(() -> {
                try {
                    log.info(YesterdaySummary.line(reports, java.time.Clock.systemUTC()));
                } catch (RuntimeException e) {
                    log.warn("yesterday's summary could not be read: {}", e.toString());
                }
            });
        }
        housekeeping.scheduleWithFixedDelay(() -> refreshGauges(budgetReport), 0, 15, TimeUnit.SECONDS);
        Retention minuteRows = new Retention(database.jdbi());
        housekeeping.scheduleWithFixedDelay(() -> {
            try {
                minuteRows.purgeMinuteRollups(java.time.Instant.now());
            } catch (RuntimeException e) {
                log.warn("minute rollup purge failed: {}", e.toString());
            }
        }, 5, 60, TimeUnit.MINUTES);
        BudgetMonitor monitor = new BudgetMonitor(database.jdbi(), budgetSettings.spikeMinCalls());
        housekeeping.scheduleWithFixedDelay(() -> {
            try {
                for (BudgetMonitor.Recorded e : monitor.evaluate(budgets.budgets(), java.time.Instant.now())) {
                    log.warn("budget '{}': {}{} (spent ${})", e.budget(), e.kind(),
                            e.threshold().signum() > 0 && e.threshold().compareTo(java.math.BigDecimal.ONE) < 0
                                    ? " at " + e.threshold().movePointRight(2).stripTrailingZeros().toPlainString() + "%" : "",
                            e.spent().stripTrailingZeros().toPlainString());
                }
            } catch (RuntimeException e) {
                log.warn("budget evaluation failed: {}", e.toString());
            }
        }, budgetSettings.checkSeconds(), budgetSettings.checkSeconds(), TimeUnit.SECONDS);
        if (config.retentionDays() > 0) {
            Retention retention = new Retention(database.jdbi());
            housekeeping.scheduleWithFixedDelay(() -> {
                try {
                    retention.purge(java.time.Instant.now(), config.retentionDays(), config.contentRetentionDays());
                } catch (RuntimeException e) {
                    log.warn("retention run failed: {}", e.toString());
                }
            }, 1, 60, TimeUnit.MINUTES);
        }
    }

    /** The database-up gauge, and each budget's limit / spent / remaining gauges (a budget's meters appear with it). */
    private void refreshGauges(BudgetReport report) {
        try {
            databaseUp.set(database.jdbi().withHandle(h -> h.createQuery("SELECT 1").mapTo(Integer.class).one()) == 1);
        } catch (RuntimeException e) {
            databaseUp.set(false);
            return;
        }
        try {
            java.util.Set<String> defined = new java.util.HashSet<>();
            for (var s : report.current(budgets.budgets(), java.time.Instant.now())) {
                defined.add(s.budget().name());
                java.math.BigDecimal[] f = {s.budget().limitUsd(), s.spent(), s.remaining()};
                if (budgetFigures.put(s.budget().name(), f) == null) {
                    String name = s.budget().name();
                    String[] meter = {"chatlog.budget.limit", "chatlog.budget.spent", "chatlog.budget.remaining"};
                    for (int i = 0; i < meter.length; i++) {
                        int k = i;
                        io.micrometer.core.instrument.Gauge.builder(meter[i], budgetFigures, m -> {
                            java.math.BigDecimal[] v = m.get(name);
                            return v == null ? Double.NaN : v[k].doubleValue();
                        }).baseUnit("usd").tag("budget", name).description("the budget's current window").register(meters);
                    }
                }
            }
            budgetFigures.keySet().retainAll(defined); // a deleted budget's gauges read NaN

        } catch (RuntimeException e) {
            log.debug("budget gauges not refreshed: {}", e.toString());
        }
    }

    private static void evaluateAlerts(AlertEngine engine) {
        if (engine == null) return;
        try {
            engine.evaluate();
        } catch (RuntimeException e) {
            log.warn("alert evaluation failed: {}", e.toString());
        }
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }

    private String baseUrl() {
        return "http://" + (config.host().equals("0.0.0.0") ? "localhost" : config.host()) + ":" + port();
    }

    /** The alert rules' engine (tests evaluate it at once instead of waiting for CHATLOG_ALERT_CHECK_SECONDS). */
    public AlertEngine alerts() {
        return alerts;
    }

    public static ChatlogServer start(ServerConfig config) {
        return start(config, null, EmbeddedMariaDb.SCHEMA);
    }

    /** Starts on an embedded server someone else owns (tests share one per JVM), in the given schema. */
    public static ChatlogServer start(ServerConfig config, EmbeddedMariaDb shared, String schema) {
        try {
            return new ChatlogServer(config, shared, schema);
        } catch (Exception e) { // one message, said once (it used to come as: could not start: could not start: ...)
            throw new IllegalStateException("chatlog could not start: " + e.getMessage(), e);
        }
    }

    /**
     * A body announced larger than the limit is refused with 413 before it is parsed. Up to 16 times
     * the limit it is read and dropped first, so that the connection closes clean (closing on unread
     * bytes makes the client's TCP reset the 413 away); beyond that nothing is read or waited for:
     * the answer goes at once and the connection is closed.
     */
    private static void refuseOversizedBody(io.javalin.http.Context ctx, long limit) throws java.io.IOException {
        long announced = ctx.req().getContentLengthLong();
        if (announced <= limit) return;
        if (announced <= 16 * limit) {
            try (var in = ctx.req().getInputStream()) {
                byte[] buf = new byte[8192];
                for (long left = announced; left > 0; ) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                    if (n < 0) break;
                    left -= n;
                }
            }
        } else {
            ctx.header("Connection", "close");
        }
        throw new ApiError(413, "the body may be at most " + limit + " bytes (CHATLOG_MAX_BODY_BYTES)", null);
    }

    /** Whether a failure came from reading the request itself (Jetty's bad-message or end-of-file exceptions). */
    static boolean unreadableRequest(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof org.eclipse.jetty.http.BadMessageException || t instanceof org.eclipse.jetty.io.EofException
                    || t instanceof java.io.UncheckedIOException && t.getCause() instanceof java.io.IOException io
                    && io.getClass().getName().startsWith("org.eclipse.jetty")) {
                return true;
            }
        }
        return false;
    }

    private static void error(Context ctx, int status, String message, String field) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", message);
        if (field != null) body.put("field", field);
        body.put("status", status);
        ctx.status(status).json(body);
    }

    /** See {@link HealthReport}. */
    private void health(Context ctx) {
        boolean up;
        try {
            up = database.jdbi().withHandle(h -> h.createQuery("SELECT 1").mapTo(Integer.class).one()) == 1;
        } catch (RuntimeException e) {
            up = false;
        }
        if (!up && alerts != null) alerts.databaseDown();
        databaseUp.set(up);
        var stats = logger.stats();
        HealthReport report = HealthReport.of(up, stats, new HealthReport.Thresholds(config.healthBacklogRecords(),
                config.healthBacklogSeconds(), config.queueCapacity()));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", report.status());
        body.put("reasons", report.reasons());
        body.put("database", up ? "up" : "down");
        body.put("model", modelName);
        body.put("chatbot", chatbotOff == null ? "on" : "off");
        body.put("logger", stats);
        ctx.status(report.httpStatus()).json(body);
    }

    public int port() {
        return app.port();
    }

    /** The registry behind {@code GET /metrics}. */
    public io.micrometer.core.instrument.MeterRegistry meters() {
        return meters;
    }

    public ChatLogger logger() {
        return logger;
    }

    public Database database() {
        return database;
    }

    /** The demo shop, or null when the chatbot is off. */
    public ShopDatabase shop() {
        return shop;
    }

    public String modelName() {
        return modelName;
    }

    public String banner() {
        String base = baseUrl();
        return String.join("\n",
                "",
                "chatlog is running",
                chatbotOff == null ? "  chat:       POST " + base + "/chat-chat/   {\"input\": \"Show me recent orders\"}"
                        : "  chat:       off (" + chatbotOff + "): dashboard only",
                "  dashboard:  " + base + "/dashboard   (JSON: " + base + "/logging-dashboard/overview?hours=24)",
                "  health:     " + base + "/health",
                "  model:      " + modelName,
                "  database:   " + (embedded != null ? "embedded MariaDB 11.4 on 127.0.0.1:" + embedded.port()
                        + ", data in " + config.dataDir().toAbsolutePath() : config.database().toString()),
                "  spool:      " + (config.spoolDir() == null ? "off (records wait in memory only)"
                        : config.spoolDir().toAbsolutePath() + " (durable: fsync every " + config.fsyncEvery() + " records or "
                        + config.fsyncIntervalMs() + " ms)") + "; chat answers " + (config.durableAck()
                        ? "once the turn is " + (config.spoolDir() == null ? "in the database" : "in the spool") : "without waiting for the log"),
                "  access:     " + (config.apiToken() == null ? "open to this host (set CHATLOG_API_TOKEN to require a bearer token)"
                        : "dashboard and export need Authorization: Bearer <CHATLOG_API_TOKEN>"),
                "  alerts:     " + alertCount + " rules, evaluated every " + config.alerts().checkSeconds() + " s; channels "
                        + String.join(", ", dispatcher.channelNames()) + (config.alerts().webhookUrl() == null ? "" : " (webhook "
                        + config.alerts().webhookUrl().getHost() + (config.alerts().webhookSecret() == null ? ", unsigned" : ", signed") + ")"),
                "  metrics:    " + base + "/metrics (Prometheus" + (config.apiToken() == null ? "" : ", bearer token") + ")"
                        + (otlp == null ? "" : "; OTLP push to " + dev.chatlog.server.metrics.OtlpSettings.from(config.env()).url()),
                "  retention:  " + (config.retentionDays() == 0 ? "keep forever" : config.retentionDays() + " days, texts "
                        + config.contentRetentionDays() + " days") + "; masking " + (config.masking() ? "on" : "OFF"),
                "  shop SQL:   " + (shop == null ? "-" : shop.enforcedByDatabase() ? "read-only user (enforced by the database)"
                        : "app user, SQL guard only (set CHATLOG_SHOP_DB_URL for a SELECT-only user)"),
                "");
    }

    @Override
    public void close() {
        try {
            housekeeping.shutdownNow();
            dispatcher.close();
            budgets.close();
            if (otlp != null) otlp.close(); // pushes what it has
            app.stop();
        } finally {
            logger.close();
            if (shop != null) shop.close();
            database.close();
            if (ownsEmbedded) embedded.close();
        }
    }
}
