package dev.chatlog.server.telemetry;

import io.micrometer.registry.otlp.OtlpConfig;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * OTLP export, configured by the standard OpenTelemetry variables. Metrics are pushed when
 * {@code OTEL_EXPORTER_OTLP_METRICS_ENDPOINT} or {@code OTEL_EXPORTER_OTLP_ENDPOINT} is set (and
 * {@code OTEL_METRICS_EXPORTER} is not {@code none}); traces only when asked for, by
 * {@code OTEL_TRACES_EXPORTER=otlp} or {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT} (off by default: a
 * collector set up for metrics does not start receiving spans). {@code OTEL_EXPORTER_OTLP_(METRICS_|TRACES_)HEADERS},
 * {@code OTEL_METRIC_EXPORT_INTERVAL} (ms, default 60000) and {@code OTEL_BSP_SCHEDULE_DELAY} (ms,
 * default 5000) for how often, {@code OTEL_SERVICE_NAME} (default {@code chatlog}),
 * {@code OTEL_RESOURCE_ATTRIBUTES}. Only {@code http/protobuf} is spoken: a {@code grpc} protocol is
 * refused at start, not silently ignored.
 *
 * @param interval how often metrics are pushed, or how long spans wait to be batched
 */
record OtlpSettings(String url, Map<String, String> headers, Duration interval, Map<String, String> resource) {

    /** The metric push settings, or null when OTLP push is off. */
    public static OtlpSettings from(Map<String, String> env) {
        String exporter = env.getOrDefault("OTEL_METRICS_EXPORTER", "otlp").trim().toLowerCase(Locale.ROOT);
        String metrics = blank(env.get("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"));
        String base = blank(env.get("OTEL_EXPORTER_OTLP_ENDPOINT"));
        if (exporter.equals("none") || metrics == null && base == null) return null;
        if (!exporter.equals("otlp")) throw new IllegalArgumentException("OTEL_METRICS_EXPORTER must be otlp or none, got '" + exporter + "'");
        return signal(env, "METRICS", "/v1/metrics", millis(env, "OTEL_METRIC_EXPORT_INTERVAL", 60_000));
    }

    /** The span export settings, or null when traces are off (the default). */
    public static OtlpSettings traces(Map<String, String> env) {
        String exporter = blank(env.get("OTEL_TRACES_EXPORTER"));
        exporter = exporter == null ? null : exporter.toLowerCase(Locale.ROOT);
        String traces = blank(env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"));
        if ("none".equals(exporter) || exporter == null && traces == null) return null;
        if (exporter != null && !exporter.equals("otlp")) {
            throw new IllegalArgumentException("OTEL_TRACES_EXPORTER must be otlp or none, got '" + exporter + "'");
        }
        return signal(env, "TRACES", "/v1/traces", millis(env, "OTEL_BSP_SCHEDULE_DELAY", 5_000));
    }

    private static OtlpSettings signal(Map<String, String> env, String signal, String path, Duration interval) {
        String protocol = blank(env.getOrDefault("OTEL_EXPORTER_OTLP_" + signal + "_PROTOCOL", env.get("OTEL_EXPORTER_OTLP_PROTOCOL")));
        if (protocol != null && !protocol.equals("http/protobuf")) {
            throw new IllegalArgumentException("OTEL_EXPORTER_OTLP_PROTOCOL " + protocol + " is not supported: chatlog pushes http/protobuf");
        }
        String own = blank(env.get("OTEL_EXPORTER_OTLP_" + signal + "_ENDPOINT"));
        String base = blank(env.getOrDefault("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4318"));
        String url = own != null ? own : (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + path;
        if (!url.startsWith("http://") && !url.startsWith("https://")) {
            throw new IllegalArgumentException("the OTLP endpoint must be an http(s) URL, got '" + url + "'");
        }
        Map<String, String> headers = pairs(env.getOrDefault("OTEL_EXPORTER_OTLP_" + signal + "_HEADERS", env.get("OTEL_EXPORTER_OTLP_HEADERS")),
                "OTEL_EXPORTER_OTLP_HEADERS");
        Map<String, String> resource = pairs(env.get("OTEL_RESOURCE_ATTRIBUTES"), "OTEL_RESOURCE_ATTRIBUTES");
        resource.put("service.name", env.getOrDefault("OTEL_SERVICE_NAME", resource.getOrDefault("service.name", "chatlog")).trim());
        return new OtlpSettings(url, Map.copyOf(headers), interval, Map.copyOf(resource));
    }

    private static Duration millis(Map<String, String> env, String name, long fallback) {
        long ms;
        try {
            ms = Long.parseLong(env.getOrDefault(name, String.valueOf(fallback)).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be milliseconds, got '" + env.get(name) + "'");
        }
        if (ms < 100 || ms > 86_400_000) throw new IllegalArgumentException(name + " must be from 100 to 86400000 ms");
        return Duration.ofMillis(ms);
    }

    /**
     * The OTLP registry: timers in seconds under the UCUM unit {@code s} the conventions name
     * (Micrometer writes the time unit's name, {@code seconds}, as the unit otherwise).
     */
    public static io.micrometer.registry.otlp.OtlpMeterRegistry registry(OtlpSettings s) {
        return new io.micrometer.registry.otlp.OtlpMeterRegistry(s.config(), io.micrometer.core.instrument.Clock.SYSTEM) {
            @Override
            protected io.micrometer.core.instrument.Timer newTimer(io.micrometer.core.instrument.Meter.Id id,
                                                                    io.micrometer.core.instrument.distribution.DistributionStatisticConfig config,
                                                                    io.micrometer.core.instrument.distribution.pause.PauseDetector pause) {
                return super.newTimer(id.withBaseUnit("s"), config, pause);
            }
        };
    }

    /** As Micrometer's registry configuration. */
    public OtlpConfig config() {
        return new OtlpConfig() {
            @Override
            public String get(String key) {
                return null; // everything below
            }

            @Override
            public String url() {
                return url;
            }

            @Override
            public Map<String, String> headers() {
                return headers;
            }

            @Override
            public Duration step() {
                return interval;
            }

            @Override
            public Map<String, String> resourceAttributes() {
                return resource;
            }

            @Override
            public java.util.concurrent.TimeUnit baseTimeUnit() {
                return java.util.concurrent.TimeUnit.SECONDS; // the conventions' unit ("s"), not Micrometer's default ms
            }
        };
    }

    private static Map<String, String> pairs(String v, String name) {
        Map<String, String> out = new LinkedHashMap<>();
        if (v == null || v.isBlank()) return out;
        for (String part : v.split(",")) {
            if (part.isBlank()) continue;
            int eq = part.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException(name + " is key=value pairs separated by commas, got '" + part.trim() + "'");
            out.put(java.net.URLDecoder.decode(part.substring(0, eq).trim(), java.nio.charset.StandardCharsets.UTF_8),
                    java.net.URLDecoder.decode(part.substring(eq + 1).trim(), java.nio.charset.StandardCharsets.UTF_8));
        }
        return out;
    }

    private static String blank(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
