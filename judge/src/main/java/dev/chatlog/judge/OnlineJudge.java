package dev.chatlog.judge;

import dev.chatlog.core.Batch;
import dev.chatlog.core.CallType;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.LlmCall;
import dev.chatlog.core.score.Score;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A judge run online: every turn (or chat call) the logger stores for the first time is sampled — a fixed share
 * {@code rate}, chosen by a hash of its id, so the same target is always in or out — filtered (messages by intent,
 * calls by model and agent), and rated on the judge's own thread, never the application's nor the writer's. A full
 * queue skips targets (counted), it never waits. The judge's own calls ({@code evaluation} rows) are never judged.
 */
public final class OnlineJudge implements AutoCloseable {
    /** What is sampled: a share of a target kind, filtered. */
    public record Sampling(double rate, Score.Target target, Set<String> models, Set<String> agents, Set<String> intents) {
        public Sampling {
            if (!(rate >= 0 && rate <= 1)) throw new dev.chatlog.core.InvalidDefinitionException("sample_rate", "a sampling rate is from 0 to 1, got " + rate);
            target = target == null ? Score.Target.MESSAGE : target;
            if (target == Score.Target.CONVERSATION) throw new dev.chatlog.core.InvalidDefinitionException("target", "a judge rates messages or calls");
            models = models == null ? Set.of() : Set.copyOf(models);
            agents = agents == null ? Set.of() : Set.copyOf(agents);
            intents = intents == null ? Set.of() : Set.copyOf(intents);
        }
    }

    /** Targets sampled, rated (by outcome), skipped because the queue was full. */
    public record Stats(long sampled, long scored, long unreadable, long failed, long refusedByBudget, long skipped) {}

    private final LlmJudge judge;
    private final Sampling sampling;
    private volatile boolean closed;
    private final ThreadPoolExecutor worker;
    private final AtomicLong sampled = new AtomicLong(), scored = new AtomicLong(), unreadable = new AtomicLong(),
            failed = new AtomicLong(), refused = new AtomicLong(), skipped = new AtomicLong(), pending = new AtomicLong();

    private OnlineJudge(LlmJudge judge, Sampling sampling, int queue) {
        this.judge = judge;
        this.sampling = sampling;
        this.worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queue), r -> {
            Thread t = new Thread(r, "chatlog-judge-" + judge.name());
            t.setDaemon(true);
            return t;
        }, (r, e) -> {
            if (!closed) skipped.incrementAndGet(); // a full queue; after close, simply not run
            pending.decrementAndGet();
        });
    }

    /** Starts judging what {@code log} stores from now on, up to {@code queue} targets waiting. */
    public static OnlineJudge attach(ChatLogger log, LlmJudge judge, Sampling sampling, int queue) {
        OnlineJudge j = new OnlineJudge(Objects.requireNonNull(judge), Objects.requireNonNull(sampling), queue);
        log.onStored(j::stored);
        return j;
    }

    private void stored(Batch b) {
        if (worker.isShutdown() || sampling.rate() == 0) return;
        if (sampling.target() == Score.Target.MESSAGE) {
            for (ConversationMessage m : b.messages()) {
                if (m.success() && (sampling.intents().isEmpty() || sampling.intents().contains(m.intent())) && sampled(m.messageId())) {
                    submit(JudgeTarget.message(m.conversationId(), m.messageId(), m.userInput(), m.finalOutput()).ofUser(m.userId()));
                }
            }
        } else {
            for (LlmCall c : b.calls()) {
                if ((c.callType() == CallType.CHAT || c.callType() == CallType.STREAMING_CHAT) && c.success()
                        && (sampling.models().isEmpty() || sampling.models().contains(c.model()))
                        && (sampling.agents().isEmpty() || sampling.agents().contains(c.agent())) && sampled(c.callId())) {
                    submit(JudgeTarget.call(Objects.toString(c.conversationId(), ""), c.messageId(), c.callId(), c.inputText(), c.outputText()).ofUser(c.userId()));
                }
            }
        }
    }

    private void submit(JudgeTarget t) {
        sampled.incrementAndGet();
        pending.incrementAndGet();
        try {
            worker.execute(() -> {
                try {
                    Verdict v = judge.judge(t);
                    (switch (v.outcome()) {
                        case SCORED -> scored;
                        case UNREADABLE -> unreadable;
                        case FAILED -> failed;
                        case REFUSED_BY_BUDGET -> refused;
                    }).incrementAndGet();
                } finally {
                    pending.decrementAndGet();
                }
            });
        } catch (RuntimeException e) {
            pending.decrementAndGet();
        }
    }

    /** Whether {@code id} is in the sample: the first 7 bytes of its SHA-256 as a fraction of 2^56, below the rate. */
    boolean sampled(String id) {
        if (sampling.rate() >= 1) return true;
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest((judge.name() + "\0" + id).getBytes(StandardCharsets.UTF_8));
            long v = 0;
            for (int i = 0; i < 7; i++) v = (v << 8) | (h[i] & 0xff);
            return v / (double) (1L << 56) < sampling.rate();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public Stats stats() {
        return new Stats(sampled.get(), scored.get(), unreadable.get(), failed.get(), refused.get(), skipped.get());
    }

    /** Waits until every target sampled so far is rated, up to {@code timeout}. */
    public boolean awaitIdle(java.time.Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (pending.get() > 0) {
            if (System.nanoTime() > end) return false;
            Thread.sleep(10);
        }
        return true;
    }

    /** Stops: what waits in the queue is dropped (it was never sent), a rating under way finishes within 5 s. */
    @Override
    public void close() {
        closed = true;
        pending.addAndGet(-worker.shutdownNow().size());
        try {
            worker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
