package dev.chatlog.server.telemetry;

import dev.chatlog.core.testing.HttpReceiver;

import dev.chatlog.server.ChatlogServer;
import dev.chatlog.server.Http;
import dev.chatlog.server.ServerTestSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.core.TraceParent;
import dev.chatlog.langchain4j.OpenAiStub;
import dev.chatlog.langchain4j.OpenAiStub.Reply;
import dev.chatlog.langchain4j.OpenAiStub.Usage;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Spans through the product: the server with traces on, chats through the real OpenAI client on the
 * stub, and a real local OTLP receiver decoding the protobuf payload.
 */
class TracesTest {
    private static final String CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CALLER_SPAN = "00f067aa0ba902b7";

    private static String hex(com.google.protobuf.ByteString b) {
        return HexFormat.of().formatHex(b.toByteArray());
    }

    private static AnyValue attr(Span s, String key) {
        return s.getAttributesList().stream().filter(a -> a.getKey().equals(key)).map(a -> a.getValue()).findFirst().orElse(null);
    }

    @Test
    void should_export_each_turn_and_its_calls_over_otlp_joined_to_the_callers_trace() throws Exception {
        List<Span> spans = new CopyOnWriteArrayList<>();
        List<String> services = new CopyOnWriteArrayList<>();
        List<String> auth = new CopyOnWriteArrayList<>();
        HttpReceiver receiver = HttpReceiver.start().onRequest(r -> {
            if (!r.path().equals("/v1/traces")) return;
            ExportTraceServiceRequest req = parse(r.body());
            auth.add(r.header("Authorization"));
            for (var rs : req.getResourceSpansList()) {
                rs.getResource().getAttributesList().stream().filter(a -> a.getKey().equals("service.name"))
                        .forEach(a -> services.add(a.getValue().getStringValue()));
                for (var ss : rs.getScopeSpansList()) spans.addAll(ss.getSpansList());
            }
        });
        try (OpenAiStub stub = new OpenAiStub()) {
            stub.respond(r -> r.lastUserMessage().contains("fail") ? Reply.error(500, "overloaded")
                    : r.task().equals("classify_intent") ? Reply.text("smalltalk", Usage.of(120, 2)) : Reply.text("Hi!", Usage.of(80, 9)));
            ChatlogServer server = ServerTestSupport.start(Map.of("OPENAI_API_KEY", "test-key", "OPENAI_BASE_URL", stub.baseUrl(),
                    "CHATLOG_MODEL", "gpt-4o-mini", "CHATLOG_ALERT_DEFAULTS", "off", "OTEL_TRACES_EXPORTER", "otlp",
                    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", receiver.url("/v1/traces"),
                    "OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Bearer%20otlp-secret", "OTEL_BSP_SCHEDULE_DELAY", "200",
                    "OTEL_SERVICE_NAME", "shop-bot"));
            try {
                Http http = new Http("http://127.0.0.1:" + server.port());
                Http.Response joined = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/chat-chat/"))
                        .header("Content-Type", "application/json").header("traceparent", "00-" + CALLER_TRACE + "-" + CALLER_SPAN + "-01")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"input\": \"hello\"}")));
                assertEquals(200, joined.status());
                Http.Response alone = http.post("/chat-chat/", "{\"input\": \"hello again\"}");
                assertEquals(200, alone.status());
                List<String> hostile = List.of("00-zzzz-" + CALLER_SPAN + "-01", "00-" + "0".repeat(32) + "-" + CALLER_SPAN + "-01",
                        "ff-" + CALLER_TRACE + "-" + CALLER_SPAN + "-01", "00-" + CALLER_TRACE + "-" + "0".repeat(16) + "-01", "x".repeat(5000));
                for (String h : hostile) {
                    Http.Response r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/chat-chat/"))
                            .header("Content-Type", "application/json").header("traceparent", h)
                            .POST(HttpRequest.BodyPublishers.ofString("{\"input\": \"hello hostile\"}")));
                    assertEquals(200, r.status(), "a bad traceparent is ignored, not an error: " + h);
                }
                assertEquals(502, http.post("/chat-chat/", "{\"input\": \"please fail\"}").status());
                assertTrue(server.logger().flush(Duration.ofSeconds(20)));
                var calls = server.database().jdbi().withHandle(h -> h.createQuery(
                        "SELECT call_id, message_id, parent_call_id, input_tokens, success FROM chatbot_llm_calls").mapToMap().list());
                long messages = server.database().jdbi().withHandle(h -> h.createQuery(
                        "SELECT COUNT(*) FROM chatbot_conversation_messages").mapTo(Long.class).one());
                long expected = calls.size() + messages;
                long until = System.nanoTime() + 20_000_000_000L;
                while (spans.size() < expected && System.nanoTime() < until) Thread.sleep(100);
                assertEquals(expected, spans.size(), "one span per stored call and per turn");
                assertTrue(services.stream().allMatch("shop-bot"::equals), services.toString());
                assertTrue(auth.stream().allMatch("Bearer otlp-secret"::equals), auth.toString());

                // the turn joined the caller's trace; its calls are its children
                String joinedMessage = joined.json().get("message_id").asText();
                Span turn = spans.stream().filter(s -> hex(s.getSpanId()).equals(TraceParent.spanIdOf(joinedMessage))).findFirst().orElseThrow();
                assertEquals("chat_turn", turn.getName());
                assertEquals(CALLER_TRACE, hex(turn.getTraceId()));
                assertEquals(CALLER_SPAN, hex(turn.getParentSpanId()));
                for (var c : calls) {
                    String id = (String) c.get("call_id");
                    Span s = spans.stream().filter(x -> hex(x.getSpanId()).equals(TraceParent.spanIdOf(id))).findFirst().orElseThrow();
                    String parent = c.get("parent_call_id") != null ? TraceParent.spanIdOf((String) c.get("parent_call_id"))
                            : TraceParent.spanIdOf((String) c.get("message_id"));
                    assertEquals(parent, hex(s.getParentSpanId()), "each call under its turn: " + c);
                    assertEquals(((Number) c.get("input_tokens")).longValue(), attr(s, "gen_ai.usage.input_tokens").getIntValue());
                    assertEquals(Span.SpanKind.SPAN_KIND_CLIENT, s.getKind());
                    assertEquals("chat gpt-4o-mini", s.getName());
                    assertEquals("openai", attr(s, "gen_ai.provider.name").getStringValue());
                    assertEquals("gpt-4o-mini", attr(s, "gen_ai.request.model").getStringValue());
                    boolean ok = c.get("success") instanceof Boolean b ? b : ((Number) c.get("success")).intValue() == 1;
                    assertEquals(ok ? Status.StatusCode.STATUS_CODE_UNSET : Status.StatusCode.STATUS_CODE_ERROR, s.getStatus().getCode());
                    if (!ok) assertNotEquals(null, attr(s, "error.type"));
                    if (c.get("message_id").equals(joinedMessage)) assertEquals(CALLER_TRACE, hex(s.getTraceId()));
                }
                long joinedSpans = spans.stream().filter(s -> hex(s.getTraceId()).equals(CALLER_TRACE)).count();
                assertEquals(1 + calls.stream().filter(c -> c.get("message_id").equals(joinedMessage)).count(), joinedSpans,
                        "the caller's trace holds its turn and that turn's calls only");
                // a turn without a (valid) traceparent starts a trace of its own
                for (String m : List.of(alone.json().get("message_id").asText())) {
                    Span t = spans.stream().filter(s -> hex(s.getSpanId()).equals(TraceParent.spanIdOf(m))).findFirst().orElseThrow();
                    assertTrue(t.getParentSpanId().isEmpty(), "a root span");
                    assertNotEquals(CALLER_TRACE, hex(t.getTraceId()));
                }
                long roots = spans.stream().filter(s -> s.getParentSpanId().isEmpty()).count();
                assertEquals(messages - 1, roots, "every turn but the joined one is a root (hostile traceparents ignored)");
                assertNull(attr(turn, "gen_ai.input.messages"), "no prompt text is exported");
            } finally {
                server.close();
            }
        } finally {
            receiver.close();
        }
    }

    @Test
    void should_leave_traces_off_unless_asked_and_refuse_what_it_cannot_send() {
        assertNull(OtlpSettings.traces(Map.of()));
        assertNull(OtlpSettings.traces(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318")), "a metrics endpoint alone sends no spans");
        assertNull(OtlpSettings.traces(Map.of("OTEL_TRACES_EXPORTER", "none", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:4318/v1/traces")));
        assertEquals("http://c:4318/v1/traces", OtlpSettings.traces(Map.of("OTEL_TRACES_EXPORTER", "otlp",
                "OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318/")).url());
        assertEquals("http://localhost:4318/v1/traces", OtlpSettings.traces(Map.of("OTEL_TRACES_EXPORTER", "otlp")).url());
        assertEquals(Duration.ofSeconds(5), OtlpSettings.traces(Map.of("OTEL_TRACES_EXPORTER", "otlp")).interval());
        assertThrows(IllegalArgumentException.class, () -> OtlpSettings.traces(Map.of("OTEL_TRACES_EXPORTER", "zipkin")));
        assertThrows(IllegalArgumentException.class, () -> OtlpSettings.traces(Map.of("OTEL_TRACES_EXPORTER", "otlp",
                "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc")));
        assertThrows(IllegalArgumentException.class, () -> OtlpSettings.traces(Map.of("OTEL_TRACES_EXPORTER", "otlp",
                "OTEL_BSP_SCHEDULE_DELAY", "soon")));
    }

    private static ExportTraceServiceRequest parse(byte[] body) {
        try {
            return ExportTraceServiceRequest.parseFrom(body);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }
}
