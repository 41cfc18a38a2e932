package dev.chatlog.core.internal;

import dev.chatlog.core.Batch;
import dev.chatlog.core.ChatLogSink;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store as the writer sees it: each write tells the observers (meters, spans, turn summaries)
 * the records the store took for the first time ({@link ChatLogSink#writeNew}): a record replayed
 * from the spool after a crash was seen when it was first stored, and is not seen again. An observer
 * that throws is logged and skipped: it never fails a write.
 */
public final class ObservedSink implements ChatLogSink {
    private static final Logger log = LoggerFactory.getLogger(ObservedSink.class);

    /** Who is told of stored records, in the order they were added. */
    public static final class Observers {
        private final List<Consumer<Batch>> list = new CopyOnWriteArrayList<>();

        public void add(Consumer<Batch> observer) {
            list.add(observer);
        }

        boolean isEmpty() {
            return list.isEmpty();
        }
    }

    private final ChatLogSink sink;
    private final Observers observers;

    public ObservedSink(ChatLogSink sink, Observers observers) {
        this.sink = sink;
        this.observers = observers;
    }

    @Override
    public void write(Batch batch) throws Exception {
        if (observers.isEmpty()) {
            sink.write(batch);
            return;
        }
        Batch fresh = sink.writeNew(batch);
        if (fresh.size() == 0) return;
        for (Consumer<Batch> o : observers.list) {
            try {
                o.accept(fresh);
            } catch (RuntimeException e) {
                log.debug("a stored-batch observer failed: {}", e.toString());
            }
        }
    }

    @Override
    public boolean isRetryable(Exception failure) {
        return sink.isRetryable(failure);
    }
}
