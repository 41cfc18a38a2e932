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

    /** A slot whose record could not be converted (and was counted). */
    private static final Object FAILED = new Object();

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

    /** The converted records in queue order (LlmCall, ConversationMessage, TurnOpened); failures left out. */
    public List<Object> convert(List<Handoff.Entry> entries) {
        int n = entries.size();
        Object[] out = new Object[n];
        if (helpers == null || n < PARALLEL_FROM) {
            convertRange(entries, out, 0, n);
        } else {
            int parts = Math.min(threads, n / 128);
            int step = (n + parts - 1) / parts;
            List<Future<?>> running = new ArrayList<>();
            for (int from = step; from < n; from += step) {
                int f = from, t = Math.min(n, from + step);
                running.add(helpers.submit(() -> convertRange(entries, out, f, t)));
            }
            convertRange(entries, out, 0, Math.min(n, step));
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
        List<Object> converted = new ArrayList<>(n);
        long unconverted = 0;
        for (int i = 0; i < n; i++) {
            Object o = out[i];
            if (o == FAILED) continue; // refused and counted by convertRange
            if (o != null) converted.add(o);
            else if (!(entries.get(i).record() instanceof RecordCodec.TurnOpened)) unconverted++; // a helper died or was interrupted
        }
        if (unconverted > 0) {
            counters.resolveFailures.addAndGet(unconverted);
            for (long k = 0; k < unconverted; k++) counters.refusedBeforeDurable();
            log.error("chatlog could not convert {} record(s) (a converter thread stopped); they are rejected", unconverted);
        }
        return converted;
    }

    private void convertRange(List<Handoff.Entry> entries, Object[] out, int from, int to) {
        for (int i = from; i < to; i++) {
            Object o = entries.get(i).record();
            try {
                if (o instanceof Handoff.Deferred d) {
                    out[i] = enricher.enrich(Objects.requireNonNull(d.supplier().get(), "deferred call"));
                } else if (o instanceof LlmCall c) {
                    out[i] = enricher.enrich(c);
                } else if (o instanceof ConversationMessage m) {
                    out[i] = enricher.enrich(m);
                } else if (o instanceof RecordCodec.TurnOpened t) {
                    out[i] = new RecordCodec.TurnOpened(t.conversationId(), t.messageId(), enricher.clean(t.userInput()), t.openedAt());
                }
            } catch (RuntimeException | StackOverflowError | LinkageError e) { // one bad record (a runaway regex, say) is that record's loss
                out[i] = FAILED;
                if (o instanceof RecordCodec.TurnOpened) continue;
                counters.resolveFailures.incrementAndGet();
                counters.refusedBeforeDurable();
                counters.lastError = e.toString();
                log.warn("chatlog could not convert a record; it is rejected", e);
            }
        }
    }

    /** Calls and messages of converted records, as a batch for the sink (markers left out). */
    public static Batch batchOf(List<Object> records) {
        List<LlmCall> calls = new ArrayList<>();
        List<ConversationMessage> messages = new ArrayList<>();
        for (Object o : records) {
            if (o instanceof LlmCall c) calls.add(c);
            else if (o instanceof ConversationMessage m) messages.add(m);
        }
        return new Batch(calls, messages);
    }

    @Override
    public void close() {
        if (helpers != null) helpers.shutdownNow();
    }
}
