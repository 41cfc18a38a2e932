package dev.chatlog.server.dashboard;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The live dashboard page ({@code GET /dashboard}) and its assets, served from the classpath: the
 * page's own files and ECharts from its WebJar, so the page needs no internet access. Only the files
 * listed here are served (no path from the request reaches the classpath). The page holds no data:
 * it reads the {@code /logging-dashboard} routes, which {@code CHATLOG_API_TOKEN} protects.
 */
public final class DashboardPage {
    /** The ECharts script of whichever WebJar version the build put on the classpath. */
    static final String ECHARTS = "META-INF/resources/webjars/echarts/" + webJarVersion("org.webjars.npm", "echarts")
            + "/dist/echarts.min.js";
    /**
     * Scripts only from this server (logged text that slipped into the DOM could not run); inline
     * styles allowed because the charting library sets them.
     */
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            + "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    private record Asset(String resource, String contentType, boolean immutable) {}

    private static final Map<String, Asset> ASSETS = Map.of(
            "index.html", new Asset("dashboard/index.html", "text/html; charset=utf-8", false),
            "dashboard.js", new Asset("dashboard/dashboard.js", "text/javascript; charset=utf-8", false),
            "dashboard.css", new Asset("dashboard/dashboard.css", "text/css; charset=utf-8", false),
            "echarts.min.js", new Asset(ECHARTS, "text/javascript; charset=utf-8", true));

    private final Map<String, byte[]> bytes;

    public DashboardPage() {
        var loaded = new java.util.HashMap<String, byte[]>();
        ASSETS.forEach((name, asset) -> loaded.put(name, read(asset.resource())));
        this.bytes = Map.copyOf(loaded);
    }

    /** Registers the page and its assets under {@code /dashboard}. */
    public void register(RoutesConfig routes) {
        routes.get("/dashboard", this::page);
        routes.get("/dashboard/", this::page);
        routes.get("/dashboard/assets/{name}", this::asset);
    }

    private static String webJarVersion(String group, String artifact) {
        java.util.Properties p = new java.util.Properties();
        try (InputStream in = DashboardPage.class.getClassLoader()
                .getResourceAsStream("META-INF/maven/" + group + "/" + artifact + "/pom.properties")) {
            if (in == null) throw new IllegalStateException("the " + artifact + " WebJar is not on the classpath");
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p.getProperty("version");
    }

    private static byte[] read(String resource) {
        try (InputStream in = DashboardPage.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("dashboard asset missing from the classpath: " + resource);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code GET /dashboard}: the page. */
    void page(Context ctx) {
        send(ctx, "index.html");
    }

    /** {@code GET /dashboard/assets/{name}}: one of the listed assets, or 404. */
    void asset(Context ctx) {
        String name = ctx.pathParam("name");
        if (!ASSETS.containsKey(name) || name.equals("index.html")) {
            throw new io.javalin.http.NotFoundResponse("no dashboard asset " + name);
        }
        send(ctx, name);
    }

    private void send(Context ctx, String name) {
        Asset asset = ASSETS.get(name);
        ctx.header("Content-Security-Policy", CSP);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("Cache-Control", asset.immutable() ? "public, max-age=86400" : "no-cache");
        ctx.contentType(asset.contentType()).result(bytes.get(name));
    }
}
