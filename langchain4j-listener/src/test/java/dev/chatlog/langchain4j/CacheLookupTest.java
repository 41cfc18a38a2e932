package dev.chatlog.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.core.cache.CacheLookup;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.MessageTurn;
import dev.chatlog.micrometer.ChatLogMeters;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.chatlog.sql.TestDatabase;
import dev.chatlog.sql.erasure.Erasure;
import dev.chatlog.sql.query.Filter;
import dev.chatlog.sql.query.Window;
import dev.chatlog.sql.report.CacheTargets;
import dev.chatlog.sql.report.Reports;
import dev.chatlog.sql.report.StageTargets;
import dev.chatlog.sql.rollup.ConsistencyCheck;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/** Cache lookups through the logger, the spool-less pipeline, the store and the rollups: hit rates, savings, targets, meters, erasure. */
class CacheLookupTest {

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Object o) {
        return (List<Map<String, Object>>) o;
    }

    @Test
    void should_give_hit_rates_equal_to_the_lookups_and_price_what_the_hits_saved() {
        try (Database db = TestDatabase.freshDatabase()) {
            Jdbi jdbi = db.jdbi();
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            String conversation;
            try (ChatLogger logger = ChatLogger.builder(new JdbcChatLogStore(jdbi)).build()) {
                new ChatLogMeters(logger).bindTo(registry);
                try (MessageTurn turn = logger.beginMessage(null, "what are your opening hours?")) {
                    conversation = turn.conversationId();
                    for (int i = 0; i < 3; i++) { // hits that replaced a gpt-4o-mini call of 1,000 + 200 tokens
                        CacheLookup.hit("responses").keyHash("h" + i).replacing("gpt-4o-mini", 1_000, 200)
                                .saved(Duration.ofMillis(850)).took(Duration.ofMillis(2)).log(logger);
                    }
                    turn.output("{}", "9 to 18");
                }
                CacheLookup.hit("responses").savedCost(new BigDecimal("0.5")).log(logger); // the application knew the saving
                CacheLookup.miss("responses").keyHash("h9").log(logger);
                CacheLookup.miss("responses").log(logger);
                CacheLookup.hit("audio").replacing("mystery-tts-9", 0, 0).saved(Duration.ofMillis(1_200)).log(logger); // no price: no saving known
                CacheLookup.miss("audio").log(logger);
                assertTrue(logger.flush(Duration.ofSeconds(20)));
            }
            Reports reports = new Reports(jdbi, StageTargets.NONE, CacheTargets.parse("responses=70%,audio=50%"));
            Window all = Window.between(Instant.parse("2020-01-01T00:00:00Z"), Instant.now().plusSeconds(3600));
            Map<String, Object> caches = reports.caches(all, Filter.NONE);
            System.out.println("caches: " + caches);
            Map<String, Map<String, Object>> byName = list(caches.get("caches")).stream()
                    .collect(Collectors.toMap(c -> (String) c.get("cache"), c -> c));
            Map<String, Object> responses = byName.get("responses");
            assertEquals(6L, responses.get("lookups"));
            assertEquals(4L, responses.get("hits"));
            assertEquals(2L, responses.get("misses"));
            assertEquals(0, new BigDecimal("66.67").compareTo((BigDecimal) responses.get("hit_rate")));
            assertEquals(true, responses.get("below_target"), "66.67% < 70%");
            // 3 x (1,000 x 0.15 + 200 x 0.60) / 1M at gpt-4o-mini's prices, plus the 0.5 given
            assertEquals(0, new BigDecimal("0.50081").compareTo(new BigDecimal(responses.get("saved_cost").toString())), responses.toString());
            assertEquals(0, new BigDecimal("2550").compareTo(new BigDecimal(responses.get("saved_ms").toString())));
            Map<String, Object> audio = byName.get("audio");
            assertEquals(0, new BigDecimal("50").compareTo((BigDecimal) audio.get("hit_rate")));
            assertEquals(false, audio.get("below_target"), "50% meets 50%");
            assertEquals(0, BigDecimal.ZERO.compareTo(new BigDecimal(audio.get("saved_cost").toString())), "an unpriced model saved no known cost");
            assertEquals(6.0, registry.find(ChatLogMeters.CACHE_LOOKUPS).tag("cache", "responses").counters().stream()
                    .mapToDouble(c -> c.count()).sum());
            assertEquals(4.0, registry.get(ChatLogMeters.CACHE_LOOKUPS).tags("cache", "responses", "result", "hit").counter().count());
            assertEquals(List.of(), new ConsistencyCheck(jdbi).mismatches());
            // the audio cache's lookups took no time: no percentile of theirs may say otherwise
            Map<String, Object> audioStep = list(reports.stages(all, Filter.NONE).get("stages")).stream()
                    .filter(st -> "cache".equals(st.get("kind")) && "audio".equals(st.get("name"))).findFirst().orElseThrow();
            assertEquals(0.0, ((Number) audioStep.get("p95_ms")).doubleValue(), 0.01, audioStep.toString());
            // per minute over the last hour, per day over all time: the buckets add up to the window's figures
            Window lastHour = Window.between(Instant.now().minusSeconds(3600), Instant.now().plusSeconds(60));
            for (Window w : List.of(lastHour, all)) {
                Map<String, Object> c = reports.caches(w, Filter.NONE);
                assertEquals(w == all ? "day" : "minute", c.get("series_bucket"));
                List<Map<String, Object>> series = list(c.get("series"));
                assertEquals(4L, series.stream().filter(b -> b.get("cache").equals("responses")).mapToLong(b -> (Long) b.get("hits")).sum(), series.toString());
                assertEquals(2L, series.stream().filter(b -> b.get("cache").equals("responses")).mapToLong(b -> (Long) b.get("misses")).sum());
                assertEquals(1L, series.stream().filter(b -> b.get("cache").equals("audio")).mapToLong(b -> (Long) b.get("hits")).sum());
            }

            // the turn erased: its three hits leave the rollups exactly
            new Erasure(jdbi).erase(new Erasure.Request(Erasure.Scope.CONVERSATION, conversation, "test", null, false));
            Map<String, Object> after = list(reports.caches(all, Filter.NONE).get("caches")).stream()
                    .filter(c -> c.get("cache").equals("responses")).findFirst().orElseThrow();
            assertEquals(3L, after.get("lookups"));
            assertEquals(1L, after.get("hits"));
            assertEquals(0, new BigDecimal("0.5").compareTo(new BigDecimal(after.get("saved_cost").toString())));
            assertEquals(List.of(), new ConsistencyCheck(jdbi).mismatches());
        }
    }
}
