package dev.chatlog.experiments.analysis;

import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.LlmCall;
import dev.chatlog.experiments.Assignment;
import dev.chatlog.experiments.Experiment;
import dev.chatlog.experiments.Plan;
import dev.chatlog.experiments.Variant;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Random;

/**
 * Simulated experiments written through the real logger: per conversation (the unit) 1 or 2 turns, each a message and
 * its model call, in the arm the conversation hashes to. Turns of one conversation share its success probability
 * (0.8 plus a conversation effect of sd 0.1: turns are clustered, as real ones are); a turn's latency is log-normal
 * around 800 ms, its tokens 200 plus a log-normal hundred, its cost a micro-dollar a token. The variant {@code b} may
 * differ: its success probability by {@code successShift}, its latency by {@code latencyFactor}, its cost by
 * {@code costFactor}; {@code dropB} of its conversations may go unlogged (a sample ratio mismatch). Unit {@code u}'s turns
 * are at {@code base + u} seconds, so a look "after k units" is a window ending at {@code base + k} seconds.
 */
final class SimulatedLog {
    static final Instant BASE = Instant.parse("2026-11-02T00:00:00Z");

    record Effect(double successShift, double latencyFactor, double costFactor, double dropB) {
        static final Effect NONE = new Effect(0, 1, 1, 0);
    }

    private SimulatedLog() {}

    /** A running 50/50 experiment between {@code a} and {@code b}. */
    static Experiment experiment(String name, String primary, List<String> guardrails, Plan plan) {
        return new Experiment(name, null, List.of(new Variant("a", new BigDecimal("50"), null, null, null),
                new Variant("b", new BigDecimal("50"), null, null, null)), primary, guardrails, plan, BASE.minusSeconds(60), null, null);
    }

    /** Logs {@code units} conversations of {@code e}, from {@link #BASE}. */
    static void write(ChatLogger logger, Experiment e, int units, Effect effect, long seed) {
        write(logger, e, units, effect, seed, BASE);
    }

    /** Logs {@code units} conversations of {@code e}, unit {@code u} at {@code base + u} seconds. */
    static void write(ChatLogger logger, Experiment e, int units, Effect effect, long seed, Instant base) {
        Random r = new Random(seed);
        for (int u = 0; u < units; u++) {
            String conv = e.name() + "-c" + u;
            Variant v = Assignment.variantFor(e, conv, e.start());
            boolean b = v.name().equals("b");
            double drop = r.nextDouble(), convEffect = 0.1 * r.nextGaussian();
            if (b && drop < effect.dropB()) continue;
            int turns = r.nextBoolean() ? 1 : 2;
            double p = Math.max(0.02, Math.min(0.98, 0.8 + convEffect + (b ? effect.successShift() : 0)));
            for (int t = 0; t < turns; t++) {
                Instant at = base.plusSeconds(u).plusMillis(t * 10L);
                String msg = conv + "-m" + t;
                String arm = e.name() + '/' + v.name();
                double latency = Math.exp(Math.log(800) + 0.5 * r.nextGaussian()) * (b ? effect.latencyFactor() : 1);
                int tokens = 200 + (int) (100 * Math.exp(0.5 * r.nextGaussian()));
                BigDecimal cost = BigDecimal.valueOf(tokens * (b ? effect.costFactor() : 1) * 1e-6).setScale(10, java.math.RoundingMode.HALF_UP);
                boolean ok = r.nextDouble() < p;
                logger.logCall(LlmCall.builder().conversationId(conv).messageId(msg).callSequence(1).model("sim-model").arm(arm)
                        .inputTokens(tokens - 20).outputTokens(20).costEstimate(cost).priced(true).startedAt(at.plusMillis(1))
                        .durationMs(latency * 0.9).success(true).build());
                logger.logMessage(ConversationMessage.builder().conversationId(conv).messageId(msg).arm(arm).userInput("q").finalOutput("a")
                        .success(ok).responseTimeMs(Math.round(latency * 100) / 100.0).timestamp(at).build());
            }
        }
    }
}
