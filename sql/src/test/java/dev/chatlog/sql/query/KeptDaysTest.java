package dev.chatlog.sql.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatlog.core.CallType;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.LlmCall;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.chatlog.sql.TestDatabase;
import dev.chatlog.sql.export.Exporter;
import dev.chatlog.sql.report.Figures;
import dev.chatlog.sql.report.Reports;
import dev.chatlog.sql.rollup.ConsistencyCheck;
import dev.chatlog.sql.rollup.Dimension;
import dev.chatlog.sql.rollup.Histogram;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

import static dev.chatlog.sql.query.OracleData.*;

/** What is kept for past days, and percentiles, each on a database of its own. */
class KeptDaysTest {
    @Test
    @SuppressWarnings("unchecked")
    void should_answer_a_filtered_day_again_from_what_was_kept_until_a_row_arrives_in_that_day() {
        try (Database own = TestDatabase.freshDatabase()) {
            Reports q = new Reports(own.jdbi());
            LocalDate day = LocalDate.now(ZoneOffset.UTC).minusDays(2);
            java.util.function.BiConsumer<String, Integer> write = (model, hour) -> {
                try (ChatLogger logger = ChatLogger.builder(new JdbcChatLogStore(own.jdbi())).build()) {
                    logger.logCall(LlmCall.builder().conversationId("c-" + model + hour).userId("ann").model(model).inputTokens(100)
                            .outputTokens(10).costEstimate(new BigDecimal("0.25")).priced(true).durationMs(120)
                            .startedAt(day.atStartOfDay().toInstant(ZoneOffset.UTC).plusSeconds(3600L * hour)).build());
                    assertTrue(logger.flush(Duration.ofSeconds(30)));
                }
            };
            Filter gpt = new Filter("gpt-4o", null, null, null, null, null);
            java.util.function.Supplier<Long> calls = () -> n(((Map<String, Object>) q.daily(day, gpt, 5000).get("totals")).get("llm_calls"));
            write.accept("gpt-4o", 1);
            write.accept("gpt-4o-mini", 2);
            assertEquals(1L, calls.get());
            assertEquals(1L, calls.get()); // kept
            write.accept("gpt-4o", 3); // a late row into that day
            assertEquals(2L, calls.get());
            write.accept("gpt-4o-mini", 4); // another model's row: the day changed, computed again, same answer
            assertEquals(2L, calls.get());
            write.accept("gpt-4o", 30); // the next day: not this one
            assertEquals(2L, calls.get());
            List<Map<String, Object>> top = (List<Map<String, Object>>) q.daily(day, gpt, 5000).get("top_expensive_calls");
            assertEquals(2, top.size());
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void should_keep_per_user_sums_of_past_days_exact_when_late_rows_arrive() {
        try (Database own = TestDatabase.freshDatabase()) {
            Reports q = new Reports(own.jdbi());
            LocalDate today = LocalDate.now(ZoneOffset.UTC);
            Window w = new Window(today.minusDays(3).atStartOfDay().toInstant(ZoneOffset.UTC),
                    today.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC), null);
            List<LlmCall> written = new ArrayList<>();
            java.util.function.Consumer<List<LlmCall>> write = batch -> {
                try (ChatLogger logger = ChatLogger.builder(new JdbcChatLogStore(own.jdbi())).build()) {
                    batch.forEach(logger::logCall);
                    assertTrue(logger.flush(Duration.ofSeconds(30)));
                }
                written.addAll(batch);
            };
            java.util.function.BiFunction<String, Integer, LlmCall> call = (user, daysAgo) -> LlmCall.builder()
                    .conversationId("c-" + user).userId(user).model("gpt-4o").inputTokens(100).outputTokens(10)
                    .costEstimate(new BigDecimal("0.25")).priced(true).durationMs(120)
                    .startedAt(today.minusDays(daysAgo).atStartOfDay().toInstant(ZoneOffset.UTC).plusSeconds(3600)).build();
            write.accept(List.of(call.apply("ann", 3), call.apply("ann", 2), call.apply("bob", 1), call.apply("bob", 0)));
            java.util.function.Supplier<Map<Object, BigDecimal>> costs = () -> {
                Map<Object, BigDecimal> out = new HashMap<>();
                for (Map<String, Object> g : (List<Map<String, Object>>) q.cost(w, Filter.NONE, Dimension.USER, Instant.now(), 100).get("groups")) {
                    out.put(g.get("user"), dec(g.get("cost")).stripTrailingZeros());
                }
                return out;
            };
            java.util.function.Supplier<Map<Object, BigDecimal>> truth = () -> written.stream().collect(Collectors.toMap(
                    LlmCall::userId, LlmCall::costEstimate, BigDecimal::add)).entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().stripTrailingZeros()));
            assertEquals(truth.get(), costs.get());
            assertEquals(truth.get(), costs.get()); // the past days now come from what was kept
            write.accept(List.of(call.apply("ann", 2), call.apply("cy", 3))); // late rows into past days
            assertEquals(truth.get(), costs.get());
            write.accept(List.of(call.apply("bob", 0))); // and today
            assertEquals(truth.get(), costs.get());
            assertEquals(0, new BigDecimal("0.75").compareTo(costs.get().get("ann")));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void should_end_percentiles_at_the_slowest_call_counted_not_at_the_bucket_edge() {
        try (Database own = TestDatabase.freshDatabase()) {
            Reports q = new Reports(own.jdbi());
            Instant t = D0.atStartOfDay().toInstant(ZoneOffset.UTC).plusSeconds(3 * 3600);
            try (ChatLogger logger = ChatLogger.builder(new JdbcChatLogStore(own.jdbi())).build()) {
                for (int i = 1; i <= 10; i++) { // embeddings: 2 to 11 ms, all in the first (<= 50 ms) bucket
                    logger.logCall(LlmCall.builder().conversationId("fast").callType(CallType.EMBEDDING).model("text-embedding-3-small")
                            .agent("Retriever").inputTokens(20).outputTokens(0).durationMs(i + 1).startedAt(t.plusSeconds(i)).build());
                }
                assertTrue(logger.flush(Duration.ofSeconds(30)));
            }
            for (Filter f : List.of(Filter.NONE, new Filter("text-embedding-3-small", "Retriever", null, null, null, null))) {
                Map<String, Object> daily = q.daily(D0, f, 5000); // rollups, then one raw pass
                Map<String, Object> latency = (Map<String, Object>) ((Map<String, Object>) daily.get("totals")).get("latency");
                assertEquals(5.5, ((Number) latency.get("p50_ms")).doubleValue(), 1e-9, f.toString()); // linear up to 11 ms, not 50
                assertEquals(10.89, ((Number) latency.get("p99_ms")).doubleValue(), 1e-9, f.toString());
            }
        }
    }
}
