package dev.chatlog.server.telemetry;

import dev.chatlog.core.testing.HttpReceiver;

import dev.chatlog.server.ChatlogServer;
import dev.chatlog.server.Http;
import dev.chatlog.server.ServerTestSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.langchain4j.OpenAiStub;
import dev.chatlog.langchain4j.OpenAiStub.Reply;
import dev.chatlog.langchain4j.OpenAiStub.Usage;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** OTLP push to a real local receiver that decodes the protobuf payload, configured by the standard OTEL_* variables. */
class OtlpMetricsTest {

    private static String attr(HistogramDataPoint p, String key) {
        return p.getAttributesList().stream().filter(a -> a.getKey().equals(key)).map(a -> a.getValue().getStringValue()).findFirst().orElse(null);
    }

    @Test
    void should_push_the_meters_to_the_otlp_endpoint_with_the_figures_the_database_holds() throws Exception {
        List<ExportMetricsServiceRequest> got = new CopyOnWriteArrayList<>();
        List<String> auth = new CopyOnWriteArrayList<>();
        HttpReceiver receiver = HttpReceiver.start().onRequest(r -> {
            if (!r.path().equals("/v1/metrics")) return;
            try {
                got.add(ExportMetricsServiceRequest.parseFrom(r.body()));
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new IllegalStateException(e);
            }
            auth.add(r.header("Authorization"));
        });
        try (OpenAiStub stub = new OpenAiStub()) {
            stub.respond(r -> r.task().equals("classify_intent") ? Reply.text("smalltalk", Usage.of(120, 2)) : Reply.text("Hi!", Usage.of(80, 9)));
            ChatlogServer server = ServerTestSupport.start(Map.of("OPENAI_API_KEY", "test-key", "OPENAI_BASE_URL", stub.baseUrl(),
                    "CHATLOG_MODEL", "gpt-4o-mini", "CHATLOG_ALERT_DEFAULTS", "off",
                    "OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url(""),
                    "OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Bearer%20otlp-secret", "OTEL_METRIC_EXPORT_INTERVAL", "500",
                    "OTEL_SERVICE_NAME", "shop-bot"));
            try {
                Http http = new Http("http://127.0.0.1:" + server.port());
                for (int i = 0; i < 2; i++) assertEquals(200, http.post("/chat-chat/", "{\"input\": \"hello " + i + "\"}").status());
                assertTrue(server.logger().flush(Duration.ofSeconds(20)));
                long input = server.database().jdbi().withHandle(h -> h.createQuery(
                        "SELECT SUM(input_tokens) FROM chatbot_llm_calls WHERE call_type = 'chat'").mapTo(Long.class).one());
                long until = System.nanoTime() + 20_000_000_000L;
                double pushed = -1;
                Metric usage = null;
                while (System.nanoTime() < until) {
                    for (ExportMetricsServiceRequest req : got) {
                        for (var rm : req.getResourceMetricsList()) {
                            for (var sm : rm.getScopeMetricsList()) {
                                for (Metric m : sm.getMetricsList()) {
                                    if (!m.getName().equals("gen_ai.client.token.usage")) continue;
                                    double sum = m.getHistogram().getDataPointsList().stream().filter(p -> "input".equals(attr(p, "gen_ai.token.type")))
                                            .mapToDouble(HistogramDataPoint::getSum).sum();
                                    if (sum == input) {
                                        pushed = sum;
                                        usage = m;
                                    }
                                }
                            }
                        }
                    }
                    if (pushed == input) break;
                    Thread.sleep(200);
                }
                assertEquals(input, (long) pushed, "the pushed input tokens (cumulative) reach what the database holds");
                HistogramDataPoint p = usage.getHistogram().getDataPoints(0);
                assertEquals(List.of(1.0, 4.0, 16.0, 64.0, 256.0, 1024.0, 4096.0, 16384.0, 65536.0, 262144.0, 1048576.0, 4194304.0,
                        16777216.0, 67108864.0), p.getExplicitBoundsList(), "the conventions' token buckets");
                assertEquals("gpt-4o-mini", attr(p, "gen_ai.request.model"));
                var resource = got.get(got.size() - 1).getResourceMetrics(0).getResource().getAttributesList();
                assertTrue(resource.stream().anyMatch(a -> a.getKey().equals("service.name") && a.getValue().getStringValue().equals("shop-bot")),
                        resource.toString());
                assertTrue(got.stream().flatMap(r -> r.getResourceMetricsList().stream()).flatMap(r -> r.getScopeMetricsList().stream())
                        .flatMap(s -> s.getMetricsList().stream()).anyMatch(m -> m.getName().equals("gen_ai.client.operation.duration")
                                && m.getUnit().equals("s") && m.getHistogram().getDataPoints(0).getExplicitBoundsList().contains(81.92)),
                        "the duration in seconds, on the conventions' buckets: " + got.get(got.size() - 1).getResourceMetricsList().stream()
                                .flatMap(r -> r.getScopeMetricsList().stream()).flatMap(x -> x.getMetricsList().stream())
                                .filter(m -> m.getName().equals("gen_ai.client.operation.duration")).map(m -> m.getUnit() + " "
                                        + m.getDataCase() + " " + (m.hasHistogram() ? m.getHistogram().getDataPoints(0).getExplicitBoundsList() : "")).toList());
                assertEquals("Bearer otlp-secret", auth.get(0));
            } finally {
                server.close();
            }
        } finally {
            receiver.close();
        }
    }

    @Test
    void should_read_the_standard_variables_and_refuse_what_it_cannot_speak() {
        assertEquals(null, OtlpSettings.from(Map.of()));
        assertEquals(null, OtlpSettings.from(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318", "OTEL_METRICS_EXPORTER", "none")));
        OtlpSettings s = OtlpSettings.from(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/"));
        assertEquals("http://collector:4318/v1/metrics", s.url());
        assertEquals(Duration.ofSeconds(60), s.interval());
        assertEquals("chatlog", s.resource().get("service.name"));
        assertEquals("http://m:9/x", OtlpSettings.from(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318",
                "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "http://m:9/x")).url());
        assertEquals("prod", OtlpSettings.from(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318",
                "OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=prod,service.name=a")).resource().get("deployment.environment"));
        assertThrows(IllegalArgumentException.class, () -> OtlpSettings.from(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317",
                "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")));
        assertThrows(IllegalArgumentException.class, () -> OtlpSettings.from(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "c:4318")));
        assertThrows(IllegalArgumentException.class, () -> OtlpSettings.from(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318",
                "OTEL_EXPORTER_OTLP_HEADERS", "novalue")));
    }
}
