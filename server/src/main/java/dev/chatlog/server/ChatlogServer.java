package dev.chatlog.server;

import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.HealthReport;
import dev.chatlog.server.prices.PriceController;
import dev.chatlog.server.budgets.BudgetController;
import dev.chatlog.langchain4j.BudgetGuard;
import dev.chatlog.core.text.Masker;
import dev.chatlog.server.telemetry.ServerMeters;
import dev.chatlog.server.telemetry.ServerTraces;
import dev.chatlog.server.alerts.AlertController;
import dev.chatlog.server.stats.YesterdaySummary;
import dev.chatlog.alerts.AlertEngine;
import dev.chatlog.alerts.Alerts;
import dev.chatlog.budgets.BudgetSettings;
import dev.chatlog.budgets.Budgets;
import dev.chatlog.server.web.AccessControl;
import dev.chatlog.server.web.HostCheck;
import dev.chatlog.server.web.JsonErrorHandler;
import dev.chatlog.server.web.RequestErrors;
import dev.chatlog.sql.Housekeeping;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import dev.chatlog.core.price.PriceCatalog;
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
    /** The demo model's price (gpt-4o-mini's), and the demo moderation's and in-process embeddings': free, and said so (not unpriced). */
    static final String DEMO_PRICE = DemoShopModel.NAME + "=0.15:0.60:0.075;" + DemoShopModel.MODERATION + "=0:0;"
            + DemoShopModel.EMBEDDINGS + "=0:0;" + dev.chatlog.server.quality.DemoJudgeModel.NAME + "=0.15:0.60;"
            + DemoShopModel.MINI + "=0.05:0.20:0.025"; // the demo experiment's cheaper arm

    private final ServerConfig config;
    private final EmbeddedMariaDb embedded;
    private final boolean ownsEmbedded;
    private final Database database;
    private final dev.chatlog.sql.ReadReplica replica; // null unless CHATLOG_DB_READ_URL
    private final ChatLogger logger;
    private final ShopDatabase shop; // null when the demo chatbot is off
    private final String chatbotOff; // why it is off, as the chat route and the banner say it; null when on
    private final String modelName;
    private final Javalin app;
    private final ScheduledExecutorService housekeeping;
    private final Budgets budgets;
    private final ServerMeters meters;
    private final ServerTraces traces;
    private final ServerJudge judge;
    private final Alerts alerts;
    private final ServerExperiments experiments;
    private final dev.chatlog.insights.InsightsRuntime insights;

    private ChatlogServer(ServerConfig config, EmbeddedMariaDb shared, String schema) throws Exception {
        this.config = config;
        this.ownsEmbedded = shared == null && config.database() == null;
        this.embedded = shared != null ? shared : ownsEmbedded ? EmbeddedMariaDb.start(config.dataDir(), 0).closedByOwner() : null;
        this.database = Database.open(embedded != null
                ? new dev.chatlog.sql.DatabaseConfig(embedded.jdbcUrl(schema), embedded.user(), embedded.password())
                : config.database(), 10);
        this.replica = config.readReplica() == null ? null : dev.chatlog.sql.ReadReplica.open(config.readReplica(), database);
        org.jdbi.v3.core.Jdbi reads = replica == null ? database.jdbi() : replica.jdbi(); // the read side: reports, exports, insights
        PriceCatalog prices = config.prices().applyTo(PriceCatalog.bundled().withInlineOverrides(DEMO_PRICE));
        ChatLogger.Builder lb = ChatLogger.builder(new JdbcChatLogStore(database.jdbi())).prices(prices)
                .settings(config.logger()).spool(config.spool());
        this.traces = ServerTraces.from(config.env()); // null unless OTEL_TRACES_EXPORTER=otlp or a traces endpoint is set
        if (traces != null) lb.traces(traces.traces());
        this.logger = lb.build();
        this.meters = new ServerMeters(logger, config.env());
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
        BudgetSettings budgetSettings = config.budgets();
        this.budgets = new Budgets(database.jdbi(), budgetSettings); // CHATLOG_BUDGETS: defined at start
        BudgetGuard guard = BudgetGuard.builder(budgets.gate(), prices).defaultMaxTokens(budgetSettings.defaultMaxTokens())
                .clampToHeadroom(budgetSettings.clamp()).imageTokens(budgetSettings.imageTokens())
                .otherPartTokens(budgetSettings.otherPartTokens()).build();
        this.experiments = ServerExperiments.start(config, database.jdbi(), shop != null, budgets::current, this::experimentStopped);
        Map<String, ChatModel> variants = new java.util.HashMap<>();
        if (!config.usesOpenAi()) ServerExperiments.demoVariants(List.of(listener)).forEach((k, v) -> variants.put(k, guard.guard(v)));
        model = experiments.route(guard.guard(model), variants);
        this.judge = ServerJudge.start(config, logger, listener, guard, prices, database.jdbi());
        Duration ackTimeout = Duration.ofMillis(config.ackTimeoutMs());
        ChatController chat = shop == null ? null : new ChatController(new ShopChatbot(model, shop, logger, database.jdbi(), !config.usesOpenAi(),
                experiments.arms()),
                config.durableAck() ? new ChatController.Durability(logger, ackTimeout) : null, traces == null ? ctx -> () -> { } : traces::join);
        Reports reports = new Reports(reads, config.stageTargets(), config.cacheTargets()); // one per process: one planner, one set of day caches
        // a conversation's own detail (the one just chatted) reads the primary: it must show its own writes
        Reports own = replica == null ? reports : new Reports(database.jdbi(), config.stageTargets(), config.cacheTargets());
        DashboardController dashboard = new DashboardController(reports, own, replica, java.time.Clock.systemUTC());
        StatsController stats = new StatsController(reports, new Exporter(reads), java.time.Clock.systemUTC());
        AccessControl access = new AccessControl(config.apiToken(), config.corsOrigins());
        HostCheck hosts = new HostCheck(config.host(), config.apiToken() != null, config.allowedHosts());
        DashboardPage page = new DashboardPage();
        PriceController priceQuotes = new PriceController(prices, java.time.Clock.systemUTC(), database.jdbi(), config.apiToken() != null);
        var erasures = new dev.chatlog.server.erasure.ErasureController(database.jdbi(), config.apiToken() != null);
        BudgetController budgetRoutes = new BudgetController(budgets.definitions(), budgets.report(), budgets.gate(), java.time.Clock.systemUTC());
        var scoreDefinitions = new dev.chatlog.sql.score.ScoreDefinitions(database.jdbi(), java.time.Clock.systemUTC());
        var scoreRoutes = new dev.chatlog.server.quality.ScoreController(
                new dev.chatlog.quality.Scores(database.jdbi(), java.time.Clock.systemUTC()), scoreDefinitions, own, java.time.Clock.systemUTC());
        this.housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "chatlog-housekeeping");
            t.setDaemon(true);
            return t;
        });
        this.alerts = new Alerts(database.jdbi(), config.alerts()); // CHATLOG_ALERT_RULES: defined at start
        this.insights = new dev.chatlog.insights.InsightsRuntime(new dev.chatlog.insights.Insights(reads, prices,
                dev.chatlog.insights.InsightsSettings.fromEnv(config.env()), budgets::current, java.time.Clock.systemUTC()),
                java.time.Clock.systemUTC());
        alerts.observeInsights(r -> dev.chatlog.insights.InsightObservations.of(insights.latest(), r)); // the weekly digest
        new dev.chatlog.insights.InsightsMeters(insights).bindTo(meters.registry());
        AlertController alertRoutes = new AlertController(alerts.rules(), alerts.states(), alerts.outbox(), alerts.channelNames(),
                alerts::evaluateSoon, java.time.Clock.systemUTC());
        this.app = Javalin.create(c -> {
            c.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler())); // Jetty's own errors as JSON too
            c.routes.before(hosts::check);
            c.routes.before(ctx -> RequestErrors.refuseOversizedBody(ctx, config.maxBodyBytes()));
            c.routes.before(access::cors);
            c.routes.before("/logging-dashboard/*", access::authorize);
            c.routes.before("/metrics", access::authorize);
            c.startup.showJavalinBanner = false;
            c.jsonMapper(new io.javalin.json.JavalinJackson().updateMapper(m -> m.registerModule(dev.chatlog.server.web.PlainDecimals.MODULE)));
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
            dashboard.register(c.routes);
            stats.register(c.routes);
            priceQuotes.register(c.routes);
            erasures.register(c.routes);
            budgetRoutes.register(c.routes);
            alertRoutes.register(c.routes);
            scoreRoutes.register(c.routes);
            judge.routes().register(c.routes);
            new dev.chatlog.server.quality.QualityController(database.jdbi(), scoreDefinitions, java.time.Clock.systemUTC()).register(c.routes);
            new dev.chatlog.server.experiments.ExperimentController(experiments.runtime(), java.time.Clock.systemUTC()).register(c.routes);
            new dev.chatlog.server.insights.InsightsController(insights).register(c.routes);
            c.routes.get("/health", this::health);
            c.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(meters.scrape()));
            page.register(c.routes);
            c.routes.exception(ApiError.class, (e, ctx) -> RequestErrors.error(ctx, e.status(), e.getMessage(), e.field()));
            c.routes.exception(HttpResponseException.class, (e, ctx) -> RequestErrors.error(ctx, e.getStatus(), e.getMessage(), null));
            c.routes.exception(Exception.class, RequestErrors::unexpected);
            c.routes.error(404, "*", ctx -> {
                if (ctx.result() == null) RequestErrors.error(ctx, 404, "no route " + ctx.method() + " " + ctx.path(), null);
            });
            c.routes.error(405, "*", ctx -> RequestErrors.error(ctx, 405, "method " + ctx.method() + " not allowed on " + ctx.path(), null));
        });
        app.start();
        alerts.start(logger::stats, budgets::current, baseUrl(), Alerts.hostName() + ":" + port());
        budgets.start();
        insights.start(); // the default window at once, in the background
        if (config.dailySummary()) {
            housekeeping.execute(() -> {
                try {
                    log.info(YesterdaySummary.line(reports, java.time.Clock.systemUTC()));
                } catch (RuntimeException e) {
                    log.warn("yesterday's summary could not be read: {}", e.toString());
                }
            });
        }
        housekeeping.scheduleWithFixedDelay(this::refreshGauges, 0, 15, TimeUnit.SECONDS);
        // retention and the minute rows' purge: the same Housekeeping the Spring Boot starter runs
        Housekeeping.on(housekeeping, database.jdbi(), config.housekeeping());
    }

    /** The database-up gauge and the budgets' gauges (every 15 s). */
    private void refreshGauges() {
        boolean up = database.ping(PING_TIMEOUT);
        meters.databaseUp(up);
        if (!up) return;
        try {
            meters.budgets(budgets.current());
        } catch (RuntimeException e) {
            log.debug("budget gauges not refreshed: {}", e.toString());
        }
    }

    private String baseUrl() {
        return "http://" + (config.host().equals("0.0.0.0") ? "localhost" : config.host()) + ":" + port();
    }

    /** The alert rules' engine (tests evaluate it at once instead of waiting for CHATLOG_ALERT_CHECK_SECONDS). */
    public AlertEngine alerts() {
        return alerts.engine();
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

    /** How long "is the database up?" waits for its answer (health, gauges). */
    private static final Duration PING_TIMEOUT = Duration.ofSeconds(3);

    /** See {@link HealthReport}. */
    private void health(Context ctx) {
        var node = database.probe(PING_TIMEOUT);
        boolean up = node.isPresent();
        if (!up && alerts.engine() != null) alerts.engine().databaseDown();
        meters.databaseUp(up);
        var stats = logger.stats();
        HealthReport report = HealthReport.of(up, stats, new HealthReport.Thresholds(config.healthBacklogRecords(),
                config.healthBacklogSeconds(), config.logger().queueCapacity()))
                .with(node.map(dev.chatlog.sql.cluster.DatabaseNode::problems).orElse(List.of()));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", report.status());
        body.put("reasons", report.reasons());
        body.put("database", up ? "up" : "down");
        body.put("database_node", node.map(dev.chatlog.sql.cluster.DatabaseNode::toMap).orElse(null)); // the server it is on now
        if (replica != null) {
            var lag = replica.lag();
            report = report.with(lag.problems(replica.settings().maxLagSeconds()));
            body.put("status", report.status());
            body.put("reasons", report.reasons());
            body.put("read_replica", lag.toMap(replica.url()));
        }
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
        return meters.registry();
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
                        + ", data in " + config.dataDir().toAbsolutePath() : config.database().toString())
                        + (replica == null ? "" : "; dashboard reads " + replica.url() + " (read replica)"),
                "  spool:      " + (config.spool() == null ? "off (records wait in memory only)"
                        : config.spool().dir().toAbsolutePath() + " (durable: fsync every " + config.spool().fsyncEvery() + " records or "
                        + config.spool().fsyncInterval().toMillis() + " ms)") + "; chat answers " + (config.durableAck()
                        ? "once the turn is " + (config.spool() == null ? "in the database" : "in the spool") : "without waiting for the log"),
                "  access:     " + (config.apiToken() == null ? "open to this host (set CHATLOG_API_TOKEN to require a bearer token)"
                        : "dashboard and export need Authorization: Bearer <CHATLOG_API_TOKEN>"),
                "  alerts:     " + alerts.describe(),
                "  metrics:    " + base + "/metrics (Prometheus" + (config.apiToken() == null ? "" : ", bearer token") + ")"
                        + (meters.otlpUrl() == null ? "" : "; OTLP push to " + meters.otlpUrl()),
                "  traces:     " + (traces == null ? "off (OTEL_TRACES_EXPORTER=otlp exports spans)" : "OTLP to " + traces.url()),
                "  retention:  " + config.housekeeping().describe() + "; masking " + (config.logger().masking() ? "on" : "OFF"),
                "  shop SQL:   " + (shop == null ? "-" : shop.enforcedByDatabase() ? "read-only user (enforced by the database)"
                        : "app user, SQL guard only (set CHATLOG_SHOP_DB_URL for a SELECT-only user)"),
                "");
    }

    /** An experiment stopped by its guardrails or an arm's budget: the alert engine evaluates at once, to notify it. */
    private void experimentStopped() {
        if (alerts != null) alerts.evaluateSoon();
    }

    @Override
    public void close() {
        try {
            housekeeping.shutdownNow();
            judge.close();
            insights.close();
            experiments.close();
            alerts.close();
            budgets.close();
            meters.close(); // an OTLP push sends what it has
            app.stop();
        } finally {
            logger.close();
            if (shop != null) shop.close();
            if (replica != null) replica.close();
            database.close();
            if (ownsEmbedded) embedded.close();
        }
    }
}
