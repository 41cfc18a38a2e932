package dev.chatlog.core.internal;

import dev.chatlog.core.Batch;
import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.LlmCall;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns queued entries into the records that are stored: deferred calls rendered, tokens estimated,
 * prices applied, text masked and cut ({@link CallEnricher}). That is the CPU work of the pipeline
 * (masking most of all, profiled under the chat load), so a large batch is split over
 * {@code threads} threads (the stage thread and {@code threads - 1} helpers); the order is kept. A
 * record whose conversion throws is rejected and counted.
 */
public final class RecordConverter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RecordConverter.class);
    private static final int PARALLEL_FROM = 256; // below, handing work to other threads costs more than it saves (2 busy cores)

    private final CallEnricher enricher;
    private final LoggerCounters counters;
    private final ExecutorService helpers;
    private final int threads;

    public RecordConverter(CallEnricher enricher, LoggerCounters counters, int threads) {
        this.enricher = enricher;
        this.counters = counters;
        this.threads = threads;
        this.helpers = threads <= 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, "chatlog-converter");
            t.setDaemon(true);
            return t;
        });
    }

    /** The converted records in queue order; failures left out. */
    public List<PipelineRecord> convert(List<Handoff.Entry> entries) {
        int n = entries.size();
        PipelineRecord[] out = new PipelineRecord[n];
        boolean[] failed = new boolean[n]; // refused and counted by convertRange
        if (helpers == null || n < PARALLEL_FROM) {
            convertRange(entries, out, failed, 0, n);
        } else {
            int parts = Math.min(threads, n / 128);
            int step = (n + parts - 1) / parts;
            List<Future<?>> running = new ArrayList<>();
            for (int from = step; from < n; from += step) {
                int f = from, t = Math.min(n, from + step);
                running.add(helpers.submit(() -> convertRange(entries, out, failed, f, t)));
            }
            convertRange(entries, out, failed, 0, Math.min(n, step));
            for (Future<?> r : running) {
                try {
                    r.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (java.util.concurrent.ExecutionException e) {
                    log.error("chatlog converter failed", e.getCause()); // convertRange catches per record
                }
            }
        }
        List<PipelineRecord> converted = new ArrayList<>(n);
        long unconverted = 0;
        for (int i = 0; i < n; i++) {
            if (failed[i]) continue;
            if (out[i] != null) converted.add(out[i]);
            else if (!(entries.get(i) instanceof Handoff.TurnEntry)) unconverted++; // a helper died or was interrupted
        }
        if (unconverted > 0) {
            counters.resolveFailures.addAndGet(unconverted);
            for (long k = 0; k < unconverted; k++) counters.refusedBeforeDurable();
            log.error("chatlog could not convert {} record(s) (a converter thread stopped); they are rejected", unconverted);
        }
        return converted;
    }

    private void convertRange(List<Handoff.Entry> entries, PipelineRecord[] out, boolean[] failed, int from, int to) {
        for (int i = from; i < to; i++) {
            Handoff.Entry e = entries.get(i);
            try {
                if (e instanceof Handoff.CallEntry c) {
                    out[i] = new PipelineRecord.Call(enricher.enrich(c.call()));
                } else if (e instanceof Handoff.MessageEntry m) {
                    out[i] = new PipelineRecord.Message(enricher.enrich(m.message()));
                } else if (e instanceof Handoff.DeferredEntry d) {
                    out[i] = new PipelineRecord.Call(enricher.enrich(Objects.requireNonNull(d.supplier().get(), "deferred call")));
                } else if (e instanceof Handoff.ScoreEntry s) {
                    out[i] = new PipelineRecord.Scored(enricher.enrich(s.score()));
                } else if (e instanceof Handoff.TurnEntry t) {
                    RecordCodec.TurnOpened o = t.turn();
                    out[i] = new RecordCodec.TurnOpened(o.conversationId(), o.messageId(), enricher.clean(o.userInput()), o.openedAt());
                }
            } catch (RuntimeException | StackOverflowError | LinkageError x) { // one bad record (a runaway regex, say) is that record's loss
                failed[i] = true;
                if (e instanceof Handoff.TurnEntry) continue;
                counters.resolveFailures.incrementAndGet();
                counters.refusedBeforeDurable();
                counters.lastError = x.toString();
                log.warn("chatlog could not convert a record; it is rejected", x);
            }
        }
    }

    /** Calls, messages and scores of converted records, as a batch for the sink (markers left out). */
    public static Batch batchOf(List<PipelineRecord> records) {
        List<LlmCall> calls = new ArrayList<>();
        List<ConversationMessage> messages = new ArrayList<>();
        List<dev.chatlog.core.score.Score> scores = new ArrayList<>();
        for (PipelineRecord r : records) {
            if (r instanceof PipelineRecord.Call c) calls.add(c.call());
            else if (r instanceof PipelineRecord.Message m) messages.add(m.message());
            else if (r instanceof PipelineRecord.Scored s) scores.add(s.score());
        }
        return new Batch(calls, messages, scores);
    }

    @Override
    public void close() {
        if (helpers != null) helpers.shutdownNow();
    }
}
