package dev.chatlog.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.MessageTurn;
import dev.chatlog.core.StepScope;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.chatlog.sql.TestDatabase;
import dev.chatlog.sql.query.Filter;
import dev.chatlog.sql.query.Window;
import dev.chatlog.sql.report.Reports;
import dev.chatlog.sql.rollup.ConsistencyCheck;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/**
 * External services as {@code service} rows: real HTTP calls to a local "payment" service that answers 200 or 503,
 * each recorded with its duration, success and the application's cost per request; usage and cost per service is
 * one breakdown ({@code by_step}), read from the rollups, which the consistency check finds equal to the rows.
 */
class ServiceRowsTest {

    @Test
    void should_count_and_cost_each_service_in_the_step_breakdown() throws Exception {
        HttpServer payments = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        payments.createContext("/v1/charges", ex -> {
            int status = ex.getRequestURI().getQuery() != null && ex.getRequestURI().getQuery().contains("fail") ? 503 : 200;
            ex.sendResponseHeaders(status, -1);
            ex.close();
        });
        payments.start();
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + payments.getAddress().getPort() + "/v1/charges";
        try (Database db = TestDatabase.freshDatabase()) {
            Jdbi jdbi = db.jdbi();
            String conv = "svc-" + System.nanoTime();
            try (ChatLogger logger = ChatLogger.builder(new JdbcChatLogStore(jdbi)).build()) {
                try (MessageTurn turn = logger.beginMessage(conv, "pay my order")) {
                    for (String q : List.of("ok", "ok", "fail")) {
                        try (StepScope svc = logger.beginService("payments", "POST /v1/charges")) {
                            int status = http.send(HttpRequest.newBuilder(URI.create(base + "?" + q)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                                    HttpResponse.BodyHandlers.discarding()).statusCode();
                            if (status == 200) {
                                svc.cost(new BigDecimal("0.30")).output("charged");
                            } else {
                                svc.metadata("http_status", status).failed("PaymentServiceUnavailable", "HTTP " + status);
                            }
                        }
                    }
                    try (StepScope refund = logger.beginService("payments", "refund")) {
                        refund.cost(new BigDecimal("-1")); // a mistake of the application's: not taken, never thrown at it
                    }
                    turn.output("{}", "paid");
                }
                assertTrue(logger.flush(Duration.ofSeconds(20)));
            }
            List<Map<String, Object>> rows = jdbi.withHandle(h -> h.createQuery(
                    "SELECT success, priced, cost_estimate, error_category, message_id FROM chatbot_llm_calls WHERE call_type = 'service' AND input_text = 'POST /v1/charges' ORDER BY call_sequence")
                    .mapToMap().list());
            assertEquals(3, rows.size());
            Map<String, Object> refund = jdbi.withHandle(h -> h.createQuery(
                    "SELECT priced, cost_estimate, metadata FROM chatbot_llm_calls WHERE call_type = 'service' AND input_text = 'refund'").mapToMap().one());
            assertEquals(false, refund.get("priced"));
            assertEquals("-1", new com.fasterxml.jackson.databind.ObjectMapper().readTree((String) refund.get("metadata")).path("invalid_cost").asText());
            assertEquals(0, new BigDecimal("0.30").compareTo((BigDecimal) rows.get(0).get("cost_estimate")));
            assertEquals("provider_error", rows.get(2).get("error_category"), "a 503 is the service's own failure");

            Window all = Window.between(Instant.parse("2020-01-01T00:00:00Z"), Instant.now().truncatedTo(java.time.temporal.ChronoUnit.HOURS).plusSeconds(7200));
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> steps = (List<Map<String, Object>>) new Reports(jdbi).overview(all, Filter.NONE, Instant.now()).get("by_step");
            Map<String, Object> payments4 = steps.stream().filter(s -> "service".equals(s.get("kind")) && "payments".equals(s.get("name")))
                    .findFirst().orElseThrow(() -> new AssertionError(steps.toString()));
            assertEquals(4L, ((Number) payments4.get("executions")).longValue(), "three charges and the refund that closed unpriced");
            assertEquals(1L, ((Number) payments4.get("failures")).longValue());
            assertEquals(0, new BigDecimal("0.60").compareTo((BigDecimal) payments4.get("cost")), payments4.toString());
            double slowest = jdbi.withHandle(h -> h.createQuery("SELECT MAX(duration_ms) FROM chatbot_llm_calls WHERE call_type = 'service'")
                    .mapTo(Double.class).one());
            assertTrue(((Number) payments4.get("p95_duration_ms")).doubleValue() <= slowest + 0.01,
                    "a percentile never above the slowest step: " + payments4 + " slowest " + slowest);
            assertEquals(List.of(), new ConsistencyCheck(jdbi).mismatches());
        } finally {
            payments.stop(0);
        }
    }
}
