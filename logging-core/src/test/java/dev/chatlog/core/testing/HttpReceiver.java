package dev.chatlog.core.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * The tests' one HTTP receiver: a real server on a free loopback port (the JDK's {@code com.sun.net.httpserver}) that
 * keeps every request it gets — webhooks, OTLP pushes — and answers each with the status set now ({@link #answer}),
 * 200 by default. Shared by the modules' tests through logging-core's test jar.
 */
public final class HttpReceiver implements AutoCloseable {
    /** One request as it arrived. */
    public record Request(String method, String path, Map<String, List<String>> headers, byte[] body) {
        public String header(String name) {
            for (var e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) return e.getValue().isEmpty() ? null : e.getValue().get(0);
            }
            return null;
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<RuntimeException> failures = new CopyOnWriteArrayList<>();
    private volatile int status = 200;
    private volatile Consumer<Request> onRequest = r -> { };

    private HttpReceiver(HttpServer server) {
        this.server = server;
    }

    /** Listening on a free port, every path. */
    public static HttpReceiver start() {
        try {
            HttpReceiver r = new HttpReceiver(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0));
            r.server.setExecutor(Executors.newCachedThreadPool(t -> {
                Thread th = new Thread(t, "http-receiver");
                th.setDaemon(true);
                return th;
            }));
            r.server.createContext("/", ex -> {
                Request req = new Request(ex.getRequestMethod(), ex.getRequestURI().getPath(), Map.copyOf(ex.getRequestHeaders()),
                        ex.getRequestBody().readAllBytes());
                r.requests.add(req);
                int status = r.status;
                try {
                    r.onRequest.accept(req);
                } catch (RuntimeException e) { // a test's handler failed (a body it could not read): say so, do not pass it off as 2xx
                    r.failures.add(e);
                    status = 500;
                } finally {
                    ex.sendResponseHeaders(status, -1);
                    ex.close();
                }
            });
            r.server.start();
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code http://127.0.0.1:<port>} followed by {@code path}. */
    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** The status every request gets from now on. */
    public HttpReceiver answer(int status) {
        this.status = status;
        return this;
    }

    /** Called with each request as it arrives, before it is answered (on the receiver's thread). */
    public HttpReceiver onRequest(Consumer<Request> c) {
        this.onRequest = c;
        return this;
    }

    /** Every request so far, in arrival order. */
    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** The requests so far to {@code path}. */
    public List<Request> requests(String path) {
        return requests.stream().filter(r -> r.path().equals(path)).toList();
    }

    /** What the {@link #onRequest} handler threw (each such request was answered 500). */
    public List<RuntimeException> failures() {
        return List.copyOf(failures);
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
