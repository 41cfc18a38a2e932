package dev.chatlog.experiments.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatlog.alerts.AlertDispatcher;
import dev.chatlog.alerts.AlertEngine;
import dev.chatlog.alerts.AlertState;
import dev.chatlog.alerts.channel.WebhookChannel;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.testing.HttpReceiver;
import dev.chatlog.experiments.Experiment;
import dev.chatlog.experiments.ExperimentGuard;
import dev.chatlog.experiments.ExperimentRouter;
import dev.chatlog.experiments.Experiments;
import dev.chatlog.experiments.analysis.SimulatedLog.Effect;
import dev.chatlog.sql.Database;
import dev.chatlog.sql.JdbcChatLogStore;
import dev.chatlog.sql.TestDatabase;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A guardrail breach stops the experiment — its traffic back on the control — and the stop reaches a real webhook receiver
 * through the alert engine and its outbox, once, however many instances check.
 */
class ExperimentGuardTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void should_stop_an_experiment_whose_arm_is_significantly_slower_and_deliver_the_stop_once_as_an_alert() throws Exception {
        try (Database db = TestDatabase.freshDatabase(); HttpReceiver hook = HttpReceiver.start()) {
            Experiments store = new Experiments(db.jdbi(), Clock.systemUTC());
            store.put(SimulatedLog.experiment("slow-arm", "cost_per_turn", List.of("latency_ms", "success_rate"), null));
            Experiment e = store.start("slow-arm").orElseThrow();
            try (ChatLogger logger = ChatLogger.builder(new JdbcChatLogStore(db.jdbi())).batchSize(500).build()) {
                SimulatedLog.write(logger, e, 300, new Effect(0, 3, 1, 0), 5, Instant.now().minusSeconds(300));
                assertTrue(logger.flush(Duration.ofSeconds(60)));
            }
            Analyses analyses = new Analyses(db.jdbi(), Clock.systemUTC());
            Analysis.Test latency = analyses.of(e).tests().stream().filter(t -> t.metric().equals("latency_ms")).findFirst().orElseThrow();
            assertTrue(latency.significant() && latency.direction().equals("worse"), latency.toString());
            ExperimentGuard guard = new ExperimentGuard(store, analyses, List::of, Clock.systemUTC());
            ExperimentGuard other = new ExperimentGuard(store, analyses, List::of, Clock.systemUTC()); // a second instance
            List<ExperimentGuard.Stop> stops = guard.check();
            assertEquals(1, stops.size(), stops.toString());
            assertEquals(Experiments.StoppedBy.GUARDRAIL, stops.get(0).by());
            assertTrue(stops.get(0).reason().contains("b: latency_ms significantly worse"), stops.get(0).reason());
            assertEquals(List.of(), other.check(), "stopped once");
            assertEquals("stopped", Experiments.status(store.get("slow-arm").orElseThrow(), Instant.now()));
            try (ExperimentRouter router = new ExperimentRouter(store, Clock.systemUTC(), Duration.ofMinutes(1))) {
                assertTrue(router.assign("slow-arm", "slow-arm-c1").isEmpty(), "no one is put in an arm of a stopped experiment");
            }

            AlertEngine one = AlertEngine.builder(db.jdbi()).channels(List.of("webhook")).dashboardUrl("http://chatlog.test").build();
            AlertEngine two = AlertEngine.builder(db.jdbi()).channels(List.of("webhook")).dashboardUrl("http://chatlog.test").build();
            one.rules().putDefaults();
            List<AlertEngine.Transition> fired = new java.util.ArrayList<>(one.evaluate());
            fired.addAll(two.evaluate());
            fired.addAll(one.evaluate());
            List<AlertEngine.Transition> stopsFired = fired.stream().filter(t -> t.rule().equals("experiments")).toList();
            assertEquals(1, stopsFired.size(), fired.toString());
            assertEquals(AlertState.ALERT, stopsFired.get(0).to());
            assertEquals("slow-arm", stopsFired.get(0).subject());
            AlertDispatcher sender = AlertDispatcher.builder(db.jdbi(), List.of(new WebhookChannel(URI.create(hook.url("/hook")), "s3cret",
                    Duration.ofSeconds(5)))).build();
            assertTrue(sender.runOnce() >= 1);
            List<JsonNode> got = new java.util.ArrayList<>();
            for (HttpReceiver.Request r : hook.requests("/hook")) {
                JsonNode n = JSON.readTree(r.text());
                if (n.get("kind").asText().equals("experiment")) got.add(n);
            }
            assertEquals(1, got.size(), "one delivery of the stop: " + got);
            JsonNode body = got.get(0);
            assertTrue(body.get("summary").asText().contains("slow-arm was stopped automatically"), body.toString());
            assertTrue(body.get("summary").asText().contains("latency_ms"), body.toString());
        }
    }
}
